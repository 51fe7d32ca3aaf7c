#pragma once
// The objective of docs/design.md § Objective, exactly: L = α L_c + β L_s + γ L_tv at an image x in the
// network's input space, with
//   L_c = Σ_{l ∈ content} ½ Σ (F^l(x) − P^l)²,          P^l = F^l(content image)
//   L_s = Σ_{l ∈ style} w_l Σ (G^l(x) − A^l)² / (4 N_l² M_l²),   G^l = F^l F^lᵀ
//   A^l = Σ_k b_k G^l(style_k) · M_l(x) / M_l(style_k)   (blend weights b_k summing to 1)
//   L_tv = Σ_c Σ (x_{i,j+1} − x_{i,j})² + (x_{i+1,j} − x_{i,j})²
// Every value and gradient is computed on the device; the terms land in device scalars.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ops/tensor.h"
#include "style/tiles.h"
#include "vgg/network.h"
#include "vk/recorder.h"

namespace nst::style {

struct StyleLayer {
  std::string layer;
  float weight;  // w_l
};

struct ObjectiveSpec {
  std::vector<std::string> content_layers;
  std::vector<StyleLayer> style_layers;
  float content_weight = 1.0f;  // α
  float style_weight = 1e4f;    // β
  float tv_weight = 0.0f;       // γ
  // When > 0, β holds at this many pixels of x and scales with x's pixel count: L_c and
  // L_tv sum over positions while L_s is normalised by them, so a fixed β styles small
  // images more strongly than large ones; scaled, the balance is the same at every size
  // (docs/design.md § Size-scaled style weight). Both front ends set
  // kStyleWeightReferencePixels; 0 takes β as it is (the tests' exact objective).
  double style_weight_reference_pixels = 0;
};

// The size at which the front ends' β holds: 256×256 px.
inline constexpr double kStyleWeightReferencePixels = 256.0 * 256.0;

// β for an image of `pixels` pixels, after style_weight_reference_pixels.
float effective_style_weight(const ObjectiveSpec& spec, double pixels);

// The first layer `layers` lists a second time, if any: the objective takes each once.
std::optional<std::string> first_repeated(const std::vector<std::string>& layers);

// The layers with w_l = 1/|layers|: the default weights (docs/design.md § Objective).
std::vector<StyleLayer> equal_weights(const std::vector<std::string>& layers);

// A style on the device, as the objective takes it (style::StyleImage is one on the host).
struct StyleTensor {
  const Tensor* image;  // 3×H×W in network space, any size
  float blend;          // b_k before normalisation
};

// Where evaluate() leaves the terms in scalars(): each term already weighted (α L_c, …).
enum Slot : uint32_t { kTotal = 0, kContent = 1, kStyle = 2, kTotalVariation = 3, kSlots = 4 };

struct LossTerms {
  double total = 0, content = 0, style = 0, tv = 0;
};

// How an Objective is evaluated: whole, or in tiles of at most tile_side² own pixels
// (style/tiles.h; docs/design.md § Tiled objective). The terms and the gradient are the same
// either way, up to float rounding.
struct Tiling {
  uint32_t tile_side = 0;  // 0: untiled
  // Called after each tile's work is submitted, `done` of `total` tile passes in this
  // evaluation; it may throw (a cancelled run) to abandon the evaluation.
  std::function<void(uint32_t done, uint32_t total)> on_tile;
};

// The largest window (widest, tallest) an Objective with this tiling runs the network over:
// of the tiles of x (of `image` shape) and of every style's.
image::Size largest_window(const ObjectiveSpec& spec, Shape image, const std::vector<Shape>& styles, uint32_t tile_side);
// What tile sides are a multiple of: the pooling grid of spec's deepest layer.
uint32_t tile_alignment(const ObjectiveSpec& spec);
// How far a tile's window reaches beyond its own pixels: spec's receptive-field radius.
uint32_t halo_of(const ObjectiveSpec& spec);

class Objective {
 public:
  // Computes the content targets P^l from `content` (x's shape) and the blended style
  // targets A^l from `styles` (submits its own work), both tiled as `tiling` says.
  Objective(const vgg::Network& network, const ObjectiveSpec& spec, const Tensor& content,
            const std::vector<StyleTensor>& styles, Tiling tiling = {});

  // The device memory an Objective for `image` (network space) with windows of up to
  // `window` takes beyond its inputs: the pass's activations and gradients, a tile's
  // image, gradient and cut-out features, the targets.
  static uint64_t device_bytes(const vgg::Network& network, const ObjectiveSpec& spec, Shape image, image::Size window);
  // Whether each of those tensors is within the device's binding limits.
  static bool bindable(const vgg::Network& network, const ObjectiveSpec& spec, Shape image, image::Size window);

  // Records L(x) into scalars() and ∇L(x) into grad (x's shape). Tiled, it submits the
  // work recorded so far and each tile's as it goes (vk::Recorder::flush).
  void evaluate(vk::Recorder& rec, const Tensor& x, Tensor& grad);
  // The terms evaluate() left in scalars(), read back (after the recorder's submit).
  LossTerms losses() const;
  const Tensor& scalars() const { return scalars_; }
  Shape image_shape() const { return shape_; }
  const TilePlan& plan() const { return plan_; }

 private:
  // A layer's features at a tile's own positions: the pass's features themselves where the
  // tile owns them all (untiled), else cut out of them.
  // A tile may own no positions at all at a deep layer: where the image's last rows or
  // columns are fewer than that layer's pooling factor, pooling drops them.
  struct OwnPart {
    Tensor features;
    Rect rect;  // where they lie in the pass's features
    bool whole;
    bool empty() const { return rect.area() == 0; }
  };
  void compute_content_targets(const Tensor& content);
  void add_style_targets(const StyleTensor& style, float blend);
  Tensor window_of(vk::Recorder& rec, const Tensor& image, const Tile& tile);
  OwnPart own_part(vk::Recorder& rec, const Tile& tile, const std::string& layer);
  Tensor content_target(vk::Recorder& rec, size_t tile, const std::string& layer, const Tensor& own);
  void add_tile_terms(vk::Recorder& rec, size_t tile);
  void add_layer_gradient(vk::Recorder& rec, size_t tile, const std::string& layer, Tensor& grad, ops::Accumulate accumulate);
  void tile_done(vk::Recorder& rec, uint32_t done, uint32_t total);

  const vgg::Network& network_;
  ObjectiveSpec spec_;
  Shape shape_;
  float style_weight_;  // β for x's size: effective_style_weight(spec_, pixels of x)
  uint32_t tile_side_;
  TilePlan plan_;
  std::function<void(uint32_t, uint32_t)> on_tile_;
  vgg::Pass pass_;                             // over a tile's window (x itself, untiled)
  std::map<std::string, uint64_t> positions_;  // M_l of x: H·W of each layer at x's full size
  // P^l: untiled, on the device; tiled, each tile's own positions in host memory, uploaded
  // as the tile is evaluated (device memory is what tiling saves).
  std::map<std::string, Tensor> content_;
  std::vector<std::map<std::string, std::vector<float>>> tile_content_;
  std::map<std::string, Tensor> targets_;  // A^l
  std::map<std::string, Tensor> grams_;    // G^l(x)
  // Where some image is tiled: a tile's window of it and the window's gradient, a layer's
  // features, their gradient and content target at the tile's own positions, a tile's Gram
  // matrix (each seen at the size in hand).
  std::optional<Tensor> window_, window_grad_, own_, own_grad_, own_target_, tile_gram_;
  std::optional<Tensor> current_window_;  // the window the pass last ran forward over
  Tensor scalars_;
};

}  // namespace nst::style
