#pragma once
// What the front ends' users type, turned into the engine's types — once, for nst's
// command line and the GIMP plug-in's settings alike, so that the same text means the
// same run in both.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "style/objective.h"
#include "style/run.h"
#include "vgg/network.h"
#include "vgg/weights.h"

namespace nst::style {

// "a,b,,c" → {a, b, c}: a comma-separated list, empty items dropped.
std::vector<std::string> split_list(const std::string& list);

// The whole of `text` as a number ("0.4", "1e4"), whatever the process's locale (a GIMP
// plug-in runs in the user's, where the decimal mark may be a comma); none if malformed.
std::optional<double> parse_number(std::string_view text);

// "relu1_1:0.3" → {relu1_1, 0.3}. Layers without a weight share what the given ones leave
// of 1 (equally, when none is given). Throws std::invalid_argument for a weight that is not
// a positive number, given weights that leave nothing for the layers without one, or a
// layer given twice.
std::vector<StyleLayer> parse_style_layers(const std::vector<std::string>& specs);

// Throws std::invalid_argument naming the first layer `layers` lists twice (`what`: "style
// layer", "content layer"): a repeated layer would count its term twice, so it is refused.
void require_distinct(const std::vector<std::string>& layers, const std::string& what);

// "max" | "avg"; "lbfgs" | "adam". Throw std::invalid_argument naming the allowed values.
vgg::Pooling parse_pooling(std::string_view text);
OptimizerKind parse_optimizer(std::string_view text);
// "lbfgs" | "adam": what parse_optimizer takes.
const char* optimizer_name(OptimizerKind kind);

// The objective as a front end's user states it.
struct ObjectiveChoices {
  std::vector<std::string> content_layers;  // empty: the weight file's defaults
  std::vector<std::string> style_layers;    // "relu1_1" or "relu1_1:0.3"; empty: the defaults
  float content_weight = 1.0f;              // α
  // β at kStyleWeightReferencePixels (256×256 px); the engine scales it with the image's
  // pixels, so that one β styles alike at every size (docs/design.md § Size-scaled style
  // weight).
  float style_weight = 1e4f;
  float tv_weight = 0.0f;  // γ
};

// The engine's objective for `choices`, with the weight file's default layers where none
// are given. Throws std::invalid_argument for malformed style layer weights or a layer
// given twice.
ObjectiveSpec objective_spec(const ObjectiveChoices& choices, const vgg::WeightFile& weights);

}  // namespace nst::style
