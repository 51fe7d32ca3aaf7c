#pragma once
#include "ops/tensor.h"
#include "vk/recorder.h"

namespace nst::ops {

// out = max(in, 0). shaders/relu.comp
void relu(vk::Recorder& rec, const Tensor& in, Tensor& out);

// grad_in = grad_out ⊙ [out > 0], where out is the ReLU's output; grad_in may be
// grad_out itself. shaders/relu_grad.comp
void relu_grad(vk::Recorder& rec, const Tensor& grad_out, const Tensor& out, Tensor& grad_in);

}  // namespace nst::ops
