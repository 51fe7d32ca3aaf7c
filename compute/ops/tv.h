#pragma once
// The total-variation term on the image x (C×H×W):
//   L_tv = Σ_channels Σ (x_{i,j+1} − x_{i,j})² + (x_{i+1,j} − x_{i,j})²
// over the neighbour pairs that exist (no wrap, no padding).
#include <cstdint>

#include "ops/accumulate.h"
#include "ops/tensor.h"
#include "vk/recorder.h"

namespace nst::ops {

// scalars[slot] = weight·L_tv(x) (or += with Accumulate::add). Deterministic.
// shaders/tv_partial.comp, reduce_final.comp
void total_variation(vk::Recorder& rec, const Tensor& x, float weight, Tensor& scalars, uint32_t slot,
                     Accumulate accumulate);

// grad = weight·∂L_tv/∂x (or grad += it). shaders/tv_grad.comp
void total_variation_grad(vk::Recorder& rec, const Tensor& x, float weight, Tensor& grad, Accumulate accumulate);

}  // namespace nst::ops
