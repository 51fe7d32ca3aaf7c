// Failures made to happen on purpose (vk::InjectedFaults) at every point of a small
// stylise, and cancellation at every step: each must end in a clean error of its own kind
// (never a crash, a hang or a half-made result), and under .ci/sanitize in no leak. A
// synthetic network (VGG-19's first two convolutions) keeps each run well under a second.
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>

#include "style/run.h"
#include "support/kernel_test.h"
#include "support/synthetic_weights.h"
#include "vk/error.h"

namespace nst::test {
namespace {

image::Image flat_image(uint32_t w, uint32_t h, float red) {
  image::Image image{w, h, {}, {}};
  for (uint32_t y = 0; y < h; ++y)
    for (uint32_t x = 0; x < w; ++x) image.rgb.insert(image.rgb.end(), {red, (x + y) % 3 / 3.0f, 0.5f});
  return image;
}

// Two scales of two steps: the coarse scale, the enlargement, the refinement.
style::Request small_request() {
  style::Request r;
  r.content = flat_image(40, 32, 0.8f);
  r.styles = {{flat_image(24, 20, 0.1f), 1.0f}};
  r.objective.content_layers = {"relu1_2"};
  r.objective.style_layers = style::equal_weights({"relu1_1", "relu1_2"});
  r.options.steps = 2;
  r.options.scales = 2;
  return r;
}

const vgg::WeightFile& weights() {
  static const vgg::WeightFile file = synthetic_weights(2, 7, 0.1f);
  return file;
}

// One whole run on a context of its own with `faults`: the result, or the error it ended in.
struct Outcome {
  std::optional<style::Result> result;
  std::optional<vk::Error> error;
};

Outcome run_with(const vk::InjectedFaults& faults, const style::Request& request) {
  vk::ContextOptions options;
  options.faults = faults;
  try {
    vk::Context context(options);
    vgg::Network network(context, weights(), vgg::Pooling::max);
    return {style::stylise(network, request, nullptr, style::CancelToken()), std::nullopt};
  } catch (const vk::Error& e) {
    return {std::nullopt, e};
  }
}

bool finite_in_range(const image::Image& image) {
  for (float v : image.rgb) {
    if (!(v >= 0.0f && v <= 1.0f)) return false;
  }
  return true;
}

// Runs with fault k = 1, 2, … at `field` of InjectedFaults: `check_error` sees each error a
// fault ended a run in; a run that completes goes to `last`, which says whether the fault
// came after the run's last allocation or submission (the loop then ends). Returns how
// many runs the fault ended.
uint64_t run_with_every_fault(uint64_t vk::InjectedFaults::*field, const std::function<void(const vk::Error&)>& check_error,
                              const std::function<bool(const style::Result&)>& last) {
  const style::Request request = small_request();
  uint64_t errors = 0;
  for (uint64_t k = 1; k < 2000; ++k) {
    SCOPED_TRACE("fault at " + std::to_string(k));
    vk::InjectedFaults faults;
    faults.*field = k;
    const Outcome outcome = run_with(faults, request);
    if (outcome.error) {
      ++errors;
      check_error(*outcome.error);
    } else if (last(*outcome.result)) {
      return errors;
    }
  }
  ADD_FAILURE() << "the run never stopped meeting its fault";
  return errors;
}

TEST(Faults, EveryFailingAllocationEndsInOutOfMemoryOrAWholeImage) {
  const uint64_t errors = run_with_every_fault(
      &vk::InjectedFaults::failing_allocation,
      [](const vk::Error& error) {
        EXPECT_EQ(error.result(), VK_ERROR_OUT_OF_DEVICE_MEMORY);
        EXPECT_NE(std::string(error.what()).find("fails on purpose"), std::string::npos) << error.what();
      },
      [](const style::Result& result) {
        // Where the refinement met it, the run falls back to enlarging the coarse result (a
        // documented path): still the whole image, in range.
        EXPECT_EQ(result.image.rgb.size(), size_t{40} * 32 * 3);
        EXPECT_TRUE(finite_in_range(result.image));
        return result.optimised.width == 40;
      });
  RecordProperty("runs_ended_by_the_fault", std::to_string(errors));
  EXPECT_GT(errors, 10u) << "the run allocates more than this: the loop must have met them";
}

TEST(Faults, ALostDeviceAtEverySubmissionEndsInADeviceLostError) {
  const uint64_t errors = run_with_every_fault(
      &vk::InjectedFaults::lost_submission,
      [](const vk::Error& error) {
        EXPECT_EQ(error.result(), VK_ERROR_DEVICE_LOST);
        EXPECT_NE(std::string(error.what()).find("VK_ERROR_DEVICE_LOST"), std::string::npos) << error.what();
      },
      [](const style::Result& result) {
        EXPECT_EQ(result.optimised.width, 40u) << "a lost device is no reason to fall back";
        return true;
      });
  RecordProperty("runs_ended_by_the_fault", std::to_string(errors));
  EXPECT_GT(errors, 4u);
}

TEST(Faults, CancellingAtEveryStepStopsThereWithNothingOrTheWholeImageSoFar) {
  vk::Context context;
  vgg::Network network(context, weights(), vgg::Pooling::max);
  for (bool partial : {false, true}) {
    for (uint32_t at = 1; at <= 4; ++at) {
      SCOPED_TRACE("cancelled at step " + std::to_string(at) + (partial ? ", image so far asked for" : ""));
      style::Request request = small_request();
      request.options.partial_on_cancel = partial;
      style::CancelToken cancel;
      uint32_t last_step = 0;
      const auto progress = [&](const style::Progress& p) {
        last_step = p.step;
        if (p.step == at) cancel.cancel();
      };
      if (!partial) {
        EXPECT_THROW(style::stylise(network, request, progress, cancel), style::Cancelled);
      } else {
        const style::Result result = style::stylise(network, request, progress, cancel);
        EXPECT_TRUE(result.cancelled);
        EXPECT_EQ(result.steps, at);
        EXPECT_EQ(result.image.rgb.size(), size_t{40} * 32 * 3);
        EXPECT_TRUE(finite_in_range(result.image));
      }
      EXPECT_EQ(last_step, at);
    }
  }
}

}  // namespace
}  // namespace nst::test
