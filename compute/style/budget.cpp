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

ScaleBudget plan_scale(const vgg::Network& network, const ObjectiveSpec& spec, Shape image,
                       const std::vector<Shape>& styles, OptimizerKind optimizer, uint32_t history, uint64_t available) {
  const double usable = kUsableShare * double(available);
  const double vector = double(image.count()) * sizeof(float);
  const uint32_t least_pairs = optimizer == OptimizerKind::lbfgs ? std::min(history, kLeastHistory) : 0;
  const double reserved = vector * (fixed_vectors(optimizer) + 2.0 * least_pairs);
  const double for_objective = usable - reserved;
  const auto bytes_at = [&](uint32_t side) {
    return double(Objective::device_bytes(network, spec, image, largest_window(spec, image, styles, side)));
  };
  ScaleBudget budget;
  if (bytes_at(0) > for_objective) {
    const uint32_t alignment = tile_alignment(spec);
    // The objective's memory grows with the tile: the largest side that fits, by bisection
    // over multiples of the alignment.
    uint32_t fits = 0, too_big = (std::max(image.w, image.h) + alignment - 1) / alignment;
    if (bytes_at(alignment) > for_objective) {
      throw vk::OutOfMemory("the device memory available (" + mib(double(available)) + ") cannot hold a " +
                            std::to_string(image.w) + "×" + std::to_string(image.h) + " image's optimiser (" +
                            mib(reserved) + ") and even the smallest tile of its objective (" +
                            mib(bytes_at(alignment)) + ")");
    }
    fits = 1;
    while (too_big - fits > 1) {
      const uint32_t middle = (fits + too_big) / 2;
      (bytes_at(middle * alignment) <= for_objective ? fits : too_big) = middle;
    }
    budget.tile_side = fits * alignment;
  }
  budget.objective_bytes = static_cast<uint64_t>(bytes_at(budget.tile_side));
  const double left = usable - double(budget.objective_bytes) - vector * fixed_vectors(optimizer);
  budget.lbfgs_history = optimizer == OptimizerKind::lbfgs
                             ? std::clamp<uint32_t>(static_cast<uint32_t>(std::max(0.0, left / (2 * vector))), least_pairs, history)
                             : 0;
  budget.optimizer_bytes = static_cast<uint64_t>(vector * (fixed_vectors(optimizer) + 2.0 * budget.lbfgs_history));
  return budget;
}

}  // namespace nst::style
