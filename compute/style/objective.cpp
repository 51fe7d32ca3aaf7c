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
#include "ops/window.h"
#include "vgg/layers.h"
#include "vk/error.h"

namespace nst::style {
namespace {

constexpr auto kAdd = ops::Accumulate::add;
constexpr auto kOverwrite = ops::Accumulate::overwrite;

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

image::Size size_of(const Shape& image) { return {image.w, image.h}; }

// The tiles of an image of `image` shape for `spec`'s layers: one, unless tile_side says more.
TilePlan plan_for(const ObjectiveSpec& spec, Shape image, uint32_t tile_side) {
  const auto layers = all_layers(spec);
  const uint32_t side = tile_side ? tile_side : std::max(image.w, image.h);
  return plan_tiles(size_of(image), side, receptive_radius(layers), pooling_alignment(layers));
}

std::vector<Shape> shapes_of(const std::vector<StyleTensor>& styles) {
  std::vector<Shape> shapes;
  for (const StyleTensor& style : styles) shapes.push_back(style.image->shape());
  return shapes;
}

// The pass's capacity: the largest window of x's tiles and of every style's.
Shape capacity_for(const ObjectiveSpec& spec, Shape image, const std::vector<StyleTensor>& styles, uint32_t tile_side) {
  const image::Size window = largest_window(spec, image, shapes_of(styles), tile_side);
  return {3, window.height, window.width};
}

Shape gram_shape(uint32_t channels) { return {1, channels, channels}; }

uint32_t channels_of(const std::string& layer) {
  for (const vgg::ConvSpec& conv : vgg::kConvolutions) {
    if (layer == conv.name || layer == conv.relu) return conv.cout;
  }
  // A pooling layer has its block's last convolution's channels.
  const uint32_t block = static_cast<uint32_t>(std::stoul(layer.substr(4)));
  uint32_t channels = 0;
  for (const vgg::ConvSpec& conv : vgg::kConvolutions) channels = conv.block == block ? conv.cout : channels;
  return channels;
}

// H·W of `layer`'s features for an image of `image` shape: each pooling halves a side, rounding down.
uint64_t positions_at(const std::string& layer, const Shape& image) {
  const uint32_t k = poolings_before(layer);
  return uint64_t{image.h >> k} * (image.w >> k);
}

// The largest feature map of `layers` for windows of up to `window`, in floats.
uint64_t largest_features(const std::vector<std::string>& layers, image::Size window) {
  uint64_t most = 0;
  for (const auto& layer : layers) most = std::max(most, channels_of(layer) * positions_at(layer, {3, window.height, window.width}));
  return most;
}

Tensor scratch_tensor(vk::Context& context, uint64_t floats, const std::string& name) {
  return Tensor(context, {1, 1, static_cast<uint32_t>(floats)}, name);
}

}  // namespace

image::Size largest_window(const ObjectiveSpec& spec, Shape image, const std::vector<Shape>& styles, uint32_t tile_side) {
  image::Size largest = plan_for(spec, image, tile_side).largest_window();
  for (const Shape& style : spec.style_layers.empty() ? std::vector<Shape>{} : styles) {
    const image::Size window = plan_for(spec, style, tile_side).largest_window();
    largest = {std::max(largest.width, window.width), std::max(largest.height, window.height)};
  }
  return largest;
}

uint32_t tile_alignment(const ObjectiveSpec& spec) { return pooling_alignment(all_layers(spec)); }

uint32_t halo_of(const ObjectiveSpec& spec) { return receptive_radius(all_layers(spec)); }

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
                     const std::vector<StyleTensor>& styles, Tiling tiling)
    : network_(network),
      spec_(checked(spec)),
      shape_(content.shape()),
      style_weight_(effective_style_weight(spec, double(shape_.h) * shape_.w)),
      tile_side_(tiling.tile_side),
      plan_(plan_for(spec, shape_, tile_side_)),
      on_tile_(std::move(tiling.on_tile)),
      pass_(network, capacity_for(spec, shape_, styles, tile_side_), all_layers(spec)),
      scalars_(network.context(), {1, 1, kSlots}, "loss terms") {
  if (!spec.style_layers.empty() && styles.empty()) throw nst::Error("style layers are given but no style image");
  vk::Context& context = network.context();
  const auto layers = all_layers(spec);
  for (const auto& layer : layers) positions_[layer] = positions_at(layer, shape_);
  const bool tiled = plan_.tiles.size() > 1;
  const bool any_tiled = tiled || std::any_of(styles.begin(), styles.end(), [&](const StyleTensor& s) {
    return !spec.style_layers.empty() && plan_for(spec, s.image->shape(), tile_side_).tiles.size() > 1;
  });
  const Shape capacity = capacity_for(spec, shape_, styles, tile_side_);
  const uint64_t own_floats = largest_features(layers, {capacity.w, capacity.h});
  if (any_tiled) {
    window_.emplace(context, capacity, "tile window");
    own_.emplace(scratch_tensor(context, own_floats, "tile features"));
  }
  if (tiled) {
    window_grad_.emplace(context, capacity, "tile window gradient");
    own_grad_.emplace(scratch_tensor(context, own_floats, "tile feature gradient"));
    if (!spec.content_layers.empty()) own_target_.emplace(scratch_tensor(context, own_floats, "tile content target"));
  }
  vk::Recorder rec(context);
  uint32_t widest = 0;
  for (const auto& s : spec.style_layers) {
    const uint32_t n = channels_of(s.layer);
    widest = std::max(widest, n);
    grams_.emplace(s.layer, Tensor(context, gram_shape(n), s.layer + " gram"));
    Tensor target(context, gram_shape(n), s.layer + " style target");
    rec.fill(target.span(), 0);
    targets_.emplace(s.layer, std::move(target));
  }
  rec.submit();
  if (widest) tile_gram_.emplace(context, gram_shape(widest), "tile gram");
  compute_content_targets(content);

  const float blend_total = std::accumulate(styles.begin(), styles.end(), 0.0f,
                                            [](float sum, const StyleTensor& s) { return sum + s.blend; });
  if (!spec.style_layers.empty() && !(blend_total > 0)) throw nst::Error("the style blend weights do not add up to a positive number");
  for (const StyleTensor& style : styles) add_style_targets(style, style.blend / blend_total);
}

uint64_t Objective::device_bytes(const vgg::Network& network, const ObjectiveSpec& spec, Shape image, image::Size window) {
  const auto layers = all_layers(spec);
  const Shape capacity{3, window.height, window.width};
  uint64_t floats = vgg::Pass::bytes(network, capacity, layers) / sizeof(float);
  for (const auto& s : spec.style_layers) floats += 3 * uint64_t{channels_of(s.layer)} * channels_of(s.layer);
  if (window.width < image.w || window.height < image.h) {
    floats += 2 * capacity.count() + 3 * largest_features(layers, window);
  } else {
    for (const auto& layer : spec.content_layers) floats += channels_of(layer) * positions_at(layer, image);
  }
  return floats * sizeof(float);
}

bool Objective::bindable(const vgg::Network& network, const ObjectiveSpec& spec, Shape image, image::Size window) {
  const auto layers = all_layers(spec);
  const uint64_t largest = std::max({vgg::Pass::largest_tensor(network, {3, window.height, window.width}, layers),
                                     largest_features(layers, window), image.count()});
  return largest <= bindable_floats(network.context());
}

Tensor Objective::window_of(vk::Recorder& rec, const Tensor& image, const Tile& tile) {
  const Shape& shape = image.shape();
  if (tile.window.width == shape.w && tile.window.height == shape.h) return image;
  Tensor window = window_->view({shape.c, tile.window.height, tile.window.width});
  ops::copy_window(rec, image, tile.window, window, 0, 0, kOverwrite);
  return window;
}

Objective::OwnPart Objective::own_part(vk::Recorder& rec, const Tile& tile, const std::string& layer) {
  const Tensor& features = pass_.feature(layer);
  const Shape& shape = features.shape();
  const Rect rect = own_features(tile, poolings_before(layer), shape);
  if (rect.width == shape.w && rect.height == shape.h) return {features, rect, true};
  if (rect.area() == 0) return {features, rect, false};
  Tensor own = own_->view({shape.c, rect.height, rect.width});
  ops::copy_window(rec, features, rect, own, 0, 0, kOverwrite);
  return {own, rect, false};
}

Tensor Objective::content_target(vk::Recorder& rec, size_t tile, const std::string& layer, const Tensor& own) {
  if (tile_content_.empty()) return content_.at(layer);
  Tensor target = own_target_->view(own.shape());
  const std::vector<float>& values = tile_content_[tile].at(layer);
  rec.upload(target.span(), values.data(), values.size() * sizeof(float));
  return target;
}

void Objective::compute_content_targets(const Tensor& content) {
  vk::Context& context = network_.context();
  if (plan_.tiles.size() == 1) {
    vk::Recorder rec(context);
    pass_.forward(rec, content);
    for (const auto& layer : spec_.content_layers) {
      const Tensor& features = pass_.feature(layer);
      content_.emplace(layer, Tensor(context, features.shape(), layer + " content target"));
      ops::copy(rec, features, content_.at(layer));
    }
    rec.submit();
    return;
  }
  tile_content_.resize(plan_.tiles.size());
  for (size_t t = 0; t < plan_.tiles.size() && !spec_.content_layers.empty(); ++t) {
    vk::Recorder rec(context);
    const Tensor window = window_of(rec, content, plan_.tiles[t]);
    pass_.forward(rec, window);
    std::map<std::string, size_t> downloads;
    for (const auto& layer : spec_.content_layers) {
      const OwnPart own = own_part(rec, plan_.tiles[t], layer);
      tile_content_[t][layer].resize(own.empty() ? 0 : own.features.count());
      if (!own.empty()) downloads[layer] = rec.download(own.features.span(), own.features.bytes());
    }
    rec.submit();
    for (const auto& [layer, download] : downloads) {
      std::vector<float>& values = tile_content_[t].at(layer);
      rec.read(download, values.data(), values.size() * sizeof(float));
    }
  }
}

void Objective::add_style_targets(const StyleTensor& style, float blend) {
  if (spec_.style_layers.empty()) return;
  const Shape& shape = style.image->shape();
  for (const Tile& tile : plan_for(spec_, shape, tile_side_).tiles) {
    vk::Recorder rec(network_.context());
    const Tensor window = window_of(rec, *style.image, tile);
    pass_.forward(rec, window);
    for (const auto& s : spec_.style_layers) {
      const OwnPart own = own_part(rec, tile, s.layer);
      if (own.empty()) continue;
      // A style image of another size compares fairly when its Gram is scaled by
      // M_l(x)/M_l(style): Gram entries grow with the number of positions.
      const double scale = blend * double(positions_.at(s.layer)) / double(positions_at(s.layer, shape));
      Tensor gram = tile_gram_->view(targets_.at(s.layer).shape());
      ops::gram(rec, own.features, gram);
      ops::axpy(rec, static_cast<float>(scale), gram, targets_.at(s.layer));
    }
    rec.submit();
  }
}

void Objective::add_tile_terms(vk::Recorder& rec, size_t tile) {
  for (const auto& layer : spec_.content_layers) {
    const OwnPart own = own_part(rec, plan_.tiles[tile], layer);
    if (own.empty()) continue;
    ops::content_loss(rec, own.features, content_target(rec, tile, layer, own.features), spec_.content_weight, scalars_,
                      kContent, kAdd);
  }
  for (const auto& s : spec_.style_layers) {
    const OwnPart own = own_part(rec, plan_.tiles[tile], s.layer);
    Tensor& gram = grams_.at(s.layer);
    if (own.whole) {
      ops::gram(rec, own.features, gram);
    } else if (!own.empty()) {  // summed over the tiles, from zero (evaluate)
      Tensor tile_gram = tile_gram_->view(gram.shape());
      ops::gram(rec, own.features, tile_gram);
      ops::axpy(rec, 1.0f, tile_gram, gram);
    }
  }
}

void Objective::tile_done(vk::Recorder& rec, uint32_t done, uint32_t total) {
  if (plan_.tiles.size() == 1) return;  // untiled: one submission, as the caller records it
  rec.flush();
  if (on_tile_) on_tile_(done, total);
}

void Objective::evaluate(vk::Recorder& rec, const Tensor& x, Tensor& grad) {
  if (!(x.shape() == shape_)) throw nst::Error("the objective for " + shape_.str() + " images got x of " + x.shape().str());
  const size_t tiles = plan_.tiles.size();
  // Each tile's forward pass, twice but for the last (its activations stay for the gradient).
  const uint32_t passes = static_cast<uint32_t>(2 * tiles - 1);
  rec.fill(scalars_.span(), 0);
  if (tiles > 1) {
    for (auto& [layer, gram] : grams_) rec.fill(gram.span(), 0);
  }
  // The terms and the Gram matrices, summed over every tile's own positions.
  for (size_t t = 0; t < tiles; ++t) {
    current_window_.emplace(window_of(rec, x, plan_.tiles[t]));
    pass_.forward(rec, *current_window_);
    add_tile_terms(rec, t);
    if (t + 1 < tiles) tile_done(rec, static_cast<uint32_t>(t + 1), passes);
  }
  for (const auto& s : spec_.style_layers) {
    ops::style_loss(rec, pass_.feature(s.layer), grams_.at(s.layer), targets_.at(s.layer), style_weight_ * s.weight,
                    scalars_, kStyle, kAdd, positions_.at(s.layer));
  }
  if (spec_.tv_weight != 0) ops::total_variation(rec, x, spec_.tv_weight, scalars_, kTotalVariation, kAdd);
  // Each term is reduced once; the total is their sum, on the device.
  ops::scalar_op(rec, scalars_, kTotal, ops::ScalarOp::add, kContent, kStyle);
  ops::scalar_op(rec, scalars_, kTotal, ops::ScalarOp::add, kTotal, kTotalVariation);
  // The gradient: with the global Gram matrices known, each tile back-propagates the terms
  // at its own positions to its window's pixels, which add up in grad.
  if (tiles > 1) rec.fill(grad.span(), 0);
  for (size_t t = tiles; t-- > 0;) {
    const Tile& tile = plan_.tiles[t];
    if (t + 1 < tiles) {
      current_window_.emplace(window_of(rec, x, tile));
      pass_.forward(rec, *current_window_);
    }
    std::optional<Tensor> window_grad;
    Tensor& g = tiles == 1 ? grad : window_grad.emplace(window_grad_->view(current_window_->shape()));
    pass_.backward(rec, [this, t](vk::Recorder& r, const std::string& layer, Tensor& lg, ops::Accumulate a) {
      add_layer_gradient(r, t, layer, lg, a);
    }, g);
    if (tiles > 1) {
      ops::copy_window(rec, g, {0, 0, tile.window.width, tile.window.height}, grad, tile.window.x, tile.window.y, kAdd);
      tile_done(rec, static_cast<uint32_t>(2 * tiles - t - 1), passes);
    }
  }
  if (spec_.tv_weight != 0) ops::total_variation_grad(rec, x, spec_.tv_weight, grad, kAdd);
}

void Objective::add_layer_gradient(vk::Recorder& rec, size_t tile, const std::string& layer, Tensor& grad,
                                   ops::Accumulate accumulate) {
  const OwnPart own = own_part(rec, plan_.tiles[tile], layer);
  if (own.empty()) {
    if (accumulate == kOverwrite) rec.fill(grad.span(), 0);
    return;
  }
  std::optional<Tensor> own_grad;
  Tensor& g = own.whole ? grad : own_grad.emplace(own_grad_->view(own.features.shape()));
  ops::Accumulate mode = own.whole ? accumulate : kOverwrite;
  for (const auto& content_layer : spec_.content_layers) {
    if (content_layer != layer) continue;
    ops::content_grad(rec, own.features, content_target(rec, tile, layer, own.features), spec_.content_weight, g, mode);
    mode = kAdd;
  }
  for (const auto& s : spec_.style_layers) {
    if (s.layer != layer) continue;
    ops::gram_grad(rec, own.features, grams_.at(layer), targets_.at(layer), style_weight_ * s.weight, g, mode,
                   positions_.at(layer));
    mode = kAdd;
  }
  if (own.whole) return;
  // Only the tile's own positions carry the loss; the halo's features get no gradient here.
  if (accumulate == kOverwrite) rec.fill(grad.span(), 0);
  ops::copy_window(rec, g, {0, 0, own.rect.width, own.rect.height}, grad, own.rect.x, own.rect.y, kAdd);
}

LossTerms Objective::losses() const {
  const auto values = scalars_.download();
  return {values[kTotal], values[kContent], values[kStyle], values[kTotalVariation]};
}

}  // namespace nst::style
