// plugin/core/settings: how the friendly controls map onto the engine (style weight,
// refinement steps, the objective, the run options, pooling).
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "plugin/core/mapping.h"
#include "plugin/core/settings.h"
#include "plugin_core/plugin_core_test.h"
#include "style/objective.h"
#include "style/run.h"
#include "vgg/weights.h"

namespace nst::plugin {
namespace {

using test_support::synthetic_weights;

TEST(Strength, EachQuarterOfTheSliderIsTenTimesTheStyle) {
  const std::pair<double, double> cases[] = {{0, 1e2}, {25, 1e3}, {50, 1e4}, {75, 1e5}, {100, 1e6}};
  for (const auto& [strength, beta] : cases) {
    EXPECT_NEAR(style_weight_for_strength(strength) / beta, 1.0, 1e-12) << "strength " << strength;
  }
}

TEST(RefineSteps, AQuarterOfTheStepsAtLeastTenButNeverMoreThanTheSteps) {
  EXPECT_EQ(refine_steps(200), 50u);
  EXPECT_EQ(refine_steps(4), 4u);
  EXPECT_EQ(refine_steps(20), 10u);
  EXPECT_EQ(refine_steps(40), 10u);
  EXPECT_EQ(refine_steps(41), 11u);  // ceil(41 / 4)
  EXPECT_EQ(refine_steps(1), 1u);
  EXPECT_EQ(refine_steps(10), 10u);
}

// ---------------------------------------------------------------------------------------
// The engine's objective and options.

TEST(ObjectiveSpec, EmptyLayerListsTakeTheWeightFilesDefaults) {
  const vgg::WeightFile weights = synthetic_weights();
  const vgg::DefaultLayers defaults = vgg::default_layers(weights);
  ASSERT_EQ(defaults.content, std::vector<std::string>{"relu2_2"});
  Settings s;
  s.strength = 75;
  s.tv_weight = 2.5;
  const style::ObjectiveSpec spec = objective_spec(s, weights);
  EXPECT_EQ(spec.content_layers, defaults.content);
  ASSERT_EQ(spec.style_layers.size(), defaults.style.size());
  for (size_t i = 0; i < spec.style_layers.size(); ++i) {
    EXPECT_EQ(spec.style_layers[i].layer, defaults.style[i]);
    EXPECT_FLOAT_EQ(spec.style_layers[i].weight, 1.0f / float(defaults.style.size()));
  }
  EXPECT_EQ(spec.content_weight, 1.0f);
  EXPECT_FLOAT_EQ(spec.style_weight, float(style_weight_for_strength(75)));
  EXPECT_EQ(spec.style_weight_reference_pixels, style::kStyleWeightReferencePixels);
  EXPECT_EQ(spec.style_weight_reference_pixels, 65536.0);
  EXPECT_FLOAT_EQ(spec.tv_weight, 2.5f);
}

TEST(ObjectiveSpec, GivenLayerListsAreUsed) {
  const vgg::WeightFile weights = synthetic_weights();
  Settings s;
  s.content_layers = "relu1_2,relu2_1";
  s.style_layers = "relu1_1:0.25,relu2_1";
  const style::ObjectiveSpec spec = objective_spec(s, weights);
  EXPECT_EQ(spec.content_layers, (std::vector<std::string>{"relu1_2", "relu2_1"}));
  ASSERT_EQ(spec.style_layers.size(), 2u);
  EXPECT_EQ(spec.style_layers[0].layer, "relu1_1");
  EXPECT_FLOAT_EQ(spec.style_layers[0].weight, 0.25f);
  EXPECT_EQ(spec.style_layers[1].layer, "relu2_1");
  EXPECT_FLOAT_EQ(spec.style_layers[1].weight, 0.75f);
  EXPECT_FLOAT_EQ(spec.style_weight, 1e4f);  // the default strength, 50
}

TEST(RunOptions, MapTheSettingsOntoTheEngine) {
  Settings s;
  s.steps = 40;
  s.working_size = 100;
  s.scales = 2;
  s.optimizer = "adam";
  s.init = "noise";
  s.seed = 7;
  s.preserve_colors = true;
  s.memory_limit = 1500;
  const image::Size full{300, 200};
  const style::RunOptions run = run_options(s, full);
  EXPECT_EQ(run.steps, 40u);
  ASSERT_TRUE(run.refine_steps.has_value());
  EXPECT_EQ(*run.refine_steps, refine_steps(40));
  EXPECT_EQ(run.schedule, style::working_size_schedule(full, 100, 2));
  EXPECT_EQ(run.schedule.back(), full);
  EXPECT_GT(run.schedule.size(), 2u);  // two scales up to 100 px, then refined to 300
  EXPECT_TRUE(run.refine_within_memory);
  EXPECT_EQ(run.optimizer, style::OptimizerKind::adam);
  EXPECT_EQ(run.init, style::Init::noise);
  EXPECT_EQ(run.seed, 7u);
  EXPECT_TRUE(run.preserve_colors);
  EXPECT_EQ(run.memory_limit_bytes, 1500ull << 20);
  EXPECT_FALSE(run.measure_losses);

  const style::RunOptions defaults = run_options(Settings{}, full);
  EXPECT_EQ(defaults.memory_limit_bytes, 0u);
  EXPECT_EQ(defaults.optimizer, style::OptimizerKind::lbfgs);
  EXPECT_EQ(defaults.init, style::Init::content);
  EXPECT_FALSE(defaults.preserve_colors);
  EXPECT_EQ(defaults.schedule, (std::vector<image::Size>{full}));  // 512 px working size: no refinement
}

TEST(Pooling, FollowsTheSetting) {
  Settings s;
  EXPECT_EQ(pooling(s), vgg::Pooling::max);
  s.pooling = "avg";
  EXPECT_EQ(pooling(s), vgg::Pooling::average);
}

}  // namespace
}  // namespace nst::plugin
