#include "ops/conv.h"

#include <cstdlib>
#include <cstring>

#include "conv3x3_texel.spv.h"
#include "conv3x3_tiled.spv.h"
#include "ops/launch.h"
#include "ops/relu.h"
#include "vk/error.h"
#include "push_constants.h"  // shaders/: the Push structs the shaders declare

namespace nst::ops {
namespace {

using Push = push::Conv;

const vk::Shader kTiled{NST_SPIRV(conv3x3_tiled), {kRead, kRead, kRead, kWrite}, sizeof(Push)};
const vk::Shader kTexel{NST_SPIRV(conv3x3_texel), {kTexelRead, kTexel4Read, kRead, kWrite}, sizeof(Push)};

// Must match shaders/conv3x3_tiled.comp.
constexpr uint32_t kTiledWorkgroup = 256, kTiledPixels = 8, kTiledChannels = 64;
// Output rows and columns per invocation of shaders/conv3x3_texel.comp.
constexpr uint32_t kTexelRows = 4, kTexelColumns = 4;

uint32_t channel_groups(uint32_t channels) { return (channels + 3) / 4; }

void check_shapes(const char* op, const Tensor& in, const ConvWeights& weights, const Tensor& out) {
  const Shape& i = in.shape();
  const Shape& o = out.shape();
  if (i.c != weights.cin || o.c != weights.cout || i.h != o.h || i.w != o.w) {
    throw nst::Error(std::string(op) + ": input '" + in.name() + "' " + i.str() + " and output '" + out.name() +
                    "' " + o.str() + " do not fit weights of " + std::to_string(weights.cin) + "→" +
                    std::to_string(weights.cout) + " channels");
  }
}

void record_tiled(vk::Recorder& rec, const Tensor& in, const ConvWeights& weights, Tensor& out, Fuse fuse) {
  const Shape& s = out.shape();
  rec.dispatch(kTiled, {{kTiledWorkgroup, 1, 1}, {fuse == Fuse::relu ? 1u : 0u}},
               {in.span(), weights.kernel.span(), weights.bias.span(), out.span()},
               Push{weights.cin, weights.cout, s.h, s.w},
               {vk::groups_for(s.w, kTiledPixels), vk::groups_for(s.h, kTiledPixels),
                vk::groups_for(weights.cout, kTiledChannels)});
}

void record_texel(vk::Recorder& rec, const Tensor& in, const ConvWeights& weights, Tensor& out, Fuse fuse) {
  const Shape& s = out.shape();
  const uint32_t lanes = rec.context().limits().subgroup_size;
  rec.dispatch(kTexel, {{lanes, 1, 1}, {fuse == Fuse::relu ? 1u : 0u, kTexelRows}},
               {in.span(), weights.kernel.span(), weights.bias.span(), out.span()},
               Push{weights.cin, weights.cout, s.h, s.w},
               {vk::groups_for(vk::groups_for(s.w, kTexelColumns), lanes), vk::groups_for(s.h, kTexelRows),
                channel_groups(weights.cout)});
}

}  // namespace

ConvKernel ConvKernel::flipped_transposed() const {
  ConvKernel result;
  result.cin = cout;
  result.cout = cin;
  result.hwio.resize(hwio.size());
  result.bias.assign(cin, 0.0f);
  for (uint32_t ky = 0; ky < 3; ++ky)
    for (uint32_t kx = 0; kx < 3; ++kx)
      for (uint32_t ci = 0; ci < cin; ++ci)
        for (uint32_t co = 0; co < cout; ++co) {
          result.hwio[((ky * 3 + kx) * cout + co) * cin + ci] = hwio[(((2 - ky) * 3 + (2 - kx)) * cin + ci) * cout + co];
        }
  return result;
}

ConvWeights upload_conv_weights(vk::Context& context, const ConvKernel& kernel, const std::string& name) {
  if (kernel.hwio.size() != size_t{9} * kernel.cin * kernel.cout || kernel.bias.size() != kernel.cout) {
    throw nst::Error("convolution '" + name + "': " + std::to_string(kernel.hwio.size()) + " kernel and " +
                    std::to_string(kernel.bias.size()) + " bias values do not fit 3×3×" + std::to_string(kernel.cin) +
                    "×" + std::to_string(kernel.cout));
  }
  const uint32_t groups = channel_groups(kernel.cout);
  std::vector<float> blocked(size_t{groups} * kernel.cin * 9 * 4, 0.0f);
  for (uint32_t tap = 0; tap < 9; ++tap)
    for (uint32_t ci = 0; ci < kernel.cin; ++ci)
      for (uint32_t co = 0; co < kernel.cout; ++co) {
        blocked[((size_t{co / 4} * kernel.cin + ci) * 9 + tap) * 4 + co % 4] =
            kernel.hwio[(size_t{tap} * kernel.cin + ci) * kernel.cout + co];
      }
  std::vector<float> bias(size_t{groups} * 4, 0.0f);
  std::copy(kernel.bias.begin(), kernel.bias.end(), bias.begin());

  ConvWeights weights{kernel.cin, kernel.cout, Tensor(context, Shape{1, 1, uint32_t(blocked.size())}, name + " kernel"),
                      Tensor(context, Shape{1, 1, uint32_t(bias.size())}, name + " bias")};
  weights.kernel.upload(blocked);
  weights.bias.upload(bias);
  return weights;
}

ConvVariant choose_conv_variant(const vk::Context& context, ConvVariant requested) {
  if (requested != ConvVariant::automatic) return requested;
  const char* forced = std::getenv("NST_CONV_VARIANT");
  if (forced && std::strcmp(forced, "tiled") == 0) return ConvVariant::tiled;
  if (forced && std::strcmp(forced, "texel") == 0) return ConvVariant::texel;
  const vk::Limits& limits = context.limits();
  const bool cpu = context.info().type == VK_PHYSICAL_DEVICE_TYPE_CPU;
  return cpu && limits.texel_buffers && limits.subgroup_shuffle ? ConvVariant::texel : ConvVariant::tiled;
}

const char* variant_name(ConvVariant variant) {
  switch (variant) {
    case ConvVariant::tiled: return "tiled";
    case ConvVariant::texel: return "texel";
    default: return "automatic";
  }
}

void conv3x3(vk::Recorder& rec, const Tensor& in, const ConvWeights& weights, Tensor& out, Fuse fuse,
             ConvVariant variant) {
  check_shapes("conv3x3", in, weights, out);
  if (choose_conv_variant(rec.context(), variant) == ConvVariant::texel) {
    record_texel(rec, in, weights, out, fuse);
  } else {
    record_tiled(rec, in, weights, out, fuse);
  }
}

void conv3x3_grad_input(vk::Recorder& rec, Tensor& grad_out, const Tensor& out, const ConvWeights& flipped,
                        Tensor& grad_in, Fuse fuse, ConvVariant variant) {
  if (fuse == Fuse::relu) relu_grad(rec, grad_out, out, grad_out);
  conv3x3(rec, grad_out, flipped, grad_in, Fuse::none, variant);
}

double conv3x3_flops(uint32_t cin, uint32_t cout, uint32_t h, uint32_t w) {
  return 2.0 * 9.0 * cin * cout * double(h) * w;
}

}  // namespace nst::ops
