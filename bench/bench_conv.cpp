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

#include "ops/conv.h"
#include "vk/error.h"
#include "vk/instance.h"

namespace {

using nst::Shape;
using nst::Tensor;
namespace ops = nst::ops;
namespace vk = nst::vk;

struct Layer {
  const char* name;
  uint32_t channels;
  uint32_t downscale;  // the layer's resolution is the image's over this
};
// conv1_2, conv2_2, conv3_2, conv4_2 and conv5_1 all map `channels` to `channels`
// (conv5_1 reads relu4_4's 512 channels).
constexpr Layer kLayers[] = {{"conv1_2", 64, 1}, {"conv2_2", 128, 2}, {"conv3_2", 256, 4},
                             {"conv4_2", 512, 8}, {"conv5_1", 512, 16}};

struct Options {
  std::vector<uint32_t> sizes{256, 512};
  int repeat = 3;
  ops::ConvVariant variant = ops::ConvVariant::automatic;
  std::string device;
  std::string layers;  // comma-separated names to time; empty: all
  bool torch = true;
  std::string torch_device = "cpu";  // or cuda, on a machine with PyTorch's CUDA build
  bool list_devices = false;
};

struct Row {
  std::string label;
  uint32_t channels, h, w;
  double forward_ms = 0, backward_ms = 0;
  double torch_forward_ms = -1, torch_backward_ms = -1;
};

std::vector<float> random_values(size_t count, float bound, uint32_t seed) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<float> distribution(-bound, bound);
  std::vector<float> values(count);
  for (float& v : values) v = distribution(generator);
  return values;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// Median GPU time of `repeat` recordings of `record` in one submission, after a warm-up
// submission (which also pays for pipeline compilation).
template <typename Record>
double median_ms(vk::Context& context, int repeat, Record record) {
  {
    vk::Recorder warmup(context);
    record(warmup);
    warmup.submit();
  }
  vk::Recorder recorder(context);
  recorder.timestamp("start");
  for (int i = 0; i < repeat; ++i) {
    record(recorder);
    recorder.timestamp("run");
  }
  recorder.submit();
  std::vector<double> times;
  for (const auto& timing : recorder.timings()) times.push_back(timing.ms);
  if (times.empty()) throw vk::Error("the device writes no timestamps on its compute queue");
  return median(times);
}

void time_layer(vk::Context& context, const Options& options, Row& row) {
  const uint32_t c = row.channels;
  const float bound = std::sqrt(6.0f / (9.0f * c));
  ops::ConvKernel kernel{c, c, random_values(size_t{9} * c * c, bound, 1), random_values(c, 0.1f, 2)};
  const auto weights = ops::upload_conv_weights(context, kernel, row.label);
  const auto flipped = ops::upload_conv_weights(context, kernel.flipped_transposed(), row.label + " flipped");
  const Shape shape{c, row.h, row.w};
  Tensor in(context, shape, "input"), out(context, shape, "output");
  Tensor grad_out(context, shape, "grad out"), grad_in(context, shape, "grad in");
  in.upload(random_values(shape.count(), 1.0f, 3));
  grad_out.upload(random_values(shape.count(), 1.0f, 4));
  row.forward_ms = median_ms(context, options.repeat, [&](vk::Recorder& rec) {
    ops::conv3x3(rec, in, weights, out, ops::Fuse::relu, options.variant);
  });
  row.backward_ms = median_ms(context, options.repeat, [&](vk::Recorder& rec) {
    ops::conv3x3_grad_input(rec, grad_out, out, flipped, grad_in, ops::Fuse::relu, options.variant);
  });
}

std::string python() {
  const char* configured = std::getenv("NST_PYTHON");
  if (configured) return configured;
  return std::string("/usr/bin/python3");  // Debian's, where python3-torch installs
}

// Runs bench/torch_conv.py over the rows; leaves the torch columns at -1 if PyTorch is absent.
void time_torch(std::vector<Row>& rows, int repeat, const std::string& device) {
  const std::string probe = python() + " -c 'import torch' 2>/dev/null";
  if (std::system(probe.c_str()) != 0) {
    std::cout << "PyTorch: not installed for " << python() << " (Debian: apt install python3-torch); skipped\n";
    return;
  }
  const std::string input = "/tmp/nst-bench-conv-shapes.txt";
  {
    std::ofstream shapes(input);
    for (const Row& r : rows) shapes << r.label << " " << r.channels << " " << r.channels << " " << r.h << " " << r.w << "\n";
  }
  const char* script = std::getenv("NST_TORCH_SCRIPT");  // for a copy of the tree elsewhere
  const std::string command = python() + " " + (script ? script : NST_SOURCE_DIR "/bench/torch_conv.py") +
                              " --repeat " + std::to_string(repeat) + " --device " + device + " < " + input;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return;
  std::map<std::string, std::pair<double, double>> times;
  char line[256];
  while (std::fgets(line, sizeof line, pipe)) {
    std::istringstream fields(line);
    std::string label;
    double forward, backward;
    if (fields >> label >> forward >> backward) times[label] = {forward, backward};
  }
  pclose(pipe);
  for (Row& r : rows) {
    if (auto it = times.find(r.label); it != times.end()) std::tie(r.torch_forward_ms, r.torch_backward_ms) = it->second;
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
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--sizes") {
      options.sizes.clear();
      std::istringstream list(value());
      for (std::string size; std::getline(list, size, ',');) options.sizes.push_back(std::stoul(size));
    } else if (arg == "--repeat") {
      options.repeat = std::max(1, std::stoi(value()));
    } else if (arg == "--variant") {
      const std::string v = value();
      options.variant = v == "texel" ? ops::ConvVariant::texel : v == "tiled" ? ops::ConvVariant::tiled
                                                                            : throw std::runtime_error("unknown variant " + v);
    } else if (arg == "--device") {
      options.device = value();
    } else if (arg == "--layers") {
      options.layers = value();
    } else if (arg == "--torch-device") {
      options.torch_device = value();
    } else if (arg == "--list-devices") {
      options.list_devices = true;
    } else if (arg == "--no-torch") {
      options.torch = false;
    } else {
      throw std::runtime_error("unknown argument " + arg +
                               "\nusage: bench_conv [--sizes 256,512] [--repeat N] [--variant tiled|texel] "
                               "[--device NAME|INDEX] [--layers conv1_2,...] [--no-torch] [--torch-device cpu|cuda] [--list-devices]");
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
    vk::ContextOptions context_options;
    context_options.device = options.device;
    vk::Context context(context_options);
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
