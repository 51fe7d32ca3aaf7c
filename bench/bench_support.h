#pragma once
// What the benchmarks share: random data, GPU timing by median, the common options, and
// running a PyTorch script beside them.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "style/objective.h"
#include "vgg/layers.h"
#include "vgg/weights.h"
#include "vk/context.h"
#include "vk/error.h"
#include "vk/recorder.h"

namespace nst::bench {

inline std::vector<float> random_values(size_t count, float bound, uint32_t seed) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<float> distribution(-bound, bound);
  std::vector<float> values(count);
  for (float& v : values) v = distribution(generator);
  return values;
}

// The device named by --device (index or name part; empty: the fastest).
inline vk::Context open_context(const std::string& device) {
  vk::ContextOptions options;
  options.device = device;
  return vk::Context(options);
}

// VGG-19's first `convolutions` layers with random weights (He-scaled): speed does not
// depend on the values. 13: through conv5_1, all Gatys' layers.
inline vgg::WeightFile random_vgg19(size_t convolutions = 13) {
  vgg::WeightFile file;
  for (size_t i = 0; i < convolutions; ++i) {
    const auto& spec = vgg::kConvolutions[i];
    file.layers.push_back({spec.name, {spec.cin, spec.cout,
                                       random_values(size_t{9} * spec.cin * spec.cout, std::sqrt(6.0f / (9.0f * spec.cin)), i),
                                       random_values(spec.cout, 0.1f, 100 + i)}});
  }
  return file;
}

// Gatys et al.'s layers: content relu4_2; style relu1_1, relu2_1, relu3_1, relu4_1, relu5_1.
inline style::ObjectiveSpec gatys() {
  style::ObjectiveSpec spec;
  spec.content_layers = {"relu4_2"};
  spec.style_layers = style::equal_weights({"relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"});
  return spec;
}

inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// One submission of `record`, which also pays for pipeline compilation.
template <typename Record>
void warm_up(vk::Context& context, Record record) {
  vk::Recorder warmup(context);
  record(warmup);
  warmup.submit();
}

// Median GPU time of `repeat` recordings of `record` in one submission, after a warm-up.
template <typename Record>
double median_ms(vk::Context& context, int repeat, Record record) {
  warm_up(context, record);
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

struct CommonOptions {
  std::vector<uint32_t> sizes{256, 512};
  int repeat = 3;
  std::string device;
  bool torch = true;
  std::string torch_device = "cpu";  // or cuda, with PyTorch's CUDA build
};
inline const char* kCommonUsage =
    "[--sizes 256,512] [--repeat N] [--device NAME|INDEX] [--no-torch] [--torch-device cpu|cuda]";

// Takes argv[i] (and its value) when it is a common option; false for anything else.
inline bool parse_common(int argc, char** argv, int& i, CommonOptions& options) {
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
  } else if (arg == "--device") {
    options.device = value();
  } else if (arg == "--no-torch") {
    options.torch = false;
  } else if (arg == "--torch-device") {
    options.torch_device = value();
  } else {
    return false;
  }
  return true;
}

// The lines bench/<script> prints when run by Debian's python3 (NST_PYTHON overrides;
// `script_variable` names the environment variable that points at a copy of the script
// elsewhere) with `arguments`; none, with a note, where PyTorch is not installed.
inline std::vector<std::string> torch_lines(const char* script, const char* script_variable,
                                            const std::string& arguments) {
  const char* configured = std::getenv("NST_PYTHON");
  const std::string python = configured ? configured : "/usr/bin/python3";
  // Streams, not operator+ chains: GCC 12 warns falsely (-Wrestrict) on those at -O3.
  std::ostringstream probe;
  probe << python << " -c 'import torch' 2>/dev/null";
  if (std::system(probe.str().c_str()) != 0) {
    std::printf("PyTorch: not installed for %s (Debian: apt install python3-torch); skipped\n", python.c_str());
    return {};
  }
  const char* moved = std::getenv(script_variable);
  std::ostringstream command;
  command << python << ' ';
  if (moved) {
    command << moved;
  } else {
    command << NST_SOURCE_DIR "/bench/" << script;
  }
  command << ' ' << arguments;
  std::vector<std::string> lines;
  FILE* pipe = popen(command.str().c_str(), "r");
  if (!pipe) return lines;
  char line[256];
  while (std::fgets(line, sizeof line, pipe)) lines.emplace_back(line);
  pclose(pipe);
  return lines;
}

}  // namespace nst::bench
