#include "cli/options.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iterator>
#include <utility>
#include <functional>
#include <map>
#include <sstream>

#include "style/parse.h"

namespace nst::cli {
namespace {

float to_float(const std::string& option, const std::string& text) {
  const auto value = style::parse_number(text);
  if (value && std::isfinite(static_cast<float>(*value))) return static_cast<float>(*value);
  throw UsageError(option + " expects a finite number, not '" + text + "'");
}

// A weight of the objective (α, β, γ) or a blend weight: 0 turns its term off.
float to_weight(const std::string& option, const std::string& text) {
  const float value = to_float(option, text);
  if (value < 0) throw UsageError(option + " must not be negative, not '" + text + "'");
  return value;
}

float to_positive(const std::string& option, const std::string& text) {
  const float value = to_float(option, text);
  if (!(value > 0)) throw UsageError(option + " must be positive, not '" + text + "'");
  return value;
}

uint32_t to_count(const std::string& option, const std::string& text) {
  const float value = to_float(option, text);
  if (!(value >= 1 && value <= 1e9f) || value != std::floor(value)) {
    throw UsageError(option + " expects a whole number of at least 1, not '" + text + "'");
  }
  return static_cast<uint32_t>(value);
}

// The engine's parser's value, its refusal a UsageError naming the option.
template <typename Value, typename Parse>
auto parsed(const std::string& option, const Value& value, Parse parse) {
  try {
    return parse(value);
  } catch (const std::invalid_argument& e) {
    throw UsageError(option + ": " + e.what());
  }
}

using Setter = std::function<void(Options&, const std::string& option, const std::string& value)>;

const std::map<std::string, Setter>& setters() {
  static const std::map<std::string, Setter> table{
      {"-o", [](Options& o, auto&, auto& v) { o.output = v; }},
      {"--size", [](Options& o, auto& n, auto& v) { o.size = to_count(n, v); }},
      {"--content-weight", [](Options& o, auto& n, auto& v) { o.objective.content_weight = to_weight(n, v); }},
      {"--style-weight", [](Options& o, auto& n, auto& v) { o.objective.style_weight = to_weight(n, v); }},
      {"--tv-weight", [](Options& o, auto& n, auto& v) { o.objective.tv_weight = to_weight(n, v); }},
      {"--content-layers", [](Options& o, auto&, auto& v) { o.objective.content_layers = style::split_list(v); }},
      {"--style-layers", [](Options& o, auto&, auto& v) { o.objective.style_layers = style::split_list(v); }},
      {"--style-blend",
       [](Options& o, auto& n, auto& v) {
         o.style_blend.clear();
         for (const auto& item : style::split_list(v)) o.style_blend.push_back(to_weight(n, item));
       }},
      {"--style-scale", [](Options& o, auto& n, auto& v) { o.style_scale = to_positive(n, v); }},
      {"--pooling", [](Options& o, auto& n, auto& v) { o.pooling = parsed(n, v, style::parse_pooling); }},
      {"--steps", [](Options& o, auto& n, auto& v) { o.steps = to_count(n, v); }},
      {"--scales", [](Options& o, auto& n, auto& v) { o.scales = to_count(n, v); }},
      {"--refine-steps", [](Options& o, auto& n, auto& v) { o.refine_steps = to_count(n, v); }},
      {"--optimizer", [](Options& o, auto& n, auto& v) { o.optimizer = parsed(n, v, style::parse_optimizer); }},
      {"--lr", [](Options& o, auto& n, auto& v) { o.learning_rate = to_positive(n, v); }},
      {"--init", [](Options& o, auto&, auto& v) { o.init = v; }},
      {"--seed",
       [](Options& o, auto& n, auto& v) {
         try {
           o.seed = std::stoull(v);
         } catch (const std::exception&) {
           throw UsageError(n + " expects a whole number, not '" + v + "'");
         }
       }},
      {"--max-megapixels",
       [](Options& o, auto& n, auto& v) {
         // Capped where a pixel count stops meaning anything, so that the product stays a uint64.
         o.max_pixels = uint64_t(std::llround(std::min(double(to_positive(n, v)) * 1e6, 1e18)));
       }},
      {"--memory-limit", [](Options& o, auto& n, auto& v) { o.memory_limit_mib = to_count(n, v); }},
      {"--device", [](Options& o, auto&, auto& v) { o.device = v; }},
      {"--weights", [](Options& o, auto&, auto& v) { o.weights = v; }},
      {"--json", [](Options& o, auto&, auto& v) { o.json = v; }},
      {"--grad-out", [](Options& o, auto&, auto& v) { o.grad_out = v; }},
  };
  return table;
}

// Whether two paths name one file: the same file where both exist, else the same path
// once made absolute and normal.
bool same_file(const std::string& a, const std::string& b) {
  std::error_code error;
  if (std::filesystem::equivalent(a, b, error)) return true;
  return std::filesystem::weakly_canonical(a, error) == std::filesystem::weakly_canonical(b, error);
}

// The files nst writes must be neither one another nor any file it reads: writing over an
// input would destroy the user's picture.
void check_outputs(const Options& options) {
  std::vector<std::string> inputs = options.styles;
  inputs.push_back(options.content);
  inputs.push_back(options.image);
  if (options.init != "content" && options.init != "noise") inputs.push_back(options.init);
  const std::pair<const char*, const std::string*> outputs[] = {
      {"-o", &options.output}, {"--json", &options.json}, {"--grad-out", &options.grad_out}};
  for (size_t i = 0; i < std::size(outputs); ++i) {
    const auto& [option, path] = outputs[i];
    if (path->empty()) continue;
    for (const std::string& input : inputs) {
      if (!input.empty() && same_file(*path, input)) throw UsageError(std::string(option) + " " + *path + " is an input");
    }
    for (size_t j = 0; j < i; ++j) {
      if (!outputs[j].second->empty() && same_file(*path, *outputs[j].second)) {
        throw UsageError(std::string(option) + " and " + outputs[j].first + " name the same file, " + *path);
      }
    }
  }
}

void check(const Options& options) {
  if (options.command == Options::Command::list_devices) return;
  if (options.content.empty() || options.styles.empty()) throw UsageError("a content image and a style image are needed");
  if (options.command == Options::Command::stylise && options.output.empty()) throw UsageError("-o OUT is needed");
  if (!options.style_blend.empty() && options.style_blend.size() != options.styles.size()) {
    throw UsageError("--style-blend needs one weight per style image (" + std::to_string(options.styles.size()) + ")");
  }
  check_outputs(options);
  // Weights as the engine takes them: refused here, before any work.
  parsed("--style-layers", options.objective.style_layers, style::parse_style_layers);
  parsed("--content-layers", options.objective.content_layers,
         [](const auto& layers) { style::require_distinct(layers, "content layer"); return 0; });
}

}  // namespace

Options parse_arguments(const std::vector<std::string>& arguments) {
  Options options;
  std::vector<std::string> positional;
  for (size_t i = 0; i < arguments.size(); ++i) {
    const std::string& argument = arguments[i];
    if (argument == "--help" || argument == "-h" || argument == "--version") {
      options.command = argument == "--version" ? Options::Command::version : Options::Command::help;
      return options;
    } else if (argument == "--list-devices") {
      options.command = Options::Command::list_devices;
    } else if (argument == "--preserve-colors") {
      options.preserve_colors = true;
    } else if (argument == "--keep-partial") {
      options.keep_partial = true;
    } else if (auto setter = setters().find(argument); setter != setters().end()) {
      if (i + 1 >= arguments.size()) throw UsageError(argument + " needs a value");
      setter->second(options, argument, arguments[++i]);
    } else if (argument.size() > 1 && argument[0] == '-') {
      throw UsageError("unknown option " + argument);
    } else {
      positional.push_back(argument);
    }
  }
  if (!positional.empty() && positional[0] == "eval") {
    options.command = Options::Command::eval;
    positional.erase(positional.begin());
    if (positional.empty()) throw UsageError("nst eval needs IMAGE CONTENT STYLE…");
    options.image = positional[0];
    positional.erase(positional.begin());
  }
  if (!positional.empty()) {
    options.content = positional[0];
    options.styles.assign(positional.begin() + 1, positional.end());
  }
  check(options);
  return options;
}

const char* usage() {
  return "usage: nst CONTENT STYLE [STYLE…] -o OUT [--size N] [--steps N] [--content-weight a]\n"
         "           [--style-weight b] [--tv-weight g] [--content-layers l,…] [--style-layers l[:w],…]\n"
         "           [--style-blend w,…] [--style-scale s] [--optimizer lbfgs|adam] [--lr r]\n"
         "           [--init content|noise|PATH] [--seed n] [--pooling max|avg] [--preserve-colors] [--keep-partial]\n"
         "           [--scales k] [--refine-steps N] [--memory-limit MiB] [--max-megapixels M]\n"
         "           [--device NAME|INDEX] [--weights PATH] [--json SUMMARY.json]\n"
         "       nst eval IMAGE CONTENT STYLE [STYLE…] [--size N] [--content-weight a] [--style-weight b]\n"
         "                [--tv-weight g] [--content-layers l,…] [--style-layers l[:w],…] [--style-blend w,…]\n"
         "                [--style-scale s] [--pooling max|avg] [--memory-limit MiB] [--max-megapixels M]\n"
         "                [--device NAME|INDEX] [--weights PATH]\n"
         "                [--json SUMMARY.json] [--grad-out G.npy]\n"
         "       nst --list-devices | --help | --version\n";
}

// GNU style (Usage:/or: lines, then the description, then the options by topic): docs/man/
// builds the man page from this text with help2man, which reads that layout.
std::string help() {
  return "Usage: nst CONTENT STYLE [STYLE]... -o OUT [OPTION]...\n"
         "  or:  nst eval IMAGE CONTENT STYLE [STYLE]... [OPTION]...\n"
         "  or:  nst --list-devices | --help | --version\n"
         "\n"
         "nst repaints a photograph (CONTENT) in the style of one or more paintings (STYLE):\n"
         "Gatys et al.'s neural style transfer (VGG-19 features, Gram matrices, gradient steps on\n"
         "the pixels), on any Vulkan device, the CPU included (Mesa's lavapipe). nst eval prints the\n"
         "objective's terms at IMAGE and can write their gradient.\n"
         "\n"
         "Images (PNG, JPEG, TIFF, OpenEXR, WebP, ... recognised by content):\n"
         "  -o OUT                the result; .png, .jpg/.jpeg, .tif/.tiff (16-bit) or .exr (float)\n"
         "  --size N              longest side of the result (default 512)\n"
         "  --max-megapixels M    refuse larger images, read or resized (default 100)\n"
         "  --init content|noise|PATH   the starting image (default content)\n"
         "  --seed n              the noise's seed\n"
         "  --preserve-colors     keep the content's colours, take the style's luminance\n"
         "\n"
         "Objective (L = a content + b style + g total variation):\n"
         "  --content-weight a    default 1\n"
         "  --style-weight b      at 256x256 px, scaled with the image (default 1e4)\n"
         "  --tv-weight g         default 0\n"
         "  --content-layers l,...  default: relu4_2 (relu3_2 with the partial test weights)\n"
         "  --style-layers l[:w],...  default: relu1_1,relu2_1,relu3_1,relu4_1,relu5_1 (those the\n"
         "                        weights hold); a layer may appear once\n"
         "  --style-blend w,...   one weight per style image (default equal)\n"
         "  --style-scale s       the style is read at s times --size (default 1)\n"
         "  --pooling max|avg     default max\n"
         "\n"
         "Optimisation (nst, not nst eval):\n"
         "  --optimizer lbfgs|adam  default lbfgs\n"
         "  --lr r                Adam's learning rate, in 0..255 units (default 10)\n"
         "  --steps N             evaluations per scale (default 500)\n"
         "  --scales k            coarse-to-fine over k sizes, each the next halved (default 1)\n"
         "  --refine-steps N      steps at each scale after the first (default --steps)\n"
         "  --keep-partial        on Ctrl-C, write the image reached so far\n"
         "\n"
         "Device and files:\n"
         "  --device NAME|INDEX   a device from --list-devices (default: the best; NST_DEVICE)\n"
         "  --memory-limit MiB    the most device memory to hold; larger images are tiled\n"
         "  --weights PATH        the VGG-19 weight file (default: NST_WEIGHTS, else the path that\n"
         "                        nst-weights path prints; nst-fetch-weights installs it there)\n"
         "  --json FILE           a summary: settings, losses, times, tiles, peak memory\n"
         "  --grad-out G.npy      nst eval: the gradient, 3 x H x W float32\n"
         "\n"
         "Exit status: 0 done, 1 error, 2 usage error, 130 cancelled (Ctrl-C).\n";
}

std::string version() { return std::string("nst ") + NST_VERSION; }

}  // namespace nst::cli
