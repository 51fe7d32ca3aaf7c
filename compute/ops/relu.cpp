#include "ops/relu.h"

#include "ops/launch.h"
#include "relu.spv.h"
#include "relu_grad.spv.h"
#include "push_constants.h"  // shaders/: the Push structs the shaders declare

namespace nst::ops {
namespace {

using Push = push::Count;

const vk::Shader kRelu{NST_SPIRV(relu), {kRead, kWrite}, sizeof(Push)};
const vk::Shader kReluGrad{NST_SPIRV(relu_grad), {kRead, kRead, kWrite}, sizeof(Push)};

}  // namespace

void relu(vk::Recorder& rec, const Tensor& in, Tensor& out) {
  require_same_shape("relu", in, out);
  rec.dispatch(kRelu, elementwise_spec(), {in.span(), out.span()}, Push{uint32_t(in.count())},
               elementwise_groups(in.count()));
}

void relu_grad(vk::Recorder& rec, const Tensor& grad_out, const Tensor& out, Tensor& grad_in) {
  require_same_shape("relu_grad", grad_out, out);
  require_same_shape("relu_grad", grad_out, grad_in);
  rec.dispatch(kReluGrad, elementwise_spec(), {grad_out.span(), out.span(), grad_in.span()},
               Push{uint32_t(out.count())}, elementwise_groups(out.count()));
}

}  // namespace nst::ops
