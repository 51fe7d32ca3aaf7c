#include "style/parse.h"

#include <charconv>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace nst::style {
namespace {

float layer_weight(const std::string& spec, const std::string& text) {
  const std::optional<double> weight = parse_number(text);
  if (weight && *weight > 0 && std::isfinite(static_cast<float>(*weight))) return static_cast<float>(*weight);
  throw std::invalid_argument("style layer weights must be positive numbers: " + spec);
}

}  // namespace

void require_distinct(const std::vector<std::string>& layers, const std::string& what) {
  if (const auto layer = first_repeated(layers)) throw std::invalid_argument(what + " " + *layer + " is given twice");
}

std::vector<StyleLayer> parse_style_layers(const std::vector<std::string>& specs) {
  std::vector<StyleLayer> layers;
  float given = 0;
  size_t unweighted = 0;
  for (const auto& spec : specs) {
    const auto colon = spec.find(':');
    if (colon == std::string::npos) {
      layers.push_back({spec, NAN});
      ++unweighted;
      continue;
    }
    layers.push_back({spec.substr(0, colon), layer_weight(spec, spec.substr(colon + 1))});
    given += layers.back().weight;
  }
  std::vector<std::string> names;
  for (const auto& l : layers) names.push_back(l.layer);
  require_distinct(names, "style layer");
  if (unweighted == layers.size()) return equal_weights(specs);
  if (unweighted > 0 && !(given < 1)) {
    std::ostringstream message;
    message << "the given style layer weights add up to " << given << ", leaving nothing of 1 for the layers without one";
    throw std::invalid_argument(message.str());
  }
  for (auto& l : layers) {
    if (std::isnan(l.weight)) l.weight = (1.0f - given) / unweighted;
  }
  return layers;
}

std::optional<double> parse_number(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || stop != end || text.empty()) return std::nullopt;
  return value;
}

std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> items;
  std::istringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

vgg::Pooling parse_pooling(std::string_view text) {
  if (text == "max") return vgg::Pooling::max;
  if (text == "avg") return vgg::Pooling::average;
  throw std::invalid_argument("pooling must be max or avg, not '" + std::string(text) + "'");
}

OptimizerKind parse_optimizer(std::string_view text) {
  if (text == "lbfgs") return OptimizerKind::lbfgs;
  if (text == "adam") return OptimizerKind::adam;
  throw std::invalid_argument("the optimiser must be lbfgs or adam, not '" + std::string(text) + "'");
}

const char* optimizer_name(OptimizerKind kind) { return kind == OptimizerKind::adam ? "adam" : "lbfgs"; }

ObjectiveSpec objective_spec(const ObjectiveChoices& choices, const vgg::WeightFile& weights) {
  const vgg::DefaultLayers defaults = vgg::default_layers(weights);
  ObjectiveSpec spec;
  spec.content_layers = choices.content_layers.empty() ? defaults.content : choices.content_layers;
  require_distinct(spec.content_layers, "content layer");
  spec.style_layers = parse_style_layers(choices.style_layers.empty() ? defaults.style : choices.style_layers);
  spec.content_weight = choices.content_weight;
  spec.style_weight = choices.style_weight;
  spec.style_weight_reference_pixels = kStyleWeightReferencePixels;
  spec.tv_weight = choices.tv_weight;
  return spec;
}

}  // namespace nst::style
