#pragma once
// How one scale of a run shares the device memory it may use (docs/design.md § Memory):
// the optimiser's x-sized vectors first, then the objective, tiled (style/tiles.h) where
// the whole image's activations do not fit, then L-BFGS history in what is left.
#include <cstdint>
#include <vector>

#include "ops/tensor.h"
#include "vk/context.h"
#include "style/objective.h"
#include "vgg/network.h"

namespace nst::style {

enum class OptimizerKind { lbfgs, adam };

struct ScaleBudget {
  uint32_t tile_side = 0;      // for Tiling::tile_side; 0: untiled
  uint32_t lbfgs_history = 0;  // the pairs that fit, at most the history asked for
  uint64_t objective_bytes = 0;
  uint64_t optimizer_bytes = 0;  // the optimiser's vectors at the history above
};

// Fractions of the memory left aside for what the estimates do not count: the allocator's
// 64 MiB blocks are not filled exactly, and recorders take scratch space.
inline constexpr double kUsableShare = 0.9;
// L-BFGS keeps at least this many pairs (or the history asked for, if fewer) before the
// objective is given the rest: fewer make it little better than gradient descent.
inline constexpr uint32_t kLeastHistory = 5;

// Tiles own at least this side (the halo, on the alignment grid): a window is then at
// most 9 times its own area. Smaller tiles would fit smaller memory, but spend nearly
// all their time on the halo (measured: 4 px tiles with a 20 px halo, 20× slower than
// 24 px ones).
uint32_t smallest_tile_side(const ObjectiveSpec& spec);

// The device memory a run may take now: what the device's budget (VK_EXT_memory_budget,
// else its heap) leaves free, and what `memory_limit_bytes` (0: none) leaves beyond the
// engine's bytes in use, whichever is less.
uint64_t available_bytes(vk::Context& context, uint64_t memory_limit_bytes);

// The largest tile side (0: untiled) at which the objective of an image of `image` shape
// with styles `styles` takes at most `bytes`. Throws vk::OutOfMemory, saying what was
// needed, where even the smallest tile does not fit; `reserved` (bytes set aside for
// other things, e.g. the optimiser) is named in that message.
uint32_t tile_side_within(const vgg::Network& network, const ObjectiveSpec& spec, Shape image,
                          const std::vector<Shape>& styles, double bytes, double reserved = 0);

// The tile side and history for a scale whose x has `image` shape and whose styles
// `styles`, within `available` bytes of device memory. Throws vk::OutOfMemory, saying what
// was needed, where even the smallest tile does not fit beside the optimiser's vectors.
ScaleBudget plan_scale(const vgg::Network& network, const ObjectiveSpec& spec, Shape image,
                       const std::vector<Shape>& styles, OptimizerKind optimizer, uint32_t history, uint64_t available);

}  // namespace nst::style
