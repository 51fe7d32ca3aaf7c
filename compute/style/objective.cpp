#include "style/objective.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "ops/content.h"
#include "ops/gram.h"
#include "ops/scalar_op.h"
#include "ops/tv.h"
#include "ops/vector.h"
#include "vk/error.h"

namespace nst::style {
namespace {

std::vector<std::string> style_names(const ObjectiveSpec& spec) {
  std::vector<std::string> names;
  for (const auto& s : spec.style_layers) names.push_back(s.layer);
  return names;
}

// Each list's layers once: the targets are kept per layer, so a repeated layer would have
// its term counted twice (content) or its target replaced while still recorded (style).
void require_distinct(const std::vector<std::string>& layers, const char* what) {
  if (const auto layer = first_repeated(layers)) {
    throw nst::Error(std::string("the objective lists ") + what + " " + *layer + " twice");
  }
}

// `spec`, once its weights are finite and not negative and each list names a layer once.
const ObjectiveSpec& checked(const ObjectiveSpec& spec) {
  for (const float weight : {spec.content_weight, spec.style_weight, spec.tv_weight}) {
    if (!(weight >= 0) || !std::isfinite(weight)) {
      throw nst::Error("the objective's weights α, β, γ must be finite and not negative, not " + std::to_string(weight));
    }
  }
  require_distinct(spec.content_layers, "content layer");
  require_distinct(style_names(spec), "style layer");
  return spec;
}

std::vector<std::string> all_layers(const ObjectiveSpec& spec) {
  std::vector<std::string> layers = spec.content_layers;
  for (const auto& s : spec.style_layers) layers.push_back(s.layer);
  if (layers.empty()) throw nst::Error("the objective has neither content nor style layers");
  return layers;
}

Shape gram_shape(const Tensor& features) { return {1, features.shape().c, features.shape().c}; }

// A tensor holding a copy of `source`, recorded into `rec`.
Tensor copy_of(vk::Recorder& rec, const Tensor& source, const std::string& name) {
  Tensor copy(rec.context(), source.shape(), name);
  ops::copy(rec, source, copy);
  return copy;
}

}  // namespace

std::optional<std::string> first_repeated(const std::vector<std::string>& layers) {
  for (auto layer = layers.begin(); layer != layers.end(); ++layer) {
    if (std::find(layers.begin(), layer, *layer) != layer) return *layer;
  }
  return std::nullopt;
}

std::vector<StyleLayer> equal_weights(const std::vector<std::string>& layers) {
  std::vector<StyleLayer> result;
  for (const auto& layer : layers) result.push_back({layer, 1.0f / static_cast<float>(layers.size())});
  return result;
}

float effective_style_weight(const ObjectiveSpec& spec, double pixels) {
  if (spec.style_weight_reference_pixels <= 0) return spec.style_weight;
  return static_cast<float>(spec.style_weight * pixels / spec.style_weight_reference_pixels);
}

Objective::Objective(const vgg::Network& network, const ObjectiveSpec& spec, const Tensor& content,
                     const std::vector<StyleTensor>& styles)
    : network_(network),
      spec_(checked(spec)),
      shape_(content.shape()),
      style_weight_(effective_style_weight(spec, double(shape_.h) * shape_.w)),
      pass_(network, content.shape(), all_layers(spec)),
      scalars_(network.context(), {1, 1, kSlots}, "loss terms") {
  if (!spec.style_layers.empty() && styles.empty()) throw nst::Error("style layers are given but no style image");
  vk::Recorder rec(network.context());
  pass_.forward(rec, content);
  for (const auto& layer : spec.content_layers) content_.emplace(layer, copy_of(rec, pass_.feature(layer), layer + " content target"));
  for (const auto& s : spec.style_layers) {
    const Tensor& features = pass_.feature(s.layer);
    grams_.emplace(s.layer, Tensor(network.context(), gram_shape(features), s.layer + " gram"));
    Tensor target(network.context(), gram_shape(features), s.layer + " style target");
    rec.fill(target.span(), 0);
    targets_.emplace(s.layer, std::move(target));
  }
  rec.submit();

  const float blend_total = std::accumulate(styles.begin(), styles.end(), 0.0f,
                                            [](float sum, const StyleTensor& s) { return sum + s.blend; });
  if (!spec.style_layers.empty() && !(blend_total > 0)) throw nst::Error("the style blend weights do not add up to a positive number");
  for (const StyleTensor& style : styles) add_style_targets(style, style.blend / blend_total);
}

void Objective::add_style_targets(const StyleTensor& style, float blend) {
  if (spec_.style_layers.empty()) return;
  vgg::Pass pass(network_, style.image->shape(), style_names(spec_));
  vk::Recorder rec(network_.context());
  pass.forward(rec, *style.image);
  std::vector<Tensor> grams;
  for (const auto& s : spec_.style_layers) {
    const Tensor& features = pass.feature(s.layer);
    // A style image of another size compares fairly when its Gram is scaled by
    // M_l(x)/M_l(style): Gram entries grow with the number of positions.
    const double positions = static_cast<double>(pass_.feature(s.layer).shape().plane());
    const float scale = static_cast<float>(blend * positions / static_cast<double>(features.shape().plane()));
    grams.emplace_back(network_.context(), gram_shape(features), s.layer + " style gram");
    ops::gram(rec, features, grams.back());
    ops::axpy(rec, scale, grams.back(), targets_.at(s.layer));
  }
  rec.submit();
}

void Objective::evaluate(vk::Recorder& rec, const Tensor& x, Tensor& grad) {
  const auto add = ops::Accumulate::add;
  rec.fill(scalars_.span(), 0);
  pass_.forward(rec, x);
  for (const auto& layer : spec_.content_layers) {
    const Tensor& features = pass_.feature(layer);
    ops::content_loss(rec, features, content_.at(layer), spec_.content_weight, scalars_, kContent, add);
  }
  for (const auto& s : spec_.style_layers) {
    const Tensor& features = pass_.feature(s.layer);
    Tensor& gram = grams_.at(s.layer);
    ops::gram(rec, features, gram);
    ops::style_loss(rec, features, gram, targets_.at(s.layer), style_weight_ * s.weight, scalars_, kStyle, add);
  }
  if (spec_.tv_weight != 0) {
    ops::total_variation(rec, x, spec_.tv_weight, scalars_, kTotalVariation, add);
  }
  // Each term is reduced once; the total is their sum, on the device.
  ops::scalar_op(rec, scalars_, kTotal, ops::ScalarOp::add, kContent, kStyle);
  ops::scalar_op(rec, scalars_, kTotal, ops::ScalarOp::add, kTotal, kTotalVariation);
  pass_.backward(rec, [this](vk::Recorder& r, const std::string& layer, Tensor& g, ops::Accumulate a) {
    add_layer_gradient(r, layer, g, a);
  }, grad);
  if (spec_.tv_weight != 0) ops::total_variation_grad(rec, x, spec_.tv_weight, grad, add);
}

void Objective::add_layer_gradient(vk::Recorder& rec, const std::string& layer, Tensor& grad,
                                   ops::Accumulate accumulate) {
  const Tensor& features = pass_.feature(layer);
  for (const auto& content_layer : spec_.content_layers) {
    if (content_layer != layer) continue;
    ops::content_grad(rec, features, content_.at(layer), spec_.content_weight, grad, accumulate);
    accumulate = ops::Accumulate::add;
  }
  for (const auto& s : spec_.style_layers) {
    if (s.layer != layer) continue;
    ops::gram_grad(rec, features, grams_.at(layer), targets_.at(layer), style_weight_ * s.weight, grad, accumulate);
    accumulate = ops::Accumulate::add;
  }
}

LossTerms Objective::losses() const {
  const auto values = scalars_.download();
  return {values[kTotal], values[kContent], values[kStyle], values[kTotalVariation]};
}

}  // namespace nst::style
