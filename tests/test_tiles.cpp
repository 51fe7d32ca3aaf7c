// The tiled objective (docs/design.md § Tiled objective): the tile plan partitions the
// image and grows each tile by the receptive field; evaluated in tiles, the objective's
// terms and gradient equal the untiled ones (odd sizes, both poolings, several styles, a
// style larger than a tile, the real partial weights through relu3_4 and a synthetic
// network through relu5_1); the memory budget picks the tiles and refuses what cannot fit.
#include <algorithm>
#include <string>

#include "style/budget.h"
#include "style/objective.h"
#include "style/tiles.h"
#include "support/kernel_test.h"
#include "support/synthetic_weights.h"
#include "support/weight_files.h"
#include "vgg/network.h"
#include "vk/error.h"

namespace nst::test {
namespace {

using style::TilePlan;

// ---- the plan -------------------------------------------------------------------------

// VGG-19's receptive field at conv5_1 is 156 px wide: 70 px before a position (the
// 3×3 convolutions: 2·1 + 2·2 + 4·4 + 4·8 + 1·16) and 85 after it (the same, plus each
// pooling's 1 + 2 + 4 + 8). The radius is the larger side.
TEST(TilePlan, ReceptiveRadiusAndAlignmentFollowTheLayerTable) {
  EXPECT_EQ(style::receptive_radius({"conv1_1"}), 1u);
  EXPECT_EQ(style::receptive_radius({"relu1_2", "pool1"}), 3u);
  EXPECT_EQ(style::receptive_radius({"relu1_1", "relu3_4", "relu2_1"}), 2u + 1 + 2 * 2 + 2 + 4 * 4);
  EXPECT_EQ(style::receptive_radius({"conv5_1"}), 156u - 70 - 1);
  EXPECT_EQ(style::pooling_alignment({"relu1_2"}), 1u);
  EXPECT_EQ(style::pooling_alignment({"pool1"}), 2u);
  EXPECT_EQ(style::pooling_alignment({"relu3_4"}), 4u);
  EXPECT_EQ(style::pooling_alignment({"relu4_2", "relu5_1"}), 16u);
  EXPECT_THROW(style::receptive_radius({"relu6_1"}), nst::Error);
}

// Every pixel owned by exactly one tile; windows are own rectangles grown by the halo and
// cut at the border; own rectangles and windows start on the alignment grid.
void expect_valid(const TilePlan& plan, uint32_t side) {
  const image::Size size = plan.image;
  std::vector<int> owners(size_t{size.width} * size.height, 0);
  for (const style::Tile& t : plan.tiles) {
    SCOPED_TRACE("own " + t.own.str() + ", window " + t.window.str());
    EXPECT_EQ(t.own.x % plan.alignment, 0u);
    EXPECT_EQ(t.own.y % plan.alignment, 0u);
    EXPECT_EQ(t.window.x % plan.alignment, 0u);
    EXPECT_EQ(t.window.y % plan.alignment, 0u);
    EXPECT_LE(t.own.width, side + plan.alignment);
    EXPECT_EQ(t.window.x, t.own.x > plan.halo ? t.own.x - plan.halo : 0);
    EXPECT_EQ(t.window.y, t.own.y > plan.halo ? t.own.y - plan.halo : 0);
    EXPECT_EQ(t.window.x + t.window.width, std::min(size.width, t.own.x + t.own.width + plan.halo));
    EXPECT_EQ(t.window.y + t.window.height, std::min(size.height, t.own.y + t.own.height + plan.halo));
    for (uint32_t y = t.own.y; y < t.own.y + t.own.height; ++y)
      for (uint32_t x = t.own.x; x < t.own.x + t.own.width; ++x) ++owners[size_t{y} * size.width + x];
  }
  EXPECT_TRUE(std::all_of(owners.begin(), owners.end(), [](int n) { return n == 1; }));
}

TEST(TilePlan, TilesPartitionTheImage) {
  for (const image::Size size : {image::Size{157, 93}, image::Size{200, 136}, image::Size{1, 1}, image::Size{500, 17}}) {
    for (const uint32_t side : {1u, 16u, 40u, 100u}) {
      const TilePlan plan = style::plan_tiles(size, side, 25, 4);
      SCOPED_TRACE(image::describe(size) + ", side " + std::to_string(side) + ": " + style::describe(plan));
      EXPECT_EQ(plan.halo, 28u);  // 25 rounded up to the alignment
      expect_valid(plan, side);
    }
  }
  EXPECT_EQ(style::plan_tiles({157, 93}, 40, 25, 4).tiles.size(), 4u * 3);
  EXPECT_THROW(style::plan_tiles({10, 10}, 4, 2, 3), nst::Error);  // not a power of 2
}

TEST(TilePlan, OneTileCoveringTheImageWhereTheSideDoes) {
  const TilePlan plan = style::plan_tiles({157, 93}, 157, 85, 16);
  ASSERT_EQ(plan.tiles.size(), 1u);
  EXPECT_EQ(plan.tiles[0].own, (ops::Rect{0, 0, 157, 93}));
  EXPECT_EQ(plan.tiles[0].window, plan.tiles[0].own);
  EXPECT_EQ(style::describe(plan), "1 tile (untiled)");
}

void expect_own_features_partition(image::Size size, uint32_t alignment) {
  const TilePlan plan = style::plan_tiles(size, 24, 25, alignment);
  for (uint32_t k = 0; (1u << k) <= alignment; ++k) {
    const uint32_t h = size.height >> k, w = size.width >> k;
    std::vector<int> owners(size_t{h} * w, 0);
    for (const style::Tile& t : plan.tiles) {
      const Shape window_features{64, t.window.height >> k, t.window.width >> k};
      const ops::Rect r = style::own_features(t, k, window_features);
      for (uint32_t y = 0; y < r.height; ++y)
        for (uint32_t x = 0; x < r.width; ++x) {
          const uint32_t gy = (t.window.y >> k) + r.y + y, gx = (t.window.x >> k) + r.x + x;
          ASSERT_LT(gy, h);
          ASSERT_LT(gx, w);
          ++owners[size_t{gy} * w + gx];
        }
    }
    EXPECT_TRUE(std::all_of(owners.begin(), owners.end(), [](int n) { return n == 1; }))
        << image::describe(size) << " after " << k << " poolings";
  }
}

// At a layer after k poolings the tiles' own feature positions partition the whole image's
// features (H >> k by W >> k), at the same places; a last row of tiles thinner than 2^k
// owns none (99 = 6·16 + 3: pooling drops the last 3 px).
TEST(TilePlan, OwnFeaturePositionsPartitionTheFeatures) {
  for (const auto& [size, alignment] : {std::pair{image::Size{157, 93}, 8u}, std::pair{image::Size{50, 99}, 16u}}) {
    expect_own_features_partition(size, alignment);
  }
}

// ---- tiled against untiled ------------------------------------------------------------

std::vector<float> image_values(Shape shape, uint32_t seed, float lo, float hi) {
  return random_values(shape.count(), seed, lo, hi);
}

struct TiledCase {
  const vgg::WeightFile* weights;
  style::ObjectiveSpec spec;
  Shape shape;
  uint32_t tile_side;
};

struct Evaluation {
  style::LossTerms terms;
  std::vector<float> grad;
  size_t tiles = 0;
  uint32_t tile_reports = 0;
};

class Tiled : public KernelTest, public ::testing::WithParamInterface<vgg::Pooling> {
 protected:
  Evaluation evaluate(const TiledCase& c, uint32_t tile_side) {
    vgg::Network network(ctx(), *c.weights, GetParam());
    Tensor content = make_tensor(ctx(), c.shape, image_values(c.shape, 2, -60, 60), "content");
    // Two styles drawn unlike x, one larger than a tile and tiled itself.
    Tensor large = make_tensor(ctx(), {3, 120, 100}, image_values({3, 120, 100}, 3, -120, 20), "large style");
    Tensor small = make_tensor(ctx(), {3, 50, 70}, image_values({3, 50, 70}, 4, -100, 40), "small style");
    Evaluation e;
    style::Objective objective(network, c.spec, content, {{&large, 1.0f}, {&small, 3.0f}},
                               {tile_side, [&](uint32_t, uint32_t) { ++e.tile_reports; }});
    Tensor x = make_tensor(ctx(), c.shape, image_values(c.shape, 1, -60, 60), "x");
    Guarded grad(ctx(), c.shape, "gradient");
    run(ctx(), [&](vk::Recorder& rec) { objective.evaluate(rec, x, grad); });
    EXPECT_TRUE(grad.guards_intact());
    e.terms = objective.losses();
    e.grad = grad.download();
    e.tiles = objective.plan().tiles.size();
    return e;
  }

  void expect_tiled_equals_untiled(const TiledCase& c) {
    const Evaluation whole = evaluate(c, 0);
    const Evaluation tiled = evaluate(c, c.tile_side);
    ASSERT_EQ(whole.tiles, 1u);
    ASSERT_GT(tiled.tiles, 1u) << "the case must tile x";
    EXPECT_EQ(tiled.tile_reports, 2 * tiled.tiles - 1);  // each forward pass once, each but the last twice
    ASSERT_GT(style::plan_tiles({100, 120}, c.tile_side, 0, 1).tiles.size(), 1u) << "the case must tile the large style";
    ASSERT_LT(c.tile_side, 100u);
    constexpr double kTolerance = 1e-5;
    const auto relative = [](double got, double want) { return std::abs(got - want) / std::abs(want); };
    EXPECT_LT(relative(tiled.terms.content, whole.terms.content), kTolerance);
    EXPECT_LT(relative(tiled.terms.style, whole.terms.style), kTolerance);
    EXPECT_LT(relative(tiled.terms.tv, whole.terms.tv), kTolerance);
    EXPECT_LT(relative(tiled.terms.total, whole.terms.total), kTolerance);
    EXPECT_GT(whole.terms.content, 1e-3 * whole.terms.total);  // every term counts
    EXPECT_GT(whole.terms.style, 1e-3 * whole.terms.total);
    EXPECT_LT(normalized_error(tiled.grad, std::vector<double>(whole.grad.begin(), whole.grad.end())), kTolerance);
  }
};

style::ObjectiveSpec spec_of(std::vector<std::string> content, const std::vector<std::string>& style, float beta) {
  style::ObjectiveSpec spec;
  spec.content_layers = std::move(content);
  spec.style_layers = style::equal_weights(style);
  spec.style_weight = beta;
  spec.tv_weight = 0.5f;
  return spec;
}

// The real partial weights through relu3_4 (halo 28 px, alignment 4): windows inside the
// image as well as at its borders; conv1_2 is a pre-activation feature.
TEST_P(Tiled, PartialWeightsThroughRelu3_4MatchUntiled) {
  const auto spec = spec_of({"conv1_2", "relu3_2"}, {"relu1_1", "pool1", "relu2_1", "relu3_1", "relu3_4"}, 1e2f);
  for (const auto& [shape, side] : {std::pair{Shape{3, 93, 157}, 40u}, std::pair{Shape{3, 136, 200}, 72u}}) {
    SCOPED_TRACE(shape.str());
    expect_tiled_equals_untiled({&partial_weights(), spec, shape, side});
  }
}

// A synthetic network through relu5_1 (halo 96 px, alignment 16).
TEST_P(Tiled, SyntheticNetworkThroughRelu5_1MatchesUntiled) {
  static const vgg::WeightFile weights = synthetic_weights(13, 30);
  const auto spec = spec_of({"relu4_2"}, {"relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"}, 1e1f);
  expect_tiled_equals_untiled({&weights, spec, {3, 93, 157}, 64});
}

INSTANTIATE_TEST_SUITE_P(Pooling, Tiled, ::testing::Values(vgg::Pooling::max, vgg::Pooling::average),
                         [](const auto& info) { return info.param == vgg::Pooling::max ? "max" : "average"; });

// ---- the memory budget ----------------------------------------------------------------

class Budget : public KernelTest {};

TEST_F(Budget, UntiledWhereTheImageFitsTiledWhereItDoesNotRefusedBelowOneTile) {
  vgg::Network network(ctx(), partial_weights(), vgg::Pooling::max);
  const auto spec = spec_of({"relu3_2"}, {"relu1_1", "relu2_1", "relu3_1"}, 1e2f);
  const Shape image{3, 300, 400};
  const std::vector<Shape> styles{{3, 200, 250}};
  const uint64_t untiled = style::Objective::device_bytes(network, spec, image, {400, 300});
  const auto plan = [&](uint64_t available) {
    return style::plan_scale(network, spec, image, styles, style::OptimizerKind::lbfgs, 100, available);
  };
  const style::ScaleBudget roomy = plan(8 * untiled);
  EXPECT_EQ(roomy.tile_side, 0u);
  EXPECT_EQ(roomy.lbfgs_history, 100u);

  const uint64_t tight = untiled / 2;
  const style::ScaleBudget tiled = plan(tight);
  EXPECT_GT(tiled.tile_side, 0u);
  EXPECT_EQ(tiled.tile_side % style::tile_alignment(spec), 0u);
  EXPECT_LE(double(tiled.objective_bytes + tiled.optimizer_bytes), style::kUsableShare * double(tight));
  EXPECT_GE(tiled.lbfgs_history, style::kLeastHistory);
  // The next larger tile would not have fitted: the budget is used, not wasted.
  const auto window = style::largest_window(spec, image, styles, tiled.tile_side + style::tile_alignment(spec));
  EXPECT_GT(style::Objective::device_bytes(network, spec, image, window) + tiled.optimizer_bytes,
            uint64_t(style::kUsableShare * double(tight)) - 7 * image.count() * sizeof(float));

  try {
    plan(image.count() * sizeof(float) * 10);
    FAIL() << "expected a refusal";
  } catch (const vk::OutOfMemory& e) {
    EXPECT_NE(std::string(e.what()).find("smallest tile"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("400×300"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nst::test
