#include "cli/options.h"

#include <cmath>
#include <functional>
#include <map>
#include <sstream>

#include "style/parse.h"

namespace nst::cli {
namespace {

float to_float(const std::string& option, const std::string& text) {
  if (const auto value = style::parse_number(text)) return static_cast<float>(*value);
  throw UsageError(option + " expects a number, not '" + text + "'");
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
      {"--content-weight", [](Options& o, auto& n, auto& v) { o.objective.content_weight = to_float(n, v); }},
      {"--style-weight", [](Options& o, auto& n, auto& v) { o.objective.style_weight = to_float(n, v); }},
      {"--tv-weight", [](Options& o, auto& n, auto& v) { o.objective.tv_weight = to_float(n, v); }},
      {"--content-layers", [](Options& o, auto&, auto& v) { o.objective.content_layers = style::split_list(v); }},
      {"--style-layers", [](Options& o, auto&, auto& v) { o.objective.style_layers = style::split_list(v); }},
      {"--style-blend",
       [](Options& o, auto& n, auto& v) {
         o.style_blend.clear();
         for (const auto& item : style::split_list(v)) o.style_blend.push_back(to_float(n, item));
       }},
      {"--style-scale", [](Options& o, auto& n, auto& v) { o.style_scale = to_float(n, v); }},
      {"--pooling", [](Options& o, auto& n, auto& v) { o.pooling = parsed(n, v, style::parse_pooling); }},
      {"--steps", [](Options& o, auto& n, auto& v) { o.steps = to_count(n, v); }},
      {"--scales", [](Options& o, auto& n, auto& v) { o.scales = to_count(n, v); }},
      {"--optimizer", [](Options& o, auto& n, auto& v) { o.optimizer = parsed(n, v, style::parse_optimizer); }},
      {"--lr", [](Options& o, auto& n, auto& v) { o.learning_rate = to_float(n, v); }},
      {"--init", [](Options& o, auto&, auto& v) { o.init = v; }},
      {"--seed",
       [](Options& o, auto& n, auto& v) {
         try {
           o.seed = std::stoull(v);
         } catch (const std::exception&) {
           throw UsageError(n + " expects a whole number, not '" + v + "'");
         }
       }},
      {"--device", [](Options& o, auto&, auto& v) { o.device = v; }},
      {"--weights", [](Options& o, auto&, auto& v) { o.weights = v; }},
      {"--json", [](Options& o, auto&, auto& v) { o.json = v; }},
      {"--grad-out", [](Options& o, auto&, auto& v) { o.grad_out = v; }},
  };
  return table;
}

void check(const Options& options) {
  if (options.command == Options::Command::list_devices) return;
  if (options.content.empty() || options.styles.empty()) throw UsageError("a content image and a style image are needed");
  if (options.command == Options::Command::stylise && options.output.empty()) throw UsageError("-o OUT is needed");
  if (!options.style_blend.empty() && options.style_blend.size() != options.styles.size()) {
    throw UsageError("--style-blend needs one weight per style image (" + std::to_string(options.styles.size()) + ")");
  }
  if (!(options.style_scale > 0)) throw UsageError("--style-scale must be positive");
  // Weights as the engine takes them: refused here, before any work.
  parsed("--style-layers", options.objective.style_layers, style::parse_style_layers);
}

}  // namespace

Options parse_arguments(const std::vector<std::string>& arguments) {
  Options options;
  std::vector<std::string> positional;
  for (size_t i = 0; i < arguments.size(); ++i) {
    const std::string& argument = arguments[i];
    if (argument == "--list-devices") {
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
         "           [--scales k] [--device NAME|INDEX] [--weights PATH] [--json SUMMARY.json]\n"
         "       nst eval IMAGE CONTENT STYLE [STYLE…] [--size N] [--content-weight a] [--style-weight b]\n"
         "                [--tv-weight g] [--content-layers l,…] [--style-layers l[:w],…] [--style-blend w,…]\n"
         "                [--style-scale s] [--pooling max|avg] [--device NAME|INDEX] [--weights PATH]\n"
         "                [--json SUMMARY.json] [--grad-out G.npy]\n"
         "       nst --list-devices\n";
}

}  // namespace nst::cli
