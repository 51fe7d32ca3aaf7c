// The tiled objective (docs/design.md § Tiled objective) at growing image sizes within a
// fixed device-memory budget: for each size, the tiles the budget allows, ms per step
// (objective + gradient), ms per megapixel, and the peak device memory; where the whole
// image also fits the device, the untiled step for comparison. Gatys' layers on random
// weights (VGG-19's shapes), or with --partial the layers of the partial test file
// (content relu3_2; style relu1_1, relu2_1, relu3_1) on random weights through conv3_4.
// Needs only the Vulkan loader.
//
//   bench_tiled [--sizes 512x512,1024x1024] [--budget MiB] [--style N] [--partial] [--repeat N] [--device NAME|INDEX]
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "bench_support.h"
#include "style/budget.h"
#include "style/objective.h"
#include "vgg/network.h"
#include "vk/error.h"

namespace {

using namespace nst;

struct Options {
  std::vector<image::Size> sizes{{512, 512}, {1024, 1024}};
  uint32_t budget_mib = 1024;
  uint32_t style_side = 512;  // the style image, square
  bool partial = false;
  int repeat = 1;
  std::string device;
};

constexpr const char* kUsage =
    "usage: bench_tiled [--sizes 512x512,1024x1024] [--budget MiB] [--style N] [--partial] [--repeat N] "
    "[--device NAME|INDEX]";

image::Size parse_size(const std::string& text) {
  unsigned w = 0, h = 0;
  if (std::sscanf(text.c_str(), "%ux%u", &w, &h) != 2 || !w || !h) throw std::runtime_error("bad size '" + text + "'");
  return {w, h};
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(arg + " needs a value\n" + kUsage);
      return argv[++i];
    };
    if (arg == "--sizes") {
      o.sizes.clear();
      std::stringstream list(value());
      for (std::string item; std::getline(list, item, ',');) o.sizes.push_back(parse_size(item));
    } else if (arg == "--budget") {
      o.budget_mib = static_cast<uint32_t>(std::stoul(value()));
    } else if (arg == "--style") {
      o.style_side = static_cast<uint32_t>(std::stoul(value()));
    } else if (arg == "--partial") {
      o.partial = true;
    } else if (arg == "--repeat") {
      o.repeat = std::stoi(value());
    } else if (arg == "--device") {
      o.device = value();
    } else {
      throw std::runtime_error("unknown argument " + arg + "\n" + kUsage);
    }
  }
  return o;
}

style::ObjectiveSpec partial_layers() {
  style::ObjectiveSpec spec;
  spec.content_layers = {"relu3_2"};
  spec.style_layers = style::equal_weights({"relu1_1", "relu2_1", "relu3_1"});
  return spec;
}

struct Timing {
  double ms = 0;
  double peak_mib = 0;
  style::TilePlan plan;
};

// One step at `tile_side` (0: untiled): the median over `repeat`, and the peak memory of the
// objective and the step beyond what was in use before.
Timing time_step(vk::Context& context, const vgg::Network& network, const style::ObjectiveSpec& spec, const Tensor& x,
                 const Tensor& style_image, uint32_t tile_side, int repeat) {
  const uint64_t before = context.allocator().bytes_in_use();
  context.allocator().reset_peak();
  style::Objective objective(network, spec, x, {{&style_image, 1.0f}}, {tile_side, nullptr});
  Tensor grad(context, x.shape(), "gradient");
  const double ms = bench::median_ms(context, repeat, [&](vk::Recorder& rec) { objective.evaluate(rec, x, grad); });
  return {ms, double(context.allocator().peak_bytes() - before) / 1048576.0, objective.plan()};
}

void row(vk::Context& context, const vgg::Network& network, const style::ObjectiveSpec& spec, const Options& o,
         image::Size size) {
  std::printf("%11s", image::describe(size).c_str());
  std::fflush(stdout);
  try {
    const Shape shape{3, size.height, size.width};
    const Shape style_shape{3, o.style_side, o.style_side};
    Tensor x(context, shape, "x"), style_image(context, style_shape, "style");
    x.upload(bench::random_values(shape.count(), 100.0f, 1));
    style_image.upload(bench::random_values(style_shape.count(), 100.0f, 2));
    const double budget = double(uint64_t{o.budget_mib} << 20);
    const uint32_t side = style::tile_side_within(network, spec, shape, {style_shape}, budget);
    const Timing tiled = time_step(context, network, spec, x, style_image, side, o.repeat);
    const double megapixels = double(size.width) * size.height / 1e6;
    std::printf(" %6zu %11s %12.0f %10.0f %10.1f", tiled.plan.tiles.size(),
                image::describe(tiled.plan.largest_window()).c_str(), tiled.ms,
                tiled.ms / megapixels, tiled.peak_mib);
    // The untiled step where the device holds it, for the cost of tiling.
    const vk::MemoryBudget device = context.allocator().budget();
    const auto untiled_bytes = style::Objective::device_bytes(network, spec, shape, style::largest_window(spec, shape, {style_shape}, 0));
    const bool untiled_fits = side != 0 && untiled_bytes < 0.8 * double(device.budget_bytes - device.usage_bytes) &&
                              style::Objective::bindable(network, spec, shape, style::largest_window(spec, shape, {style_shape}, 0));
    if (untiled_fits) {
      const Timing whole = time_step(context, network, spec, x, style_image, 0, o.repeat);
      std::printf(" %12.0f %10.2f", whole.ms / megapixels, tiled.ms / whole.ms);
    } else {
      std::printf(" %12s %10s", side ? "-" : "(untiled)", "-");
    }
    std::printf("\n");
  } catch (const std::exception& e) {
    std::printf("  %s\n", e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse(argc, argv);
    vk::Context context = bench::open_context(o.device);
    vgg::Network network(context, bench::random_vgg19(o.partial ? 8 : 13), vgg::Pooling::max);
    const style::ObjectiveSpec spec = o.partial ? partial_layers() : bench::gatys();
    std::printf("device: %s (%s); %s layers; budget %u MiB for the objective; style %u×%u; one step = objective + "
                "gradient, median of %d\n",
                context.info().name.c_str(), vk::device_type_name(context.info().type), o.partial ? "partial" : "Gatys",
                o.budget_mib, o.style_side, o.style_side, o.repeat);
    std::printf("%11s %6s %11s %12s %10s %10s %12s %10s\n", "size", "tiles", "window", "ms/step", "ms/MP", "peak MiB",
                "untiled ms/MP", "tiled/untiled");
    for (const image::Size size : o.sizes) row(context, network, spec, o, size);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_tiled: %s\n", e.what());
    return 1;
  }
}
