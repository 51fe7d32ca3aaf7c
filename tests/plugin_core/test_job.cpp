// plugin/core/job: the job itself, on the calling thread and on a worker thread (with
// cancellation), and its progress text. The runs use the synthetic weight file and tiny
// synthetic images (plugin_core_test.h).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "plugin/core/job.h"
#include "plugin/core/mapping.h"
#include "plugin/core/settings.h"
#include "plugin_core/plugin_core_test.h"
#include "style/run.h"
#include "support/kernel_test.h"

namespace nst::plugin {
namespace {

using test_support::contains;
using test_support::eventually;
using test_support::job_input;
using test_support::plugin_error;
using test_support::PluginEnvironment;
using test_support::WeightsAt;

TEST(ProgressText, StepsSizesAndTimeLeft) {
  style::Progress p;
  p.step = 37;
  p.steps = 260;
  p.scale = 2;
  p.scales = 3;
  p.remaining_s = 130;
  EXPECT_EQ(progress_text(p), "Step 37 of 260 (size 2 of 3), about 2 min 10 s left");
  p.scale = 1;
  p.scales = 1;
  p.remaining_s = 5;
  EXPECT_EQ(progress_text(p), "Step 37 of 260, about 5 s left");
  p.remaining_s = 60.4;
  EXPECT_EQ(progress_text(p), "Step 37 of 260, about 1 min 0 s left");
  p.tile = 5;
  p.tiles = 23;
  EXPECT_EQ(progress_text(p), "Step 37 of 260, tile 5 of 23, about 1 min 0 s left");
  EXPECT_DOUBLE_EQ(p.fraction(), (36 + 5.0 / 23) / 260);
}

uint32_t expected_steps(const JobInput& input) {
  const style::RunOptions run = run_options(input.settings, {input.content.width, input.content.height});
  return run.steps + *run.refine_steps * uint32_t(run.schedule.size() - 1);
}

void expect_valid_result(const JobResult& result, const JobInput& input) {
  EXPECT_EQ(result.image.width, input.content.width);
  EXPECT_EQ(result.image.height, input.content.height);
  ASSERT_EQ(result.image.rgb.size(), size_t{input.content.width} * input.content.height * 3);
  for (float v : result.image.rgb) ASSERT_TRUE(v >= 0.0f && v <= 1.0f) << v;
  EXPECT_EQ(result.image.alpha, input.content.alpha);
  EXPECT_EQ(result.optimised, (image::Size{input.content.width, input.content.height}));
  EXPECT_EQ(result.steps, expected_steps(input));
  EXPECT_FALSE(result.device.empty());
  EXPECT_GT(result.seconds, 0.0);
}

class Job : public test::KernelTest {};

TEST_F(Job, WeightsProblemIsNothingWithGoodWeights) { EXPECT_EQ(weights_problem(), std::nullopt); }

TEST_F(Job, WeightsProblemNamesTheFileAndTheInstallCommand) {
  const std::string missing = (PluginEnvironment::folder() / "missing.safetensors").string();
  const WeightsAt at(missing);
  const std::optional<std::string> problem = weights_problem();
  ASSERT_TRUE(problem.has_value());
  EXPECT_TRUE(contains(*problem, missing)) << *problem;
  EXPECT_TRUE(contains(*problem, "nst-fetch-weights")) << *problem;
}

TEST_F(Job, DevicesAreListed) {
  const std::vector<std::string> devices = device_descriptions();
  ASSERT_FALSE(devices.empty());
  EXPECT_EQ(devices.front().rfind("0: ", 0), 0u) << devices.front();
}

TEST_F(Job, StylisesWithCoarseToFineScalesAndCarriesTheAlpha) {
  JobInput input = job_input(40, 30, 3, /*with_alpha=*/true);
  input.settings.scales = 2;  // 21×16, then 40×30
  ASSERT_EQ(run_options(input.settings, {40, 30}).schedule.size(), 2u);
  std::vector<style::Progress> seen;
  const JobResult result =
      stylise_layer(input, [&](const style::Progress& p) { seen.push_back(p); }, style::CancelToken());
  expect_valid_result(result, input);
  EXPECT_EQ(result.steps, 6u);  // 3, then refine_steps(3) = 3
  ASSERT_EQ(seen.size(), size_t{result.steps});
  EXPECT_EQ(seen.back().step, result.steps);
  EXPECT_EQ(seen.back().scale, 2u);
  EXPECT_EQ(seen.back().scales, 2u);
  // The result is not the content handed back.
  EXPECT_NE(result.image.rgb, input.content.rgb);
}

// A striped style of one dominant colour.
Image tinted_style(float red, float blue) {
  Image image = test_support::style_image(30, 20);
  for (size_t i = 0; i < image.rgb.size(); i += 3) {
    const float stripe = image.rgb[i];
    image.rgb[i] = red;
    image.rgb[i + 1] = 0.1f + 0.2f * stripe;
    image.rgb[i + 2] = blue;
  }
  return image;
}

// The mean of red minus blue over the image.
double red_over_blue(const Image& image) {
  double sum = 0;
  for (size_t i = 0; i < image.rgb.size(); i += 3) sum += image.rgb[i] - image.rgb[i + 2];
  return sum / double(image.rgb.size() / 3);
}

TEST_F(Job, OneStyleTwiceAtAnyWeightsIsThatStyleAlone) {
  // The engine normalises the blend weights to sum 1.
  const JobInput alone = job_input(40, 30, 3);
  JobInput twice = alone;
  twice.styles = {{alone.styles[0].image, 1.0}, {alone.styles[0].image, 3.0}};
  const JobResult a = stylise_layer(alone, nullptr, style::CancelToken());
  const JobResult b = stylise_layer(twice, nullptr, style::CancelToken());
  expect_valid_result(b, twice);
  ASSERT_EQ(a.image.rgb.size(), b.image.rgb.size());
  for (size_t i = 0; i < a.image.rgb.size(); ++i) ASSERT_NEAR(a.image.rgb[i], b.image.rgb[i], 2e-3f) << i;
}

TEST_F(Job, TwoStylesMoveTheColoursTowardTheirMixByWeight) {
  JobInput input = job_input(40, 30, 10);
  const StyleInput red{tinted_style(0.9f, 0.1f), 1.0}, blue{tinted_style(0.1f, 0.9f), 1.0};
  const auto balance = [&](std::vector<StyleInput> styles) {
    input.styles = std::move(styles);
    return red_over_blue(stylise_layer(input, nullptr, style::CancelToken()).image);
  };
  const double red_only = balance({red}), blue_only = balance({blue});
  const double even = balance({red, blue});
  const double mostly_blue = balance({red, {blue.image, 4.0}});
  EXPECT_GT(red_only, even + 0.02);
  EXPECT_GT(even, mostly_blue + 0.02);
  EXPECT_GT(mostly_blue, blue_only);
}

TEST_F(Job, RefinesFromTheWorkingSizeUpToTheFullSize) {
  const JobInput input = job_input(80, 60, 3);  // working size 64: 64×48, then 80×60
  ASSERT_EQ(run_options(input.settings, {80, 60}).schedule,
            (std::vector<image::Size>{{64, 48}, {80, 60}}));
  const JobResult result = stylise_layer(input, nullptr, style::CancelToken());
  expect_valid_result(result, input);
  EXPECT_TRUE(result.image.alpha.empty());
  EXPECT_EQ(result.steps, 6u);
}

TEST_F(Job, InvalidSettingsAreRefusedBeforeAnyWork) {
  JobInput input = job_input(40, 30, 3);
  input.settings.working_size = 20;
  const std::string message = plugin_error([&] { stylise_layer(input, nullptr, style::CancelToken()); });
  EXPECT_TRUE(contains(message, "working-size")) << message;
}

TEST_F(Job, MissingWeightsNameTheFileAndTheInstallCommand) {
  const std::string missing = (PluginEnvironment::folder() / "nowhere" / "vgg19.safetensors").string();
  const WeightsAt at(missing);
  const std::string message =
      plugin_error([&] { stylise_layer(job_input(40, 30, 1), nullptr, style::CancelToken()); });
  EXPECT_TRUE(contains(message, "nst-fetch-weights")) << message;
  EXPECT_TRUE(contains(message, missing)) << message;
}

TEST_F(Job, LayersTheWeightFileLacksAreNamed) {
  JobInput input = job_input(40, 30, 1);
  input.settings.content_layers = "relu5_1";
  const std::string message = plugin_error([&] { stylise_layer(input, nullptr, style::CancelToken()); });
  EXPECT_TRUE(contains(message, "relu5_1")) << message;

  input.settings.content_layers = "";
  input.settings.style_layers = "relu1_1,relu3_1";
  const std::string style_message = plugin_error([&] { stylise_layer(input, nullptr, style::CancelToken()); });
  EXPECT_TRUE(contains(style_message, "relu3_1")) << style_message;
}

TEST_F(Job, CancelledBeforeTheFirstStepThrowsCancelled) {
  style::CancelToken cancel;
  cancel.cancel();
  EXPECT_THROW(stylise_layer(job_input(40, 30, 3), nullptr, cancel), style::Cancelled);
}

TEST_F(Job, BackgroundJobCancels) {
  BackgroundJob job(job_input(40, 30, 500));
  ASSERT_TRUE(eventually([&] { return job.progress().has_value() || job.done(); })) << "no step within 60 s";
  ASSERT_FALSE(job.done()) << "500 steps finished before the test could cancel them";
  EXPECT_FALSE(job.cancelled());
  job.cancel();
  EXPECT_TRUE(job.cancelled());
  ASSERT_TRUE(eventually([&] { return job.done(); })) << "the job did not stop within 60 s of cancelling";
  const auto progress = job.progress();
  ASSERT_TRUE(progress.has_value());
  EXPECT_LT(progress->step, 500u);
  EXPECT_EQ(progress->steps, 500u);
  EXPECT_THROW(job.result(), style::Cancelled);
}

TEST_F(Job, BackgroundJobFinishes) {
  const JobInput input = job_input(40, 30, 2, /*with_alpha=*/true);
  BackgroundJob job(input);
  ASSERT_TRUE(eventually([&] { return job.done(); })) << "2 steps took over 60 s";
  const auto progress = job.progress();
  ASSERT_TRUE(progress.has_value());
  EXPECT_EQ(progress->step, 2u);
  const JobResult result = job.result();
  expect_valid_result(result, input);
}

TEST_F(Job, BackgroundJobReportsFailures) {
  JobInput input = job_input(40, 30, 2);
  input.settings.optimizer = "sgd";
  BackgroundJob job(input);
  ASSERT_TRUE(eventually([&] { return job.done(); }));
  EXPECT_FALSE(job.progress().has_value());
  EXPECT_THROW(job.result(), PluginError);
}

TEST_F(Job, DestroyingARunningJobCancelsIt) {
  const auto start = std::chrono::steady_clock::now();
  {
    BackgroundJob job(job_input(40, 30, 10000));
    ASSERT_TRUE(eventually([&] { return job.progress().has_value(); }));
  }
  // 10000 steps would take far longer than the minute this allows.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(60));
}

TEST_F(Job, WaitForTicksUntilTheJobIsDone) {
  const JobInput input = job_input(40, 30, 2);
  BackgroundJob job(input);
  int ticks = 0;
  bool done_seen_in_tick = false;
  wait_for(job, [&](BackgroundJob& j) {
    EXPECT_EQ(&j, &job);
    ++ticks;
    done_seen_in_tick = j.done();
  });
  EXPECT_TRUE(job.done());
  EXPECT_GE(ticks, 1);
  EXPECT_TRUE(done_seen_in_tick);  // the last tick saw the job done
  expect_valid_result(job.result(), input);
}

TEST_F(Job, WaitForRethrowsWhatTheTickThrowsAfterTheJobEnds) {
  BackgroundJob job(job_input(40, 30, 500));
  EXPECT_THROW(wait_for(job, [](BackgroundJob&) { throw std::runtime_error("tick failed"); }), std::runtime_error);
  EXPECT_TRUE(job.done());
  EXPECT_THROW(job.result(), style::Cancelled);  // the failing tick cancelled it
}

TEST_F(Job, WaitForLetsTheTickCancel) {
  BackgroundJob job(job_input(40, 30, 500));
  int ticks = 0;
  wait_for(job, [&](BackgroundJob& j) {
    ++ticks;
    if (j.progress().has_value()) j.cancel();
  });
  EXPECT_TRUE(job.done());
  EXPECT_GE(ticks, 1);
  EXPECT_THROW(job.result(), style::Cancelled);
}

}  // namespace
}  // namespace nst::plugin
