#pragma once
// Between images as image libraries deliver them and the network's input space, which for
// the Keras/Caffe VGG-19 weights is BGR, 0..255, minus the mean pixel
// (B 103.939, G 116.779, R 123.68), stored planar as a 3×H×W tensor.
#include "ops/tensor.h"
#include "vk/recorder.h"

namespace nst::ops {

// rgb: interleaved pixels in 0..1, stored as a Tensor of Shape{h, w, 3}, that is rows,
// columns, and 3 interleaved channels R, G, B (not the channel-major CHW of feature maps).
// net: Shape{3, h, w} with net[0] = 255 B − 103.939, net[1] = 255 G − 116.779,
// net[2] = 255 R − 123.68. shaders/rgb_to_net.comp
void rgb_to_net(vk::Recorder& rec, const Tensor& rgb, Tensor& net);

// The inverse of rgb_to_net, clamped to 0..1 (an optimised image may leave the
// displayable range). net: Shape{3, h, w}; rgb: Shape{h, w, 3}. shaders/net_to_rgb.comp
void net_to_rgb(vk::Recorder& rec, const Tensor& net, Tensor& rgb);

// Colour preservation by luminance-only transfer (Gatys et al. 2017): out has the
// stylised image's luminance and the content's chroma, in YIQ on the sRGB-encoded 0..1
// values, clamped to 0..1: out = from_yiq(Y(stylised), I(content), Q(content)), which is
// content + (Y(stylised) − Y(content)) in every channel. All three are Shape{h, w, 3}
// interleaved images of one size. shaders/preserve_colors.comp
void preserve_colors(vk::Recorder& rec, const Tensor& stylised_rgb, const Tensor& content_rgb, Tensor& out_rgb);

}  // namespace nst::ops
