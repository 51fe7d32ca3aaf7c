#include "ops/vector.h"

#include <cmath>

#include "adam.spv.h"
#include "axpy.spv.h"
#include "ops/launch.h"
#include "ops/scalars.h"
#include "scale.spv.h"
#include "vk/error.h"
#include "push_constants.h"  // shaders/: the Push structs the shaders declare

namespace nst::ops {
namespace {

// Shared by axpy.comp and scale.comp: the factor is `factor`, times scalars[slot] if use_scalar.
using FactorPush = push::Factor;
using AdamPush = push::Adam;

const vk::Shader kAxpy{NST_SPIRV(axpy), {kRead, kRead, kReadWrite}, sizeof(FactorPush)};
const vk::Shader kScale{NST_SPIRV(scale), {kRead, kReadWrite}, sizeof(FactorPush)};
const vk::Shader kAdam{NST_SPIRV(adam), {kRead, kReadWrite, kReadWrite, kReadWrite}, sizeof(AdamPush)};

// The host-factor forms bind their own input as the (unread) scalar buffer.
FactorPush host_factor(const Tensor& x, float a) { return {uint32_t(x.count()), 0, a, 0}; }

FactorPush device_factor(const char* op, const Tensor& scalars, uint32_t slot, float factor, const Tensor& x) {
  require_slot(op, scalars, slot);
  return {uint32_t(x.count()), slot, factor, 1};
}

void record_axpy(vk::Recorder& rec, const Tensor& scalars, const FactorPush& push, const Tensor& x, Tensor& y) {
  require_same_shape("axpy", x, y);
  rec.dispatch(kAxpy, elementwise_spec(), {scalars.span(), x.span(), y.span()}, push, elementwise_groups(x.count()));
}

void record_scale(vk::Recorder& rec, const Tensor& scalars, const FactorPush& push, Tensor& x) {
  rec.dispatch(kScale, elementwise_spec(), {scalars.span(), x.span()}, push, elementwise_groups(x.count()));
}

}  // namespace

void axpy(vk::Recorder& rec, float a, const Tensor& x, Tensor& y) { record_axpy(rec, x, host_factor(x, a), x, y); }

void axpy(vk::Recorder& rec, const Tensor& scalars, uint32_t slot, float factor, const Tensor& x, Tensor& y) {
  record_axpy(rec, scalars, device_factor("axpy", scalars, slot, factor, x), x, y);
}

void scale(vk::Recorder& rec, float a, Tensor& x) { record_scale(rec, x, host_factor(x, a), x); }

void scale(vk::Recorder& rec, const Tensor& scalars, uint32_t slot, float factor, Tensor& x) {
  record_scale(rec, scalars, device_factor("scale", scalars, slot, factor, x), x);
}

void copy(vk::Recorder& rec, const Tensor& src, Tensor& dst) {
  require_same_shape("copy", src, dst);
  rec.copy(src.span(), dst.span());
}

void adam_step(vk::Recorder& rec, const AdamParams& params, const Tensor& grad, Tensor& m, Tensor& v, Tensor& x) {
  require_same_shape("adam_step", grad, m);
  require_same_shape("adam_step", grad, v);
  require_same_shape("adam_step", grad, x);
  if (params.step == 0) throw nst::Error("adam_step: steps count from 1");
  const double step = params.step;
  const AdamPush push{uint32_t(x.count()),
                      params.learning_rate,
                      params.beta1,
                      params.beta2,
                      params.epsilon,
                      static_cast<float>(1 - std::pow(double(params.beta1), step)),
                      static_cast<float>(1 - std::pow(double(params.beta2), step))};
  rec.dispatch(kAdam, elementwise_spec(), {grad.span(), m.span(), v.span(), x.span()}, push,
               elementwise_groups(x.count()));
}

}  // namespace nst::ops
