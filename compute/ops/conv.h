#pragma once
// 3×3 convolution, stride 1, zero padding 1, bias, optional fused ReLU; and its gradient
// with respect to its input. Two shader variants compute the same function:
//   tiled — storage buffers and shared-memory tiles, for GPUs (shaders/conv3x3_tiled.comp);
//   texel — storage texel buffers, subgroup shuffles and large register tiles, for
//           lavapipe, whose storage-buffer and shared-memory accesses run lane by lane
//           (shaders/conv3x3_texel.comp; docs/design.md § lavapipe has the measurements).
#include <cstdint>
#include <string>
#include <vector>

#include "ops/tensor.h"
#include "vk/recorder.h"

namespace nst::ops {

enum class Fuse { none, relu };
enum class ConvVariant { automatic, tiled, texel };

// A convolution's parameters on the host, kernel in Keras' HWIO order (3×3×cin×cout).
struct ConvKernel {
  uint32_t cin = 0, cout = 0;
  std::vector<float> hwio;  // [ky][kx][ci][co]
  std::vector<float> bias;  // [co]

  // The kernel whose convolution is this one's gradient with respect to its input: the
  // taps flipped and the channel axes swapped (cin and cout exchange), with zero bias.
  ConvKernel flipped_transposed() const;
};

// Weights on the device in the layout both variants read: [cout/4][cin][tap] of vec4,
// four output channels per vec4, cout padded to a multiple of 4 with zeros.
struct ConvWeights {
  uint32_t cin = 0, cout = 0;
  Tensor kernel;
  Tensor bias;  // cout padded to a multiple of 4
};

ConvWeights upload_conv_weights(vk::Context& context, const ConvKernel& kernel, const std::string& name);

// The variant `requested`, or for automatic: NST_CONV_VARIANT (tiled|texel) if set, else
// texel on CPU devices that have texel buffers and subgroup shuffles, tiled elsewhere.
ConvVariant choose_conv_variant(const vk::Context& context, ConvVariant requested = ConvVariant::automatic);
const char* variant_name(ConvVariant variant);

// out = relu?(conv3x3(in, w) + b). in {cin,h,w}, out {cout,h,w}.
void conv3x3(vk::Recorder& rec, const Tensor& in, const ConvWeights& weights, Tensor& out, Fuse fuse,
             ConvVariant variant = ConvVariant::automatic);

// grad_in = d(loss)/d(in) from grad_out = d(loss)/d(out), `flipped` being
// upload_conv_weights(kernel.flipped_transposed()). With a fused ReLU, `out` masks the
// gradient, and grad_out is masked in place (it is consumed).
void conv3x3_grad_input(vk::Recorder& rec, Tensor& grad_out, const Tensor& out, const ConvWeights& flipped,
                        Tensor& grad_in, Fuse fuse, ConvVariant variant = ConvVariant::automatic);

// 2·cin·cout·9·h·w: the multiply-adds of one convolution, counted as two operations.
double conv3x3_flops(uint32_t cin, uint32_t cout, uint32_t h, uint32_t w);

}  // namespace nst::ops
