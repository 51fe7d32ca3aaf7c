#pragma once
// The content term at one layer: features F against the content image's features P.
#include <cstdint>

#include "ops/accumulate.h"
#include "ops/tensor.h"
#include "vk/recorder.h"

namespace nst::ops {

// scalars[slot] = weight·½Σ(F − P)² (or += with Accumulate::add).
// shaders/reduce_partial.comp, reduce_final.comp
void content_loss(vk::Recorder& rec, const Tensor& features, const Tensor& target, float weight, Tensor& scalars,
                  uint32_t slot, Accumulate accumulate);

// grad = weight·(F − P), the gradient of content_loss (or grad += it). shaders/content_grad.comp
void content_grad(vk::Recorder& rec, const Tensor& features, const Tensor& target, float weight, Tensor& grad,
                  Accumulate accumulate);

}  // namespace nst::ops
