#pragma once
// Resampling a C×H×W tensor (an image in network space, a feature map) to another height
// and width: what the coarse-to-fine schedule shrinks the content and styles with, and
// enlarges each scale's result with.
#include "ops/tensor.h"
#include "vk/recorder.h"

namespace nst::ops {

// out = in resampled to out's height and width (the channel counts must agree), per axis:
// bilinear with half-pixel centres (PyTorch's align_corners=False) when enlarging or
// shrinking by at most 2×, the mean over each output pixel's footprint (an area filter)
// when shrinking by more, so that no input pixel is skipped and nothing aliases. Equal
// sizes copy bit-exactly. Weights sum to 1, so resampling commutes with the affine map
// between RGB and network space. shaders/resize_bilinear.comp
void resize_bilinear(vk::Recorder& rec, const Tensor& in, Tensor& out);

}  // namespace nst::ops
