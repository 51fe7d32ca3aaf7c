#include "ops/content.h"

#include "content_grad.spv.h"
#include "ops/launch.h"
#include "ops/reduce.h"
#include "push_constants.h"  // shaders/: the Push structs the shaders declare

namespace nst::ops {
namespace {

using Push = push::ContentGrad;

const vk::Shader kContentGrad{NST_SPIRV(content_grad), {kRead, kRead, kReadWrite}, sizeof(Push)};

}  // namespace

void content_loss(vk::Recorder& rec, const Tensor& features, const Tensor& target, float weight, Tensor& scalars,
                  uint32_t slot, Accumulate accumulate) {
  sum_squared_difference(rec, features, target, 0.5f * weight, scalars, slot, accumulate);
}

void content_grad(vk::Recorder& rec, const Tensor& features, const Tensor& target, float weight, Tensor& grad,
                  Accumulate accumulate) {
  require_same_shape("content_grad", features, target);
  require_same_shape("content_grad", features, grad);
  rec.dispatch(kContentGrad, elementwise_spec(), {features.span(), target.span(), grad.span()},
               Push{uint32_t(features.count()), weight, accumulate_flag(accumulate)},
               elementwise_groups(features.count()));
}

}  // namespace nst::ops
