// style::stylise, the run loop every front end calls: it lowers the objective, moves the
// image's Gram statistics towards the style's, is deterministic, reports every step and
// stops when cancelled. A synthetic network (VGG-19's first blocks, random weights) and
// synthetic images keep it small.
#include "style/run.h"

#include <cmath>

#include "support/kernel_test.h"
#include "vgg/layers.h"

namespace nst::test {
namespace {

vgg::WeightFile synthetic_weights() {
  vgg::WeightFile file;
  for (size_t i = 0; i < 4; ++i) {  // conv1_1 … conv2_2
    const auto& spec = vgg::kConvolutions[i];
    const float bound = std::sqrt(6.0f / (9.0f * spec.cin));
    file.layers.push_back({spec.name, {spec.cin, spec.cout, random_values(size_t{9} * spec.cin * spec.cout, 80 + i, -bound, bound),
                                       random_values(spec.cout, 90 + i, -0.1f, 0.1f)}});
  }
  return file;
}

// A smooth photo-like content and a striped, differently coloured style.
style::RgbImage content_image(uint32_t w, uint32_t h) {
  style::RgbImage image{w, h, {}};
  for (uint32_t y = 0; y < h; ++y)
    for (uint32_t x = 0; x < w; ++x) image.rgb.insert(image.rgb.end(), {x / float(w), y / float(h), 0.5f});
  return image;
}

style::RgbImage style_image(uint32_t w, uint32_t h) {
  style::RgbImage image{w, h, {}};
  for (uint32_t y = 0; y < h; ++y)
    for (uint32_t x = 0; x < w; ++x) {
      const float stripe = (x + y) % 6 < 3 ? 0.9f : 0.1f;
      image.rgb.insert(image.rgb.end(), {stripe, 0.2f, 1.0f - stripe});
    }
  return image;
}

style::Request request(style::OptimizerKind optimizer, uint32_t steps) {
  style::Request r;
  r.content = content_image(24, 20);
  r.styles = {{style_image(30, 18), 1.0f}};
  r.objective.content_layers = {"relu2_2"};
  r.objective.style_layers = style::equal_weights({"relu1_1", "relu2_1"});
  r.objective.style_weight = 1e3f;
  r.options.steps = steps;
  r.options.optimizer = optimizer;
  return r;
}

class Run : public KernelTest {
 protected:
  vgg::WeightFile weights_ = synthetic_weights();
};

TEST_F(Run, LbfgsLowersTheObjectiveAndTheStyleDistance) {
  vgg::Network network(ctx(), weights_, vgg::Pooling::max);
  std::vector<style::Progress> seen;
  const auto result = style::stylise(network, request(style::OptimizerKind::lbfgs, 20),
                                     [&](const style::Progress& p) { seen.push_back(p); }, style::CancelToken());
  ASSERT_EQ(seen.size(), 20u);
  EXPECT_EQ(seen.back().step, 20u);
  EXPECT_EQ(seen.back().remaining_s, 0.0);
  // Starting from the content: no content loss, all style. 20 steps cut it 5-fold at least
  // (measured: see the README), and the style term (the Gram distance) falls with it.
  EXPECT_EQ(result.start.content, 0.0);
  EXPECT_LT(result.end.total, result.start.total / 5);
  EXPECT_LT(result.end.style, result.start.style / 5);
  EXPECT_EQ(result.image.width, 24u);
  EXPECT_EQ(result.image.height, 20u);
  for (float v : result.image.rgb) ASSERT_TRUE(v >= 0.0f && v <= 1.0f);
}

TEST_F(Run, AdamLowersTheObjective) {
  vgg::Network network(ctx(), weights_, vgg::Pooling::average);
  const auto result = style::stylise(network, request(style::OptimizerKind::adam, 20), nullptr, style::CancelToken());
  EXPECT_LT(result.end.total, result.start.total / 2);
}

TEST_F(Run, SameRequestGivesIdenticalBits) {
  vgg::Network network(ctx(), weights_, vgg::Pooling::max);
  auto r = request(style::OptimizerKind::lbfgs, 6);
  r.options.init = style::Init::noise;
  r.options.seed = 5;
  const auto first = style::stylise(network, r, nullptr, style::CancelToken());
  const auto second = style::stylise(network, r, nullptr, style::CancelToken());
  EXPECT_EQ(first.image.rgb, second.image.rgb);
  r.options.seed = 6;
  const auto other = style::stylise(network, r, nullptr, style::CancelToken());
  EXPECT_NE(first.image.rgb, other.image.rgb);
}

TEST_F(Run, CancellationStopsWithinOneStepAndReturnsNothing) {
  vgg::Network network(ctx(), weights_, vgg::Pooling::max);
  style::CancelToken cancel;
  uint32_t last_step = 0;
  EXPECT_THROW(style::stylise(network, request(style::OptimizerKind::lbfgs, 50),
                              [&](const style::Progress& p) {
                                last_step = p.step;
                                if (p.step == 3) cancel.cancel();
                              },
                              cancel),
               style::Cancelled);
  EXPECT_EQ(last_step, 3u);
}

TEST_F(Run, InconsistentInitialImageIsRefused) {
  vgg::Network network(ctx(), weights_, vgg::Pooling::max);
  auto r = request(style::OptimizerKind::lbfgs, 2);
  r.options.init = style::Init::image;
  r.options.init_image = content_image(10, 10);
  EXPECT_THROW(style::stylise(network, r, nullptr, style::CancelToken()), std::invalid_argument);
}

}  // namespace
}  // namespace nst::test
