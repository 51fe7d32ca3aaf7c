// plugin/core/preview: the step-time model and the run's estimate (on made-up step
// times), the scheduler (on a fake clock with fake runs: debounce, restart on change, one
// run at a time, off, close), and one real preview run on the synthetic weights.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plugin/core/mapping.h"
#include "plugin/core/preview.h"
#include "plugin_core/plugin_core_test.h"
#include "style/run.h"
#include "support/kernel_test.h"

namespace nst::plugin {
namespace {

using test_support::eventually;
using test_support::job_input;

style::Progress step_report(uint32_t scale, image::Size size, double elapsed_s) {
  style::Progress p;
  p.scale = scale;
  p.size = size;
  p.elapsed_s = elapsed_s;
  return p;
}

// 10×10 px: 0.5 s per step after the first; 20×20 px: 1.5 s.
StepTimeModel two_scales() {
  StepTimeModel model;
  for (double t : {1.0, 1.5, 2.0, 2.5}) model.record(step_report(1, {10, 10}, t));
  for (double t : {4.0, 5.5, 7.0}) model.record(step_report(2, {20, 20}, t));
  return model;
}

TEST(StepTimeModel, FitsAFixedAndAPerPixelCostThroughTwoSizes) {
  const StepTimeModel model = two_scales();
  ASSERT_TRUE(model.ready());
  // per pixel (1.5 − 0.5) / 300, fixed 1.5 − 400 × that
  const double per_pixel = 1.0 / 300, fixed = 1.5 - 400 * per_pixel;
  EXPECT_NEAR(model.seconds_per_step(100), 0.5, 1e-12);
  EXPECT_NEAR(model.seconds_per_step(400), 1.5, 1e-12);
  EXPECT_NEAR(model.seconds_per_step(1e6), fixed + 1e6 * per_pixel, 1e-9);
}

TEST(StepTimeModel, IsProportionalWithOneSizeAndIgnoresEachScalesFirstStepAndTiles) {
  StepTimeModel model;
  model.record(step_report(1, {10, 10}, 9.0));  // the first step: targets and all
  EXPECT_FALSE(model.ready());
  style::Progress tile = step_report(1, {10, 10}, 50.0);
  tile.tile = 1;
  tile.tiles = 4;
  model.record(tile);
  EXPECT_FALSE(model.ready());
  model.record(step_report(1, {10, 10}, 9.5));
  model.record(step_report(1, {10, 10}, 10.5));
  ASSERT_TRUE(model.ready());
  EXPECT_NEAR(model.seconds_per_step(100), 0.75, 1e-12);
  EXPECT_NEAR(model.seconds_per_step(1000), 7.5, 1e-12);
}

TEST(RunEstimate, AddsEachSizesStepsAndTargetsFromTheModel) {
  StepTimeModel model;  // 1 s per step at 100 × 100 px, proportional
  for (double t : {1.0, 2.0, 3.0}) model.record(step_report(1, {100, 100}, t));
  Settings settings;  // 200 steps at 512 px, then the full size
  const image::Size full{1000, 750};
  const RunEstimate estimate = estimate_run(settings, full, model);
  const style::RunOptions run = run_options(settings, full);
  ASSERT_EQ(run.schedule.size(), 2u);
  EXPECT_EQ(estimate.sizes, 2u);
  EXPECT_EQ(estimate.steps, 250u);  // the "Step 2 of 250 (size 1 of 2)"
  const double working = double(run.schedule[0].width) * run.schedule[0].height;
  EXPECT_NEAR(estimate.seconds, 201 * working / 1e4 + 51 * 750000 / 1e4, 1e-6);
}

TEST(RunEstimate, ReadsAsAUserWouldSayIt) {
  EXPECT_EQ(estimate_text({180, 2, 250}, "llvmpipe (LLVM 15.0.6, 256 bits)"),
            "About 3 min on llvmpipe (2 sizes, 250 steps)");
  EXPECT_EQ(estimate_text({41, 1, 200}, ""), "About 40 s (1 size, 200 steps)");
  EXPECT_EQ(estimate_text({1, 1, 1}, "GPU"), "About 5 s on GPU (1 size, 1 step)");
  EXPECT_EQ(estimate_text({4800, 3, 300}, "x"), "About 1 h 20 min on x (3 sizes, 300 steps)");
  EXPECT_EQ(estimate_text({7190, 3, 300}, "x"), "About 2 h on x (3 sizes, 300 steps)");
}

// A run the test finishes by hand; what the scheduler did to it stays in `Log`.
struct Log {
  std::vector<PreviewChoice> started;
  int cancelled = 0;
  int alive = 0;
};

class FakeWork final : public PreviewWork {
 public:
  FakeWork(Log& log, const PreviewChoice& choice) : log_(log) {
    log_.started.push_back(choice);
    ++log_.alive;
  }
  ~FakeWork() override { --log_.alive; }
  bool done() const override { return done_; }
  void cancel() override {
    if (!cancelled_) ++log_.cancelled;
    cancelled_ = true;
  }
  std::optional<Image> take_picture() override { return std::exchange(picture_, std::nullopt); }
  std::optional<style::Progress> progress() const override { return progress_; }
  StepTimeModel step_times() const override { return times_; }
  std::string device() const override { return "fake device"; }
  std::string error() const override { return error_; }

  Log& log_;
  bool done_ = false, cancelled_ = false;
  std::optional<Image> picture_;
  std::optional<style::Progress> progress_;
  StepTimeModel times_;
  std::string error_;
};

class Scheduler : public ::testing::Test {
 protected:
  PreviewChoice choice(double strength) {
    PreviewChoice c;
    c.settings.strength = strength;
    c.styles = {7, kNoLayer, kNoLayer};
    return c;
  }
  FakeWork& last() { return *runs_.back(); }

  Log log_;
  std::vector<FakeWork*> runs_;  // owned by the scheduler
  PreviewScheduler scheduler_{[this](const PreviewChoice& c) {
                                auto work = std::make_unique<FakeWork>(log_, c);
                                runs_.push_back(work.get());
                                return work;
                              },
                              0.5};
};

TEST_F(Scheduler, StartsAtOnceThenShowsPicturesAndTheFinishedRun) {
  scheduler_.update(choice(50), true, 0.0);
  ASSERT_EQ(log_.started.size(), 1u);
  EXPECT_EQ(scheduler_.status(), "Preview: starting…");
  last().picture_ = Image{2, 1, {0, 0, 0, 1, 1, 1}, {}};
  style::Progress p;
  p.step = 3;
  p.steps = 50;
  p.elapsed_s = 4.4;
  last().progress_ = p;
  scheduler_.update(choice(50), true, 0.1);
  EXPECT_EQ(scheduler_.status(), "Preview: step 3 of 50");
  const std::optional<Image> picture = scheduler_.take_picture();
  ASSERT_TRUE(picture);
  EXPECT_EQ(picture->width, 2u);
  EXPECT_FALSE(scheduler_.take_picture());  // taken once
  EXPECT_EQ(scheduler_.device(), "fake device");
  p.step = 50;
  p.elapsed_s = 24.4;
  last().progress_ = p;
  last().done_ = true;
  scheduler_.update(choice(50), true, 0.2);
  EXPECT_EQ(scheduler_.status(), "Preview: 50 steps in 24 s");
  EXPECT_FALSE(scheduler_.running());
  EXPECT_EQ(log_.alive, 0);  // the finished run is released
  scheduler_.update(choice(50), true, 5.0);
  EXPECT_EQ(log_.started.size(), 1u);  // the same choice is not computed again
}

TEST_F(Scheduler, DraggingASliderStartsOneRunWithTheLastValueAfterTheOldOneEnds) {
  scheduler_.update(choice(50), true, 0.0);
  ASSERT_EQ(log_.started.size(), 1u);
  FakeWork& first = last();
  for (int i = 1; i <= 10; ++i) scheduler_.update(choice(50 + i), true, 0.1 * i);  // one per 100 ms
  EXPECT_EQ(log_.cancelled, 1);
  EXPECT_TRUE(first.cancelled_);
  EXPECT_EQ(log_.started.size(), 1u);
  EXPECT_EQ(scheduler_.status(), "Preview: restarting…");
  scheduler_.update(choice(60), true, 1.7);  // settled 0.7 s, but the old run still runs its step
  EXPECT_EQ(log_.started.size(), 1u);
  first.done_ = true;
  scheduler_.update(choice(60), true, 1.8);
  ASSERT_EQ(log_.started.size(), 2u);
  EXPECT_EQ(log_.started.back().settings.strength, 60);
  EXPECT_EQ(log_.alive, 1);  // the old one released, the new one running
}

TEST_F(Scheduler, WaitsForTheDebounceTimeAfterTheLastChange) {
  scheduler_.update(choice(50), true, 0.0);
  last().done_ = true;
  scheduler_.update(choice(50), true, 1.0);
  scheduler_.update(choice(70), true, 2.0);
  scheduler_.update(choice(70), true, 2.4);
  EXPECT_EQ(log_.started.size(), 1u);
  EXPECT_EQ(scheduler_.status(), "Preview: waiting for the settings to settle…");
  scheduler_.update(choice(70), true, 2.5);
  EXPECT_EQ(log_.started.size(), 2u);
}

TEST_F(Scheduler, TurningItOffStopsTheRunAndOnAgainRecomputes) {
  scheduler_.update(choice(50), true, 0.0);
  scheduler_.update(choice(50), false, 0.1);
  EXPECT_TRUE(last().cancelled_);
  EXPECT_FALSE(scheduler_.running());
  EXPECT_EQ(scheduler_.status(), "Preview off");
  last().done_ = true;
  scheduler_.update(choice(50), false, 5.0);
  EXPECT_EQ(log_.started.size(), 1u);
  scheduler_.update(choice(50), true, 5.1);
  EXPECT_EQ(log_.started.size(), 2u);
}

TEST_F(Scheduler, FailuresAreShown) {
  scheduler_.update(choice(50), true, 0.0);
  last().error_ = "Steps must be between 1 and 10000";
  last().done_ = true;
  scheduler_.update(choice(50), true, 0.1);
  EXPECT_EQ(scheduler_.status(), "No preview: Steps must be between 1 and 10000");
}

TEST_F(Scheduler, ClosingStopsEveryRunAndNothingStartsAfter) {
  scheduler_.update(choice(50), true, 0.0);
  scheduler_.update(choice(60), true, 0.1);  // the first stopping
  scheduler_.close();
  EXPECT_EQ(log_.alive, 0);
  EXPECT_EQ(log_.cancelled, 1);
  scheduler_.update(choice(70), true, 10.0);
  EXPECT_EQ(log_.started.size(), 1u);
  EXPECT_EQ(log_.alive, 0);
}

TEST_F(Scheduler, ChangingTheDeviceForgetsTheMeasuredStepTimes) {
  scheduler_.update(choice(50), true, 0.0);
  last().times_ = two_scales();
  scheduler_.update(choice(50), true, 0.1);
  EXPECT_TRUE(scheduler_.step_times().ready());
  PreviewChoice other = choice(50);
  other.settings.device = "1";
  scheduler_.update(other, true, 0.2);
  EXPECT_FALSE(scheduler_.step_times().ready());
  EXPECT_EQ(scheduler_.device(), "");
}

TEST(PreviewArea, TheSelectionsBoundsWithTheirPixelsAndZoom) {
  const JobInput layer = job_input(9, 7, 1, /*with_alpha=*/true);
  const PreviewArea whole = preview_area(layer.content, std::nullopt);
  EXPECT_EQ(whole.image.rgb, layer.content.rgb);
  EXPECT_EQ(whole.zoom, 1.0);

  const PreviewArea part = preview_area(layer.content, Region{2, 3, 3, 4});  // x 2…4, y 3…6
  ASSERT_EQ(image::size_of(part.image), (image::Size{3, 4}));
  for (uint32_t y = 0; y < 4; ++y) {
    for (uint32_t x = 0; x < 3; ++x) {
      const size_t from = size_t(3 + y) * 9 + 2 + x, to = size_t(y) * 3 + x;
      for (int c = 0; c < 3; ++c) ASSERT_EQ(part.image.rgb[3 * to + c], layer.content.rgb[3 * from + c]) << x << "," << y;
      ASSERT_EQ(part.image.alpha[to], layer.content.alpha[from]) << x << "," << y;
    }
  }
  EXPECT_DOUBLE_EQ(part.zoom, 9.0 / 4);
  EXPECT_THROW(preview_area(layer.content, Region{7, 0, 3, 2}), std::invalid_argument);  // past the right edge
  EXPECT_EQ(preview_area(layer.content, Region{0, 0, 0, 0}).zoom, 1.0);  // empty: the whole layer
}

TEST(PreviewInput, AZoomedAreaGrowsTheStyleScaleUpToItsMaximum) {
  const JobInput layer = job_input(60, 40, 10);
  Settings settings = layer.settings;
  settings.style_scale = 0.5;
  EXPECT_DOUBLE_EQ(preview_input(layer.content, layer.styles, settings, 3.0).settings.style_scale, 1.5);
  EXPECT_DOUBLE_EQ(preview_input(layer.content, layer.styles, settings, 20.0).settings.style_scale,
                   parameter("style-scale").max);
  EXPECT_DOUBLE_EQ(preview_input(layer.content, layer.styles, settings).settings.style_scale, 0.5);
}

TEST(PreviewInput, ShrinksTheLayersAndShortensTheRun) {
  const JobInput layer = job_input(600, 400, 200, /*with_alpha=*/true);
  Settings settings = layer.settings;
  settings.scales = 3;
  settings.memory_limit = 64;
  const JobInput input = preview_input(layer.content, layer.styles, settings);
  EXPECT_EQ(image::size_of(input.content), (image::Size{kPreviewLongestSide, 128}));
  EXPECT_TRUE(input.content.alpha.empty());
  ASSERT_EQ(input.styles.size(), 1u);
  EXPECT_EQ(image::size_of(input.styles[0].image), image::size_of(layer.styles[0].image));  // small already
  EXPECT_EQ(input.settings.steps, kPreviewSteps);
  EXPECT_EQ(input.settings.scales, 2);
  EXPECT_EQ(input.settings.memory_limit, 0);
  EXPECT_EQ(input.settings.strength, settings.strength);
  const style::RunOptions run = run_options(input.settings, image::size_of(input.content));
  EXPECT_EQ(run.schedule, (std::vector<image::Size>{{96, 64}, {192, 128}}));
  settings.steps = 5;
  EXPECT_EQ(preview_input(layer.content, layer.styles, settings).settings.steps, 5);
  // Each style of a blend shrunk to what the largest style scale needs, with its weight.
  const std::vector<StyleInput> blend = {layer.styles[0], {test_support::style_image(2000, 1000), 0.5}};
  const JobInput blended = preview_input(layer.content, blend, settings);
  ASSERT_EQ(blended.styles.size(), 2u);
  const auto largest = static_cast<uint32_t>(kPreviewLongestSide * parameter("style-scale").max);
  EXPECT_EQ(image::size_of(blended.styles[1].image), (image::Size{largest, largest / 2}));
  EXPECT_EQ(blended.styles[1].weight, 0.5);
}

class PreviewRun : public test::KernelTest {};

// The real thing on the synthetic weights: pictures at the coarse size while it runs,
// the result at the preview size at the end, step times and the device known.
TEST_F(PreviewRun, ShowsPicturesAsItGoesAndMeasuresTheSteps) {
  const JobInput layer = job_input(90, 60, 6);
  std::unique_ptr<PreviewWork> work = start_preview_job(preview_input(layer.content, layer.styles, layer.settings));
  std::vector<Image> pictures;
  ASSERT_TRUE(eventually([&] {
    if (auto picture = work->take_picture()) pictures.push_back(*picture);
    return work->done();
  })) << "a preview of 6 + 6 steps at 90×60 took over 60 s";
  if (auto picture = work->take_picture()) pictures.push_back(*picture);
  EXPECT_EQ(work->error(), "");
  EXPECT_FALSE(work->device().empty());
  ASSERT_GE(pictures.size(), 2u);
  EXPECT_EQ(image::size_of(pictures.front()), (image::Size{45, 30}));  // the first coarse step's
  EXPECT_EQ(image::size_of(pictures.back()), (image::Size{90, 60}));
  EXPECT_EQ(pictures.back().rgb.size(), size_t{90} * 60 * 3);
  EXPECT_NE(pictures.back().rgb, layer.content.rgb);
  EXPECT_TRUE(work->step_times().ready());
  EXPECT_GT(work->step_times().seconds_per_step(90 * 60), 0.0);
  ASSERT_TRUE(work->progress());
  EXPECT_EQ(work->progress()->step, 12u);  // 6 coarse, 6 refining (refine_steps(6))
}

TEST_F(PreviewRun, CancellingEndsItWithoutAnError) {
  const JobInput layer = job_input(90, 60, 10000);
  std::unique_ptr<PreviewWork> work = start_preview_job(preview_input(layer.content, layer.styles, layer.settings));
  ASSERT_TRUE(eventually([&] { return work->progress().has_value(); }));
  work->cancel();
  ASSERT_TRUE(eventually([&] { return work->done(); }));
  work->take_picture();
  EXPECT_EQ(work->error(), "");
}

}  // namespace
}  // namespace nst::plugin
