#pragma once
// What every front end calls: stylise a content image in the style of one or more style
// images, with progress after each step and cancellation between steps.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <vector>

#include "image/image.h"
#include "style/budget.h"
#include "style/objective.h"
#include "vgg/network.h"

namespace nst::style {

enum class Init { content, noise, image };

struct RunOptions {
  // Evaluations of the objective and its gradient at each scale: a run takes
  // steps × scales in all.
  uint32_t steps = 500;
  // The coarse-to-fine schedule: optimise at `scales` sizes, each the next one halved
  // (scale_sizes()), starting the next from the last result enlarged. 1: the content's
  // size only.
  uint32_t scales = 1;
  // The sizes of the schedule given outright, coarsest first; overrides `scales` (see
  // working_size_schedule()). The last is the content's size, or smaller (no side larger):
  // the result is then that last scale's image enlarged to the content's size, a quicker
  // run for a slow device (the plug-in's Draft and Normal on a CPU).
  std::vector<image::Size> schedule;
  // Steps at each scale after the first; unset: `steps`. Refining an image that the first
  // scale has already styled needs fewer steps, and finer steps cost more.
  std::optional<uint32_t> refine_steps;
  // Device memory the run may hold in all (the engine's bytes in use, weights included);
  // 0: what the device's budget (VK_EXT_memory_budget, else its heap) leaves free. Each
  // scale's objective is tiled to fit beside the optimiser's vectors, and L-BFGS's history
  // cut to what is left (style/budget.h; docs/design.md § Memory).
  uint64_t memory_limit_bytes = 0;
  // Tiles of at most tile_side² own pixels at every scale, whatever the memory (tests,
  // benchmarks); 0: the largest tile that fits, untiled where the whole image does.
  uint32_t tile_side = 0;
  // Where even the smallest tile of a refinement scale does not fit: stop refining, instead
  // of failing, and return the last finished scale's image enlarged (Result::optimised
  // says which size it was).
  bool refine_within_memory = false;
  // Give the result the content's colours: the stylised luminance with the content's
  // chroma (ops::preserve_colors), applied to the final image.
  bool preserve_colors = false;
  // Measure Result::start and end: two more evaluations at the full size, as long as two
  // steps there (for a tiled image, minutes on lavapipe). The plug-in does not show them.
  bool measure_losses = true;
  // When cancelled: return the image so far (Result::cancelled set) instead of throwing.
  bool partial_on_cancel = false;
  OptimizerKind optimizer = OptimizerKind::lbfgs;
  uint32_t lbfgs_history = 100;
  float learning_rate = 10.0f;  // Adam, in the 0..255 units of the network space
  Init init = Init::content;
  uint64_t seed = 0;           // for Init::noise
  image::Image init_image;         // for Init::image: the content's size
};

// The image sizes of a coarse-to-fine run ending at `full`, coarsest first: scale k of n
// (k = 0 … n−1) shrinks both sides by 2^(n−1−k), rounded to nearest, but never makes the
// shorter side less than 16 px (or than full's, if that is smaller): VGG-19 halves an
// image four times before relu5_1, and a side of 16 px leaves it 1 px there. The last
// size is `full`. Throws std::invalid_argument for scales = 0.
std::vector<image::Size> scale_sizes(image::Size full, uint32_t scales);

// The schedule of a run at a working size, refined up to a refinement size:
// scale_sizes(working, scales), where `working` is `full` with its longest side made
// working_longest (rounded to nearest; `full` itself when it is no larger), then that size
// doubled while the doubling stays below 80 % of the refinement size, then the refinement
// size: `full` with its longest side made refine_longest (0, or no less than full's: `full`
// itself). The refinement size is the largest optimised: a smaller working size is made
// that size, and a schedule ending below `full` gives a result enlarged from its last size
// (RunOptions::schedule).
std::vector<image::Size> working_size_schedule(image::Size full, uint32_t working_longest, uint32_t scales,
                                               uint32_t refine_longest = 0);

// A style on the host, as a front end gives it (the objective's StyleTensor is one on the device).
struct StyleImage {
  image::Image image;  // at the size it should be compared at (the front end scales it)
  float blend = 1.0f;
};

struct Request {
  image::Image content;  // at the final size (the schedule's last)
  std::vector<StyleImage> styles;
  ObjectiveSpec objective;
  RunOptions options;
};

struct Progress {
  uint32_t step = 0, steps = 0;    // over the whole run (all scales); step counts from 1
  uint32_t scale = 1, scales = 1;  // the scale this step ran at, counting from 1
  LossTerms loss;                // at the point this step evaluated
  double elapsed_s = 0, remaining_s = 0;
  // Within a tiled step: `step` is still in progress, `tile` of `tiles` tile passes are
  // done and `loss` is the last step's. 0 after a step.
  uint32_t tile = 0, tiles = 0;
  image::Size size;  // the image's size at this scale
  // After a step (not in tile reports): the image this step reached, at `size`, as RGB
  // (with the content's colours where RunOptions::preserve_colors asks), read from the
  // device when called. Valid only during the callback; a preview calls it, a run that
  // only shows a bar does not pay for it.
  std::function<image::Image()> image;
  // The share of the run done, tiles counted.
  double fraction() const {
    const double within = tiles ? double(tile) / tiles : 1.0;
    return steps ? (step - 1 + within) / steps : 0.0;
  }
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
  image::Image image;
  // At the initial image and at the result, both at the content's size (with several
  // scales too, so that they compare), before colour preservation; zero when the run
  // stopped short of the content's size (cancelled, refining stopped, or a schedule that
  // ends below it) or was not asked to measure them (RunOptions::measure_losses).
  LossTerms start, end;
  uint32_t steps = 0;  // taken in all, over every scale (fewer when cancelled or refining stopped)
  image::Size optimised;      // the finest size optimised: the schedule's last, unless refining stopped
  TilePlan tiles;             // the finest scale's tiles (one: untiled)
  uint32_t lbfgs_history = 0; // at the finest scale: the pairs memory allowed (L-BFGS)
  uint64_t peak_device_bytes = 0;  // the most the engine held on the device during the run
  double seconds = 0;
  // Cancelled with RunOptions::partial_on_cancel: `image` is the state reached, enlarged
  // to the content's size; start and end are not measured (zero).
  bool cancelled = false;
};

// An RGB image as a 3×H×W tensor in the network's input space (converted on the device).
// Throws std::invalid_argument when the pixels do not fit the image's size.
Tensor to_network_space(vk::Context& context, const image::Image& image, const std::string& name);

// Runs the optimisation on `network`'s device. The content, styles and initial image come
// at the final size; with several scales each is resized on the device, the styles by
// the content's factor. When `cancel` is set: throws Cancelled, or returns the image so far
// with RunOptions::partial_on_cancel. Throws vk::OutOfMemory where the device cannot hold
// the run, not even in the smallest tiles (beyond the refinement that
// RunOptions::refine_within_memory gives up), vk::Error
// for other device failures, std::invalid_argument for inconsistent images.
Result stylise(const vgg::Network& network, const Request& request, const ProgressCallback& progress,
               const CancelToken& cancel);

}  // namespace nst::style
