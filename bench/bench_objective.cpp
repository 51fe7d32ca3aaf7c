// Times one step of the style-transfer objective — VGG-19 forward to relu5_1 with Gatys'
// layers (content relu4_2; style relu1_1, relu2_1, relu3_1, relu4_1, relu5_1), Gram
// matrices, losses and the backward pass to the image — at 256² and 512², and prints ms
// per step, GFLOP/s by the exact operation count (convolutions forward and backward, Gram
// matrices and their gradients) and the peak device memory. The weights are random (VGG-19's shapes): speed does not depend on them.
// Where python3-torch is installed, bench/torch_objective.py times the same objective.
// Needs only the Vulkan loader. --profile adds, per size, one step's GPU time by kernel
// (a timestamp after every dispatch; vk/profile.h): calls, ms and share of the step.
//
//   bench_objective [--sizes 256,512] [--repeat N] [--device NAME|INDEX] [--no-torch] [--torch-device cpu|cuda]
//                   [--profile]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench_support.h"
#include "style/objective.h"
#include "vgg/layers.h"
#include "vgg/network.h"
#include "vk/error.h"

namespace {

using namespace nst;

struct Options : bench::CommonOptions {
  bool profile = false;
};

// Multiply-adds counted twice: the convolutions forward and backward (to conv5_1), the
// Gram matrices and their gradients at the style layers.
double step_flops(uint32_t size) {
  double flops = 0;
  uint32_t side = size;
  for (size_t i = 0; i < 13; ++i) {
    const auto& spec = vgg::kConvolutions[i];
    if (i > 0 && spec.block != vgg::kConvolutions[i - 1].block) side /= 2;
    flops += 2 * 2.0 * 9 * spec.cin * spec.cout * double(side) * side;
  }
  const std::map<uint32_t, uint32_t> style_channels{{1, 64}, {2, 128}, {3, 256}, {4, 512}, {5, 512}};
  for (const auto& [block, n] : style_channels) {
    const double m = std::pow(double(size) / (1u << (block - 1)), 2);
    flops += 2 * 2.0 * n * n * m;
  }
  return flops;
}

struct Row {
  uint32_t size;
  double ms, gflops, peak_mib;
  double torch_ms = -1;
};

Tensor random_image(vk::Context& context, const Shape& shape, const char* name, uint32_t seed) {
  Tensor image(context, shape, name);
  image.upload(bench::random_values(shape.count(), 100.0f, seed));
  return image;
}

// One size's objective on random images: x, its gradient, the content and style targets.
struct Step {
  Step(vk::Context& context, const vgg::Network& network, uint32_t size)
      : shape{3, size, size},
        content(random_image(context, shape, "content", 1)),
        style_image(random_image(context, shape, "style", 2)),
        x(random_image(context, shape, "x", 3)),
        grad(context, shape, "gradient"),
        objective(network, bench::gatys(), content, {{&style_image, 1.0f}}) {}
  void record(vk::Recorder& rec) { objective.evaluate(rec, x, grad); }

  Shape shape;
  Tensor content, style_image, x, grad;
  style::Objective objective;
};

Row time_size(vk::Context& context, const vgg::Network& network, uint32_t size, int repeat) {
  Step step(context, network, size);
  const double ms = bench::median_ms(context, repeat, [&](vk::Recorder& rec) { step.record(rec); });
  return {size, ms, step_flops(size) * 1e-9 / (ms * 1e-3), context.allocator().peak_bytes() / 1048576.0};
}

// One step (after a warm-up) with a timestamp after every dispatch, printed by kernel.
void print_profile(vk::Context& context, const vgg::Network& network, uint32_t size) {
  Step step(context, network, size);
  bench::warm_up(context, [&](vk::Recorder& rec) { step.record(rec); });
  vk::KernelProfile profile;
  vk::Recorder rec(context);
  rec.profile_into(profile);
  step.record(rec);
  rec.submit();
  std::vector<std::pair<std::string, vk::KernelTime>> kernels(profile.kernels.begin(), profile.kernels.end());
  std::sort(kernels.begin(), kernels.end(), [](const auto& a, const auto& b) { return a.second.ms > b.second.ms; });
  const double total = profile.total_ms();
  uint64_t calls = 0;
  for (const auto& entry : kernels) calls += entry.second.calls;
  std::printf("profile at %u: %.2f ms in %llu dispatches and copies%s\n", size, total,
              static_cast<unsigned long long>(calls), profile.untimed ? " (some untimed)" : "");
  std::printf("  %-22s %7s %10s %7s\n", "kernel", "calls", "ms", "share");
  for (const auto& [name, time] : kernels) {
    std::printf("  %-22s %7llu %10.3f %6.1f%%\n", name.c_str(), static_cast<unsigned long long>(time.calls), time.ms,
                100.0 * time.ms / total);
  }
}

void time_torch(std::vector<Row>& rows, int repeat, const std::string& device) {
  std::ostringstream arguments;
  arguments << "--repeat " << repeat << " --device " << device << " --sizes";
  for (const Row& r : rows) arguments << ' ' << r.size;
  for (const std::string& line : bench::torch_lines("torch_objective.py", "NST_TORCH_OBJECTIVE_SCRIPT", arguments.str())) {
    unsigned size;
    double ms;
    if (std::sscanf(line.c_str(), "%u %lf", &size, &ms) != 2) continue;
    for (Row& r : rows) {
      if (r.size == size) r.torch_ms = ms;
    }
  }
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--profile") {
      options.profile = true;
    } else if (!bench::parse_common(argc, argv, i, options)) {
      throw std::runtime_error(std::string("unknown argument ") + argv[i] + "\nusage: bench_objective " +
                               bench::kCommonUsage + " [--profile]");
    }
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options options = parse(argc, argv);
    vk::Context context = bench::open_context(options.device);
    std::vector<Row> rows;
    {
      vgg::Network network(context, bench::random_vgg19(), vgg::Pooling::max);
      for (uint32_t size : options.sizes) rows.push_back(time_size(context, network, size, options.repeat));
    }
    if (options.torch) time_torch(rows, options.repeat, options.torch_device);
    std::printf("device: %s (%s), Gatys layers, one step = objective + gradient, median of %d\n",
                context.info().name.c_str(), vk::device_type_name(context.info().type), options.repeat);
    std::printf("%6s %12s %10s %12s %14s %14s\n", "size", "ms/step", "GFLOP/s", "peak MiB", "torch ms/step",
                "torch/ours");
    for (const Row& r : rows) {
      std::printf("%6u %12.2f %10.1f %12.1f", r.size, r.ms, r.gflops, r.peak_mib);
      if (r.torch_ms >= 0) std::printf(" %14.2f %14.2f", r.torch_ms, r.torch_ms / r.ms);
      std::printf("\n");
    }
    if (options.profile) {
      vgg::Network network(context, bench::random_vgg19(), vgg::Pooling::max);
      for (uint32_t size : options.sizes) print_profile(context, network, size);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_objective: %s\n", e.what());
    return 1;
  }
}
