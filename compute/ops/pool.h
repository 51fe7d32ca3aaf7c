#pragma once
// 2×2 pooling with stride 2 in floor mode, as VGG-19 uses it: an input of C×H×W gives
// C×(H/2)×(W/2) (integer division), an odd last row or column being dropped, as PyTorch.
// Every function refuses (vk::Error) shapes that do not match, or an input under 2×2.
#include "ops/tensor.h"
#include "vk/recorder.h"

namespace nst::ops {

// out = the maximum of each window of in. shaders/maxpool2x2.comp
void maxpool2x2(vk::Recorder& rec, const Tensor& in, Tensor& out);

// grad_in (in's shape) = grad_out at each window's maximum (the first in row-major order
// where several are equal, as PyTorch), 0 elsewhere. shaders/maxpool2x2_grad.comp
void maxpool2x2_grad(vk::Recorder& rec, const Tensor& in, const Tensor& grad_out, Tensor& grad_in);

// out = the mean of each window of in. shaders/avgpool2x2.comp
void avgpool2x2(vk::Recorder& rec, const Tensor& in, Tensor& out);

// grad_in = grad_out / 4 on each of a window's four inputs, 0 in a dropped row or column.
// shaders/avgpool2x2_grad.comp
void avgpool2x2_grad(vk::Recorder& rec, const Tensor& grad_out, Tensor& grad_in);

// The shape 2×2 pooling makes of `in`.
Shape pooled_shape(const Shape& in);

}  // namespace nst::ops
