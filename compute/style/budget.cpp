#include "style/budget.h"

#include <algorithm>
#include <string>

#include "vk/error.h"

namespace nst::style {
namespace {

std::string mib(double bytes) { return std::to_string(static_cast<uint64_t>(bytes / (1 << 20) + 0.5)) + " MiB"; }

// The optimiser's x-sized vectors besides x: Adam's gradient and moments; L-BFGS's accepted
// x, two gradients, direction and pending pair, then 2 per pair of history. One more for
// the gradient of the run's final loss measurement.
uint32_t fixed_vectors(OptimizerKind optimizer) { return optimizer == OptimizerKind::adam ? 4 : 7; }

}  // namespace

uint32_t smallest_tile_side(const ObjectiveSpec& spec) {
  const uint32_t alignment = tile_alignment(spec);
  return std::max(alignment, (halo_of(spec) + alignment - 1) / alignment * alignment);
}

uint64_t available_bytes(vk::Context& context, uint64_t memory_limit_bytes) {
  vk::Allocator& allocator = context.allocator();
  const vk::MemoryBudget budget = allocator.budget();
  uint64_t available = budget.budget_bytes > budget.usage_bytes ? budget.budget_bytes - budget.usage_bytes : 0;
  if (memory_limit_bytes) {
    const uint64_t in_use = allocator.bytes_in_use();
    available = std::min(available, memory_limit_bytes > in_use ? memory_limit_bytes - in_use : 0);
  }
  return available;
}

uint32_t tile_side_within(const vgg::Network& network, const ObjectiveSpec& spec, Shape image,
                          const std::vector<Shape>& styles, double bytes, double reserved) {
  const auto bytes_at = [&](uint32_t side) {
    return double(Objective::device_bytes(network, spec, image, largest_window(spec, image, styles, side)));
  };
  // A tile fits when its objective's memory does and each of its tensors is within the
  // device's binding limits (maxStorageBufferRange: 128 MiB on lavapipe, a 64-channel
  // feature map of 724×724 px).
  const auto fits = [&](uint32_t side) {
    return bytes_at(side) <= bytes && Objective::bindable(network, spec, image, largest_window(spec, image, styles, side));
  };
  if (fits(0)) return 0;
  const uint32_t alignment = tile_alignment(spec);
  const uint32_t smallest = smallest_tile_side(spec);
  if (!fits(smallest)) {
    throw vk::OutOfMemory("the device memory available (" + mib(bytes + reserved) + ") cannot hold " +
                          (reserved > 0 ? "a " + std::to_string(image.w) + "×" + std::to_string(image.h) +
                                              " image's gradient and optimiser state (" + mib(reserved) + ") and "
                                        : std::string()) +
                          "even the smallest tile of the " + std::to_string(image.w) + "×" + std::to_string(image.h) +
                          " image's objective (" + std::to_string(smallest) + " px, " + mib(bytes_at(smallest)) + ")");
  }
  // The objective's memory grows with the tile: the largest side that fits, by bisection
  // over multiples of the alignment.
  uint32_t largest = smallest / alignment, too_big = (std::max(image.w, image.h) + alignment - 1) / alignment;
  while (too_big - largest > 1) {
    const uint32_t middle = (largest + too_big) / 2;
    (fits(middle * alignment) ? largest : too_big) = middle;
  }
  return largest * alignment;
}

ScaleBudget plan_scale(const vgg::Network& network, const ObjectiveSpec& spec, Shape image,
                       const std::vector<Shape>& styles, OptimizerKind optimizer, uint32_t history, uint64_t available) {
  const double usable = kUsableShare * double(available);
  const double vector = double(image.count()) * sizeof(float);
  const uint32_t least_pairs = optimizer == OptimizerKind::lbfgs ? std::min(history, kLeastHistory) : 0;
  const double reserved = vector * (fixed_vectors(optimizer) + 2.0 * least_pairs);
  ScaleBudget budget;
  budget.tile_side = tile_side_within(network, spec, image, styles, usable - reserved, reserved);
  budget.objective_bytes =
      Objective::device_bytes(network, spec, image, largest_window(spec, image, styles, budget.tile_side));
  const double left = usable - double(budget.objective_bytes) - vector * fixed_vectors(optimizer);
  budget.lbfgs_history = optimizer == OptimizerKind::lbfgs
                             ? std::clamp<uint32_t>(static_cast<uint32_t>(std::max(0.0, left / (2 * vector))), least_pairs, history)
                             : 0;
  budget.optimizer_bytes = static_cast<uint64_t>(vector * (fixed_vectors(optimizer) + 2.0 * budget.lbfgs_history));
  return budget;
}

}  // namespace nst::style
