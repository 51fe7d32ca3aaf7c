#include "ops/gram.h"

#include <algorithm>
#include <string>

#include "gram.spv.h"
#include "gram_grad.spv.h"
#include "ops/launch.h"
#include "ops/reduce.h"
#include "sum_slices.spv.h"
#include "vk/error.h"
#include "push_constants.h"  // shaders/: the Push structs the shaders declare

namespace nst::ops {
namespace {

using GramPush = push::Gram;
using SumPush = push::SumSlices;
using GradPush = push::GramGrad;

const vk::Shader kGram{NST_SPIRV(gram), {kRead, kWrite}, sizeof(GramPush)};
const vk::Shader kSumSlices{NST_SPIRV(sum_slices), {kRead, kWrite}, sizeof(SumPush)};
const vk::Shader kGramGrad{NST_SPIRV(gram_grad), {kRead, kRead, kRead, kReadWrite}, sizeof(GradPush)};

// Each invocation computes a kBlock×kBlock block of outputs (shaders/gram.comp).
constexpr uint32_t kBlock = 4;
// Gram slices: enough workgroups to keep a GPU busy when N is small, but slices long
// enough that writing and adding up the partial matrices stays cheap.
constexpr uint32_t kTargetWorkgroups = 128;
constexpr uint32_t kMinSlice = 1024;
// Gradient workgroups step along the positions beyond this many column tiles: a full wave
// on large GPUs, and any M fits the dispatch limits.
constexpr uint32_t kMaxColumnGroups = 1024;

// T×T workgroups: 16×16 where the device allows 256 invocations, else 8×8 (every Vulkan
// device allows 128). Both shaders stage two T×T blocks of vec4 in shared memory.
vk::Specialization tile_spec(const vk::Context& context) {
  const vk::Limits& limits = context.limits();
  const uint32_t t = limits.max_workgroup_invocations >= 256 ? 16 : 8;
  const uint32_t shared_bytes = 2 * t * t * kBlock * sizeof(float);
  if (shared_bytes > limits.max_shared_memory) {
    throw vk::Error("the Gram kernels need " + std::to_string(shared_bytes) +
                    " bytes of shared memory; the device has " + std::to_string(limits.max_shared_memory));
  }
  return {{t, t, 1}, {}};
}

struct Dimensions {
  uint32_t n, m;
  double n2m2;  // N² M², the style term's normalisation
};

// The N×M reading of `features`, after checking that `gram` (and `target`, if given) is 1×N×N.
// M is `positions`, or the features' H·W where that is 0.
Dimensions dimensions(const char* op, const Tensor& features, const Tensor& gram, const Tensor* target = nullptr,
                      uint64_t positions = 0) {
  const Shape& shape = features.shape();
  const Shape square{1, shape.c, shape.c};
  for (const Tensor* t : {&gram, target}) {
    if (t && !(t->shape() == square)) {
      throw nst::Error(std::string(op) + ": '" + t->name() + "' is " + t->shape().str() + " but features '" +
                      features.name() + "' of " + shape.str() + " need " + square.str());
    }
  }
  const double n = shape.c, m = static_cast<double>(positions ? positions : shape.plane());
  return {shape.c, static_cast<uint32_t>(shape.plane()), n * n * m * m};
}

// The positions each Gram slice sums: a multiple of the block depth T. Depends only on the
// shape and the device, so the summation order (and G's bits) is fixed.
uint32_t slice_length(const Dimensions& d, uint32_t tiles, uint32_t t) {
  const uint32_t tiles_used = tiles * (tiles + 1) / 2;  // on and above the diagonal
  const uint32_t wanted = std::clamp(kTargetWorkgroups / tiles_used, 1u, std::max(1u, d.m / kMinSlice));
  return vk::groups_for(vk::groups_for(d.m, wanted), t) * t;
}

}  // namespace

void gram(vk::Recorder& rec, const Tensor& features, Tensor& gram) {
  const Dimensions d = dimensions("gram", features, gram);
  const vk::Specialization spec = tile_spec(rec.context());
  const uint32_t t = spec.workgroup[0], tiles = vk::groups_for(d.n, kBlock * t);
  const uint32_t slice = slice_length(d, tiles, t), slices = vk::groups_for(d.m, slice);
  const GramPush push{d.n, d.m, slice};
  if (slices == 1) {
    rec.dispatch(kGram, spec, {features.span(), gram.span()}, push, {tiles, tiles, 1});
    return;
  }
  const uint32_t count = d.n * d.n;
  const vk::BufferSpan partial = rec.scratch(uint64_t{slices} * count * sizeof(float), "gram slices");
  rec.dispatch(kGram, spec, {features.span(), partial}, push, {tiles, tiles, slices});
  rec.dispatch(kSumSlices, elementwise_spec(), {partial, gram.span()}, SumPush{count, slices},
               elementwise_groups(count));
}

void style_loss(vk::Recorder& rec, const Tensor& features, const Tensor& gram, const Tensor& target, float weight,
                Tensor& scalars, uint32_t slot, Accumulate accumulate, uint64_t positions) {
  const Dimensions d = dimensions("style_loss", features, gram, &target, positions);
  sum_squared_difference(rec, gram, target, static_cast<float>(weight / (4 * d.n2m2)), scalars, slot, accumulate);
}

void gram_grad(vk::Recorder& rec, const Tensor& features, const Tensor& gram, const Tensor& target, float weight,
               Tensor& grad, Accumulate accumulate, uint64_t positions) {
  const Dimensions d = dimensions("gram_grad", features, gram, &target, positions);
  require_same_shape("gram_grad", features, grad);
  const vk::Specialization spec = tile_spec(rec.context());
  const uint32_t tile = kBlock * spec.workgroup[0];
  const uint32_t column_groups = std::min(vk::groups_for(d.m, tile), kMaxColumnGroups);
  rec.dispatch(kGramGrad, spec, {features.span(), gram.span(), target.span(), grad.span()},
               GradPush{d.n, d.m, static_cast<float>(weight / d.n2m2), accumulate_flag(accumulate)},
               {column_groups, vk::groups_for(d.n, tile)});
}

}  // namespace nst::ops
