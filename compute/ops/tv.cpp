#include "ops/tv.h"

#include "ops/launch.h"
#include "ops/reduce.h"
#include "ops/scalars.h"
#include "tv_grad.spv.h"
#include "tv_partial.spv.h"
#include "push_constants.h"  // shaders/: the Push structs the shaders declare

namespace nst::ops {
namespace {

using PartialPush = push::TvPartial;
using GradPush = push::TvGrad;

const vk::Shader kTvPartial{NST_SPIRV(tv_partial), {kRead, kWrite}, sizeof(PartialPush)};
const vk::Shader kTvGrad{NST_SPIRV(tv_grad), {kRead, kReadWrite}, sizeof(GradPush)};

}  // namespace

void total_variation(vk::Recorder& rec, const Tensor& x, float weight, Tensor& scalars, uint32_t slot,
                     Accumulate accumulate) {
  require_slot("total_variation", scalars, slot);
  const Reduction reduction = plan_reduction(rec, x.count());
  rec.dispatch(kTvPartial, reduction.spec, {x.span(), reduction.partials},
               PartialPush{reduction.count, reduction.chunk, x.shape().h, x.shape().w}, {reduction.groups});
  finish_reduction(rec, reduction, weight, scalars, slot, accumulate);
}

void total_variation_grad(vk::Recorder& rec, const Tensor& x, float weight, Tensor& grad, Accumulate accumulate) {
  require_same_shape("total_variation_grad", x, grad);
  rec.dispatch(kTvGrad, elementwise_spec(), {x.span(), grad.span()},
               GradPush{uint32_t(x.count()), x.shape().h, x.shape().w, weight, accumulate_flag(accumulate)},
               elementwise_groups(x.count()));
}

}  // namespace nst::ops
