#pragma once
// What every front end calls: stylise a content image in the style of one or more style
// images, with progress after each step and cancellation between steps.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <vector>

#include "style/objective.h"
#include "vgg/network.h"

namespace nst::style {

// Width × height pixels, R'G'B' (sRGB-encoded) in 0..1, channels interleaved.
struct RgbImage {
  uint32_t width = 0, height = 0;
  std::vector<float> rgb;
};

enum class Init { content, noise, image };
enum class OptimizerKind { lbfgs, adam };

struct RunOptions {
  uint32_t steps = 500;  // evaluations of the objective and its gradient
  OptimizerKind optimizer = OptimizerKind::lbfgs;
  uint32_t lbfgs_history = 100;
  float learning_rate = 10.0f;  // Adam, in the 0..255 units of the network space
  Init init = Init::content;
  uint64_t seed = 0;           // for Init::noise
  RgbImage init_image;         // for Init::image: the content's size
};

struct StyleInput {
  RgbImage image;  // at the size it should be compared at (the front end scales it)
  float blend = 1.0f;
};

struct Request {
  RgbImage content;  // at the working size
  std::vector<StyleInput> styles;
  ObjectiveSpec objective;
  RunOptions options;
};

struct Progress {
  uint32_t step = 0, steps = 0;  // step counts from 1
  LossTerms loss;                // at the point this step evaluated
  double elapsed_s = 0, remaining_s = 0;
};
using ProgressCallback = std::function<void(const Progress&)>;

// Set from any thread (a Cancel button, a signal handler's flag); checked before each step.
class CancelToken {
 public:
  void cancel() { cancelled_ = true; }
  bool cancelled() const { return cancelled_; }

 private:
  std::atomic<bool> cancelled_{false};
};

class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("cancelled") {}
};

struct Result {
  RgbImage image;
  LossTerms start, end;  // at the initial image and at the result
  uint32_t steps = 0;
  double seconds = 0;
};

// Runs the optimisation on `network`'s device. Throws Cancelled (nothing partial is
// returned) when `cancel` is set, vk::Error for device limits, std::invalid_argument for
// inconsistent images.
Result stylise(const vgg::Network& network, const Request& request, const ProgressCallback& progress,
               const CancelToken& cancel);

}  // namespace nst::style
