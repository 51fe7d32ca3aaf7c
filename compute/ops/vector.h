#pragma once
// Vector operations for the optimisers, on tensors of equal shape. The forms taking
// (scalars, slot) read a factor from a device scalar (ops/scalars.h), so that a step
// computed on the device (e.g. by L-BFGS from dot products) needs no read-back.
#include <cstdint>

#include "ops/tensor.h"
#include "vk/recorder.h"

namespace nst::ops {

// y += a·x. shaders/axpy.comp
void axpy(vk::Recorder& rec, float a, const Tensor& x, Tensor& y);
// y += factor·scalars[slot]·x. shaders/axpy.comp
void axpy(vk::Recorder& rec, const Tensor& scalars, uint32_t slot, float factor, const Tensor& x, Tensor& y);

// x *= a. shaders/scale.comp
void scale(vk::Recorder& rec, float a, Tensor& x);
// x *= factor·scalars[slot]. shaders/scale.comp
void scale(vk::Recorder& rec, const Tensor& scalars, uint32_t slot, float factor, Tensor& x);

// dst = src, as a transfer: every driver's copy path is at least as fast as a shader's.
void copy(vk::Recorder& rec, const Tensor& src, Tensor& dst);

struct AdamParams {
  float learning_rate;
  float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;
  uint32_t step;  // 1 for the first step: the bias correction depends on it
};

// One Adam step on x with gradient `grad`, updating the moment estimates m and v (zero
// before the first step). shaders/adam.comp
void adam_step(vk::Recorder& rec, const AdamParams& params, const Tensor& grad, Tensor& m, Tensor& v, Tensor& x);

}  // namespace nst::ops
