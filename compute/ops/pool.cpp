#include "ops/pool.h"

#include "avgpool2x2.spv.h"
#include "avgpool2x2_grad.spv.h"
#include "maxpool2x2.spv.h"
#include "maxpool2x2_grad.spv.h"
#include "ops/launch.h"
#include "vk/error.h"
#include "push_constants.h"  // shaders/: the Push structs the shaders declare

namespace nst::ops {
namespace {

// shaders/pool.glsl: Push
using Push = push::Planes;

const vk::Shader kMaxPool{NST_SPIRV(maxpool2x2), {kRead, kWrite}, sizeof(Push)};
const vk::Shader kMaxPoolGrad{NST_SPIRV(maxpool2x2_grad), {kRead, kRead, kWrite}, sizeof(Push)};
const vk::Shader kAvgPool{NST_SPIRV(avgpool2x2), {kRead, kWrite}, sizeof(Push)};
const vk::Shader kAvgPoolGrad{NST_SPIRV(avgpool2x2_grad), {kRead, kWrite}, sizeof(Push)};

// Throws unless `pooled` has the shape pooling `full` makes; `op` names the operation.
void require_pooled(const char* op, const Tensor& full, const Tensor& pooled) {
  const Shape& shape = full.shape();
  if (shape.h < 2 || shape.w < 2) {
    throw nst::Error(std::string(op) + ": '" + full.name() + "' is " + shape.str() +
                    ", smaller than the 2×2 pooling window");
  }
  if (!(pooled.shape() == pooled_shape(shape))) {
    throw nst::Error(std::string(op) + ": '" + full.name() + "' is " + shape.str() + ", so '" + pooled.name() +
                    "' must be " + pooled_shape(shape).str() + ", but it is " + pooled.shape().str());
  }
}

// One invocation per element of `written`, the full-size or the pooled tensor.
void dispatch(vk::Recorder& rec, const vk::Shader& shader, std::initializer_list<vk::BufferSpan> bindings,
              const Shape& full, const Tensor& written) {
  const Shape pooled = pooled_shape(full);
  const Push push{full.h, full.w, pooled.h, pooled.w, uint32_t(written.count())};
  rec.dispatch(shader, elementwise_spec(), bindings, push, elementwise_groups(written.count()));
}

}  // namespace

Shape pooled_shape(const Shape& in) { return {in.c, in.h / 2, in.w / 2}; }

void maxpool2x2(vk::Recorder& rec, const Tensor& in, Tensor& out) {
  require_pooled("maxpool2x2", in, out);
  dispatch(rec, kMaxPool, {in.span(), out.span()}, in.shape(), out);
}

void maxpool2x2_grad(vk::Recorder& rec, const Tensor& in, const Tensor& grad_out, Tensor& grad_in) {
  require_pooled("maxpool2x2_grad", in, grad_out);
  require_same_shape("maxpool2x2_grad", in, grad_in);
  dispatch(rec, kMaxPoolGrad, {in.span(), grad_out.span(), grad_in.span()}, in.shape(), grad_in);
}

void avgpool2x2(vk::Recorder& rec, const Tensor& in, Tensor& out) {
  require_pooled("avgpool2x2", in, out);
  dispatch(rec, kAvgPool, {in.span(), out.span()}, in.shape(), out);
}

void avgpool2x2_grad(vk::Recorder& rec, const Tensor& grad_out, Tensor& grad_in) {
  require_pooled("avgpool2x2_grad", grad_in, grad_out);
  dispatch(rec, kAvgPoolGrad, {grad_out.span(), grad_in.span()}, grad_in.shape(), grad_in);
}

}  // namespace nst::ops
