// Times ops::conv3x3 (forward, fused ReLU) and ops::conv3x3_grad_input (ReLU mask included)
// at the VGG-19 shapes of a 256×256 and a 512×512 image, prints ms and GFLOP/s per kernel
// and, where Debian's python3-torch is installed, the same convolutions through PyTorch's
// CPU path and the ratio. Needs only the Vulkan loader (no GEGL, no GIMP).
//
//   bench_conv [--sizes 256,512] [--repeat N] [--variant tiled|texel] [--device NAME|INDEX]
//              [--layers conv1_2,...] [--no-torch] [--torch-device cpu|cuda] [--list-devices]
#include <algorithm>
#include <cstdio>
#include <cmath>
#include <cstring>
#include <fstream>
#include <tuple>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench_support.h"
#include "ops/conv.h"
#include "vk/error.h"
#include "vk/instance.h"

namespace {

using nst::Shape;
using nst::Tensor;
namespace ops = nst::ops;
namespace vk = nst::vk;
namespace bench = nst::bench;

struct Layer {
  const char* name;
  uint32_t channels;
  uint32_t downscale;  // the layer's resolution is the image's over this
};
// conv1_2, conv2_2, conv3_2, conv4_2 and conv5_1 all map `channels` to `channels`
// (conv5_1 reads relu4_4's 512 channels).
constexpr Layer kLayers[] = {{"conv1_2", 64, 1}, {"conv2_2", 128, 2}, {"conv3_2", 256, 4},
                             {"conv4_2", 512, 8}, {"conv5_1", 512, 16}};

struct Options : bench::CommonOptions {
  ops::ConvVariant variant = ops::ConvVariant::automatic;
  std::string layers;  // comma-separated names to time; empty: all
  bool list_devices = false;
};

struct Row {
  std::string label;
  uint32_t channels, h, w;
  double forward_ms = 0, backward_ms = 0;
  double torch_forward_ms = -1, torch_backward_ms = -1;
};

void time_layer(vk::Context& context, const Options& options, Row& row) {
  const uint32_t c = row.channels;
  const float bound = std::sqrt(6.0f / (9.0f * c));
  ops::ConvKernel kernel{c, c, bench::random_values(size_t{9} * c * c, bound, 1), bench::random_values(c, 0.1f, 2)};
  const auto weights = ops::upload_conv_weights(context, kernel, row.label);
  const auto flipped = ops::upload_conv_weights(context, kernel.flipped_transposed(), row.label + " flipped");
  const Shape shape{c, row.h, row.w};
  Tensor in(context, shape, "input"), out(context, shape, "output");
  Tensor grad_out(context, shape, "grad out"), grad_in(context, shape, "grad in");
  in.upload(bench::random_values(shape.count(), 1.0f, 3));
  grad_out.upload(bench::random_values(shape.count(), 1.0f, 4));
  row.forward_ms = bench::median_ms(context, options.repeat, [&](vk::Recorder& rec) {
    ops::conv3x3(rec, in, weights, out, ops::Fuse::relu, options.variant);
  });
  row.backward_ms = bench::median_ms(context, options.repeat, [&](vk::Recorder& rec) {
    ops::conv3x3_grad_input(rec, grad_out, out, flipped, grad_in, ops::Fuse::relu, options.variant);
  });
}

// Runs bench/torch_conv.py over the rows; leaves the torch columns at -1 if PyTorch is absent.
void time_torch(std::vector<Row>& rows, int repeat, const std::string& device) {
  const std::string input = "/tmp/nst-bench-conv-shapes.txt";
  {
    std::ofstream shapes(input);
    for (const Row& r : rows) shapes << r.label << " " << r.channels << " " << r.channels << " " << r.h << " " << r.w << "\n";
  }
  std::ostringstream arguments;
  arguments << "--repeat " << repeat << " --device " << device << " < " << input;
  for (const std::string& line : bench::torch_lines("torch_conv.py", "NST_TORCH_SCRIPT", arguments.str())) {
    std::istringstream fields(line);
    std::string label;
    double forward, backward;
    if (!(fields >> label >> forward >> backward)) continue;
    for (Row& r : rows) {
      if (r.label == label) std::tie(r.torch_forward_ms, r.torch_backward_ms) = std::pair{forward, backward};
    }
  }
}

void print(const vk::Context& context, const Options& options, const std::vector<Row>& rows) {
  std::printf("device: %s (%s), conv variant: %s, median of %d; torch on %s; x = torch ms / ours\n",
              context.info().name.c_str(), vk::device_type_name(context.info().type),
              ops::variant_name(ops::choose_conv_variant(context, options.variant)), options.repeat,
              options.torch_device.c_str());
  std::printf("%-13s %-14s %10s %9s %10s %9s %10s %10s %7s %7s\n", "layer@size", "shape", "fwd ms", "GFLOP/s",
              "bwd ms", "GFLOP/s", "torch fwd", "torch bwd", "x fwd", "x bwd");
  for (const Row& r : rows) {
    const double gflop = ops::conv3x3_flops(r.channels, r.channels, r.h, r.w) * 1e-9;
    std::printf("%-13s %-14s %10.2f %9.1f %10.2f %9.1f", r.label.c_str(),
                (std::to_string(r.channels) + "x" + std::to_string(r.h) + "x" + std::to_string(r.w)).c_str(),
                r.forward_ms, gflop / (r.forward_ms * 1e-3), r.backward_ms, gflop / (r.backward_ms * 1e-3));
    if (r.torch_forward_ms >= 0) {
      // Ratio > 1: ours is faster.
      std::printf(" %10.3f %10.3f %7.2f %7.2f", r.torch_forward_ms, r.torch_backward_ms, r.torch_forward_ms / r.forward_ms,
                  r.torch_backward_ms / r.backward_ms);
    }
    std::printf("\n");
  }
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (bench::parse_common(argc, argv, i, options)) continue;
    const bool has_value = i + 1 < argc;
    if (arg == "--variant" && has_value) {
      const std::string v = argv[++i];
      options.variant = v == "texel" ? ops::ConvVariant::texel : v == "tiled" ? ops::ConvVariant::tiled
                                                                            : throw std::runtime_error("unknown variant " + v);
    } else if (arg == "--layers" && has_value) {
      options.layers = argv[++i];
    } else if (arg == "--list-devices") {
      options.list_devices = true;
    } else {
      throw std::runtime_error("unknown argument " + arg + "\nusage: bench_conv " + bench::kCommonUsage +
                               " [--variant tiled|texel] [--layers conv1_2,...] [--list-devices]");
    }
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options options = parse(argc, argv);
    if (options.list_devices) {
      for (const auto& device : vk::list_devices()) std::printf("%s\n", vk::describe(device).c_str());
      return 0;
    }
    vk::Context context = bench::open_context(options.device);
    std::vector<Row> rows;
    for (uint32_t size : options.sizes) {
      for (const Layer& layer : kLayers) {
        if (!options.layers.empty() && options.layers.find(layer.name) == std::string::npos) continue;
        rows.push_back({std::string(layer.name) + "@" + std::to_string(size), layer.channels, size / layer.downscale,
                        size / layer.downscale});
      }
    }
    for (Row& row : rows) {
      time_layer(context, options, row);
      std::fprintf(stderr, "timed %s\n", row.label.c_str());
    }
    if (options.torch) time_torch(rows, options.repeat, options.torch_device);
    print(context, options, rows);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_conv: %s\n", e.what());
    return 1;
  }
}
