#include "ops/reduce.h"

#include <algorithm>
#include <bit>

#include "ops/launch.h"
#include "ops/scalars.h"
#include "reduce_final.spv.h"
#include "reduce_partial.spv.h"
#include "push_constants.h"  // shaders/: the Push structs the shaders declare

namespace nst::ops {
namespace {

// Enough partials to occupy a large GPU, few enough for one workgroup to sum them quickly.
// Partials of the first pass: many on GPUs, to fill them; few on CPU devices, where
// lavapipe runs each workgroup's shared-memory tree lane by lane, so 1024 of them cost
// 10× more than 32 for a 3×256×256 dot product (measured by the L-BFGS work).
constexpr uint32_t kMaxPartials = 1024;
constexpr uint32_t kMaxPartialsOnCpu = 32;

uint32_t max_partials(const vk::Context& context) {
  return context.info().type == VK_PHYSICAL_DEVICE_TYPE_CPU ? kMaxPartialsOnCpu : kMaxPartials;
}
constexpr uint32_t kPreferredWorkgroup = 256;

enum class Term : uint32_t { product = 0, squared_difference = 1 };

using PartialPush = push::ReducePartial;
using FinalPush = push::ReduceFinal;

const vk::Shader kReducePartial{NST_SPIRV(reduce_partial), {kRead, kRead, kWrite}, sizeof(PartialPush)};
const vk::Shader kReduceFinal{NST_SPIRV(reduce_final), {kRead, kReadWrite}, sizeof(FinalPush)};

// A power of two (the shared-memory tree halves it), within the device's limits.
uint32_t reduction_workgroup(const vk::Limits& limits) {
  return std::bit_floor(
      std::min({kPreferredWorkgroup, limits.max_workgroup_invocations, limits.max_workgroup_size[0]}));
}

void reduce_pair(vk::Recorder& rec, const char* op, Term term, const Tensor& a, const Tensor& b, float scale,
                 Tensor& scalars, uint32_t slot, Accumulate accumulate) {
  require_same_shape(op, a, b);
  require_slot(op, scalars, slot);
  const Reduction reduction = plan_reduction(rec, a.count());
  vk::Specialization spec = reduction.spec;
  spec.constants = {static_cast<uint32_t>(term)};
  rec.dispatch(kReducePartial, spec, {a.span(), b.span(), reduction.partials},
               PartialPush{reduction.count, reduction.chunk}, {reduction.groups});
  finish_reduction(rec, reduction, scale, scalars, slot, accumulate);
}

}  // namespace

Reduction plan_reduction(vk::Recorder& rec, uint64_t count) {
  const uint32_t workgroup = reduction_workgroup(rec.context().limits());
  const uint32_t wanted = std::clamp<uint32_t>(vk::groups_for(count, workgroup), 1, max_partials(rec.context()));
  const auto chunk = static_cast<uint32_t>((count + wanted - 1) / wanted);
  const uint32_t groups = vk::groups_for(count, chunk);
  return {static_cast<uint32_t>(count),
          chunk,
          groups,
          rec.scratch(groups * sizeof(float), "reduction partials"),
          {{workgroup, 1, 1}, {}}};
}

void finish_reduction(vk::Recorder& rec, const Reduction& reduction, float scale, Tensor& scalars, uint32_t slot,
                      Accumulate accumulate) {
  require_slot("finish_reduction", scalars, slot);
  rec.dispatch(kReduceFinal, reduction.spec, {reduction.partials, scalars.span()},
               FinalPush{reduction.groups, slot, scale, accumulate_flag(accumulate)}, {1});
}

void dot(vk::Recorder& rec, const Tensor& a, const Tensor& b, Tensor& scalars, uint32_t slot) {
  reduce_pair(rec, "dot", Term::product, a, b, 1.0f, scalars, slot, Accumulate::overwrite);
}

void sum_squared_difference(vk::Recorder& rec, const Tensor& a, const Tensor& b, float scale, Tensor& scalars,
                            uint32_t slot, Accumulate accumulate) {
  reduce_pair(rec, "sum_squared_difference", Term::squared_difference, a, b, scale, scalars, slot, accumulate);
}

}  // namespace nst::ops
