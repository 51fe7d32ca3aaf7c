#include "ops/color.h"

#include "net_to_rgb.spv.h"
#include "ops/launch.h"
#include "preserve_colors.spv.h"
#include "rgb_to_net.spv.h"
#include "vk/error.h"
#include "push_constants.h"  // shaders/: the Push structs the shaders declare

namespace nst::ops {
namespace {

using Push = push::Pixels;

const vk::Shader kRgbToNet{NST_SPIRV(rgb_to_net), {kRead, kWrite}, sizeof(Push)};
const vk::Shader kNetToRgb{NST_SPIRV(net_to_rgb), {kRead, kWrite}, sizeof(Push)};
const vk::Shader kPreserveColors{NST_SPIRV(preserve_colors), {kRead, kRead, kWrite}, sizeof(Push)};

// Throws unless `rgb` is h×w×3 interleaved and `net` the matching 3×h×w planar tensor.
void require_image_pair(const char* op, const Tensor& rgb, const Tensor& net) {
  const Shape& image = rgb.shape();
  const Shape planar{3, image.c, image.h};  // Shape{h, w, 3} keeps rows in c, columns in h
  if (image.w != 3 || !(net.shape() == planar)) {
    throw nst::Error(std::string(op) + ": '" + rgb.name() + "' (" + image.str() + ") must be rows×columns×3 and '" +
                    net.name() + "' (" + net.shape().str() + ") 3×rows×columns");
  }
}

// One invocation per pixel.
void dispatch(vk::Recorder& rec, const vk::Shader& shader, std::initializer_list<vk::BufferSpan> bindings,
              uint64_t pixels) {
  rec.dispatch(shader, elementwise_spec(), bindings, Push{uint32_t(pixels)}, elementwise_groups(pixels));
}

// Throws unless `rgb` is an h×w×3 interleaved image.
void require_interleaved(const char* op, const Tensor& rgb) {
  if (rgb.shape().w != 3) {
    throw nst::Error(std::string(op) + ": '" + rgb.name() + "' (" + rgb.shape().str() + ") must be rows×columns×3");
  }
}

}  // namespace

void rgb_to_net(vk::Recorder& rec, const Tensor& rgb, Tensor& net) {
  require_image_pair("rgb_to_net", rgb, net);
  dispatch(rec, kRgbToNet, {rgb.span(), net.span()}, net.shape().plane());
}

void net_to_rgb(vk::Recorder& rec, const Tensor& net, Tensor& rgb) {
  require_image_pair("net_to_rgb", rgb, net);
  dispatch(rec, kNetToRgb, {net.span(), rgb.span()}, net.shape().plane());
}

void preserve_colors(vk::Recorder& rec, const Tensor& stylised_rgb, const Tensor& content_rgb, Tensor& out_rgb) {
  require_interleaved("preserve_colors", stylised_rgb);
  require_same_shape("preserve_colors", stylised_rgb, content_rgb);
  require_same_shape("preserve_colors", stylised_rgb, out_rgb);
  const uint64_t pixels = stylised_rgb.count() / 3;
  dispatch(rec, kPreserveColors, {stylised_rgb.span(), content_rgb.span(), out_rgb.span()}, pixels);
}

}  // namespace nst::ops
