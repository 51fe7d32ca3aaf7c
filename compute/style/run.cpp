#include "style/run.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <random>

#include "ops/color.h"
#include "ops/resize.h"
#include "style/optimizer.h"
#include "vk/error.h"

namespace nst::style {

using image::Image;
using image::Size;
namespace {

using Clock = std::chrono::steady_clock;

// The shortest side an image is shrunk to by the coarse-to-fine schedule: VGG-19 pools it
// four times on the way to relu5_1, leaving 1 px.
constexpr double kSmallestSide = 16.0;

// working_size_schedule's doublings end below this fraction of the full size.
constexpr double kLastDoubling = 0.8;


// `net` as RGB; with `colours` (the content in network space, at net's size), with the
// content's chroma (ops::preserve_colors), all on the device.
Image to_rgb(vk::Context& context, const Tensor& net, const Tensor* colours) {
  const Shape interleaved{net.shape().h, net.shape().w, 3};
  Tensor rgb(context, interleaved, "result rgb");
  vk::Recorder rec(context);
  ops::net_to_rgb(rec, net, rgb);
  if (!colours) {
    rec.submit();
    return {net.shape().w, net.shape().h, rgb.download(), {}};
  }
  Tensor content(context, interleaved, "content rgb");
  ops::net_to_rgb(rec, *colours, content);
  Tensor preserved(context, interleaved, "result rgb, content colours");
  ops::preserve_colors(rec, rgb, content, preserved);
  rec.submit();
  return {net.shape().w, net.shape().h, preserved.download(), {}};
}

Shape planar(Size size) { return {3, size.height, size.width}; }

uint32_t longest(Size size) { return std::max(size.width, size.height); }

double pixels(Size size) { return double(size.width) * size.height; }

uint32_t scaled_side(uint32_t side, double factor) {
  return std::max<uint32_t>(1, static_cast<uint32_t>(std::lround(side * factor)));
}

// A new tensor: `in` resampled to `size` (a bit-exact copy at the same size).
Tensor resized(const Tensor& in, Size size, const std::string& name) {
  Tensor out(in.context(), planar(size), name);
  vk::Recorder rec(in.context());
  ops::resize_bilinear(rec, in, out);
  rec.submit();
  return out;
}

// `in` itself where it has `size` already (for inputs that are only read).
Tensor at_size(const Tensor& in, Size size) {
  return in.shape() == planar(size) ? in : resized(in, size, in.name() + " scaled");
}

// The content and style images of one scale, the styles shrunk by the content's factor.
struct ScaleInputs {
  Tensor content;
  std::vector<Tensor> styles;
};

ScaleInputs inputs_at(const Tensor& content, const std::vector<Tensor>& styles, Size size) {
  const double factor = double(longest(size)) / std::max(content.shape().h, content.shape().w);
  ScaleInputs at{at_size(content, size), {}};
  for (const Tensor& style : styles) {
    // The style shrinks with the content, but, as the content in scale_sizes, never below
    // a 16 px shorter side (or its own, if smaller): the network pools it four times.
    const uint32_t shorter = std::min(style.shape().h, style.shape().w);
    const double style_factor = std::max(factor, std::min(1.0, kSmallestSide / double(shorter)));
    const Size style_size{scaled_side(style.shape().w, style_factor), scaled_side(style.shape().h, style_factor)};
    at.styles.push_back(at_size(style, style_size));
  }
  return at;
}

// The run's step count, elapsed time and an estimate of the time remaining, from the
// pixels the steps so far covered: a step costs in proportion to its image's pixels, so
// the finer scales to come weigh more than the coarse ones behind.
class StepClock {
 public:
  StepClock(const std::vector<Size>& sizes, const std::vector<uint32_t>& steps) {
    for (size_t k = 0; k < sizes.size(); ++k) total_pixels_ += pixels(sizes[k]) * steps[k];
  }
  // After a step at `size`: the step's number (from 1), elapsed and remaining seconds.
  void stepped(Size size) {
    ++step_;
    done_pixels_ += pixels(size);
  }
  // The scales from `scale` on will not run (refining stopped).
  void skip(const std::vector<Size>& sizes, const std::vector<uint32_t>& steps, size_t scale) {
    for (size_t k = scale; k < sizes.size(); ++k) total_pixels_ -= pixels(sizes[k]) * steps[k];
  }
  uint32_t step() const { return step_; }
  double elapsed() const { return std::chrono::duration<double>(Clock::now() - started_).count(); }
  double remaining() const { return elapsed() * (total_pixels_ - done_pixels_) / done_pixels_; }

 private:
  Clock::time_point started_ = Clock::now();
  uint32_t step_ = 0;
  double total_pixels_ = 0, done_pixels_ = 0;
};

// Uniform noise over the whole colour range, the same for the same seed.
Image noise(uint32_t width, uint32_t height, uint64_t seed) {
  std::mt19937_64 generator(seed);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  Image image{width, height, std::vector<float>(size_t{width} * height * 3), {}};
  for (float& v : image.rgb) v = uniform(generator);
  return image;
}

const Image& initial_image(const Request& request, Image& storage) {
  const RunOptions& o = request.options;
  if (o.init == Init::noise) return storage = noise(request.content.width, request.content.height, o.seed);
  if (o.init == Init::image) {
    if (o.init_image.width != request.content.width || o.init_image.height != request.content.height) {
      throw std::invalid_argument("the initial image must have the content's size");
    }
    return o.init_image;
  }
  return request.content;
}

std::unique_ptr<Optimizer> make_optimizer(const RunOptions& options, uint32_t history) {
  if (options.optimizer == OptimizerKind::adam) {
    AdamOptions adam;
    adam.learning_rate = options.learning_rate;
    return std::make_unique<Adam>(adam);
  }
  LbfgsOptions lbfgs;
  lbfgs.history = std::max(1u, history);
  return std::make_unique<Lbfgs>(lbfgs);
}

// The terms at x, by one extra evaluation (not counted as a step).
LossTerms terms_at(Objective& objective, const Tensor& x) {
  vk::Context& context = x.context();
  Tensor grad(context, x.shape(), "gradient");
  vk::Recorder rec(context);
  objective.evaluate(rec, x, grad);
  rec.submit();
  return objective.losses();
}

// Result::start and end at the full size. A tiled measurement can be cancelled between
// its tiles: the image is finished all the same, so with partial_on_cancel it is kept,
// unmeasured.
void measure_losses(Objective& objective, const Tensor& initial, const Tensor& x, const RunOptions& options,
                    Result& result) {
  try {
    result.start = terms_at(objective, initial);
    result.end = terms_at(objective, x);
  } catch (const Cancelled&) {
    if (!options.partial_on_cancel) throw;
    result.start = result.end = {};
  }
}

// Where a scale sits in the run, for the progress reports.
struct ScalePosition {
  uint32_t scale, scales;  // scale counts from 1
  Size size;
  uint32_t steps, total_steps;
};

// Reports each tile of a tiled step, so that a step of minutes on a large image still
// shows progress, and ends the step when the run is cancelled.
class TileReporter {
 public:
  TileReporter(const ScalePosition& at, const StepClock& clock, const ProgressCallback& progress, const CancelToken& cancel)
      : at_(at), clock_(clock), progress_(progress), cancel_(cancel) {}
  void step_ended(const LossTerms& loss) { loss_ = loss; }
  // After the steps (the final loss measurements): cancelling still works, nothing is reported.
  void steps_done() { reporting_ = false; }
  void operator()(uint32_t done, uint32_t total) const {
    if (cancel_.cancelled()) throw Cancelled();
    if (!progress_ || !reporting_) return;
    progress_({clock_.step() + 1, at_.total_steps, at_.scale, at_.scales, loss_, clock_.elapsed(), clock_.remaining(), done,
               total, at_.size, {}});
  }

 private:
  ScalePosition at_;
  const StepClock& clock_;
  const ProgressCallback& progress_;
  const CancelToken& cancel_;
  LossTerms loss_;
  bool reporting_ = true;
};

// at.steps steps of a fresh optimiser at one scale: its history (L-BFGS pairs, Adam
// moments) belongs to x's size.
// Returns false when cancelled with options.partial_on_cancel (else cancelling throws);
// a step cancelled between tiles leaves x at the optimiser's last accepted point.
bool optimise(Objective& objective, Tensor& x, const RunOptions& options, uint32_t history, const ScalePosition& at,
              StepClock& clock, TileReporter& tiles, const ProgressCallback& progress, const CancelToken& cancel) {
  const auto stop = [&] {
    if (!options.partial_on_cancel) throw Cancelled();
    return false;
  };
  const auto optimizer = make_optimizer(options, history);
  const auto evaluate = [&](vk::Recorder& rec, const Tensor& point, Tensor& grad) {
    objective.evaluate(rec, point, grad);
  };
  const Problem problem{evaluate, &objective.scalars(), kTotal};
  for (uint32_t step = 1; step <= at.steps; ++step) {
    if (cancel.cancelled()) return stop();
    try {
      optimizer->step(problem, x);
    } catch (const Cancelled&) {
      optimizer->abandon_step(x);
      return stop();
    }
    clock.stepped(at.size);
    if (!progress) continue;
    const LossTerms loss = objective.losses();
    tiles.step_ended(loss);
    progress({clock.step(), at.total_steps, at.scale, at.scales, loss, clock.elapsed(), clock.remaining(), 0, 0, at.size, {}});
  }
  return cancel.cancelled() ? stop() : true;
}

std::vector<StyleTensor> style_tensors(const std::vector<Tensor>& styles, const Request& request) {
  std::vector<StyleTensor> images;
  for (size_t i = 0; i < styles.size(); ++i) images.push_back({&styles[i], request.styles[i].blend});
  return images;
}

}  // namespace

Tensor to_network_space(vk::Context& context, const Image& image, const std::string& name) {
  if (image.rgb.size() != size_t{image.width} * image.height * 3 || image.rgb.empty()) {
    throw std::invalid_argument("image '" + name + "' holds " + std::to_string(image.rgb.size()) + " values, not " +
                                std::to_string(image.width) + "×" + std::to_string(image.height) + "×3");
  }
  Tensor rgb(context, Shape{image.height, image.width, 3}, name + " rgb");
  rgb.upload(image.rgb);
  Tensor net(context, Shape{3, image.height, image.width}, name);
  vk::Recorder rec(context);
  ops::rgb_to_net(rec, rgb, net);
  rec.submit();
  return net;
}

std::vector<Size> scale_sizes(Size full, uint32_t scales) {
  if (scales == 0) throw std::invalid_argument("a run needs at least 1 scale");
  const uint32_t shorter = std::min(full.width, full.height);
  const double smallest_factor = std::min(1.0, kSmallestSide / shorter);
  std::vector<Size> sizes;
  for (uint32_t k = 0; k < scales; ++k) {
    const double factor = std::max(std::ldexp(1.0, -int(scales - 1 - k)), smallest_factor);
    sizes.push_back({scaled_side(full.width, factor), scaled_side(full.height, factor)});
  }
  return sizes;
}

std::vector<Size> working_size_schedule(Size full, uint32_t working_longest, uint32_t scales, uint32_t refine_longest) {
  if (working_longest == 0) throw std::invalid_argument("the working size must be at least 1 px");
  const auto at = [&](double f) { return f >= 1 ? full : Size{scaled_side(full.width, f), scaled_side(full.height, f)}; };
  const double factor = double(working_longest) / longest(full);
  const double refine = refine_longest == 0 ? 1.0 : std::min(1.0, double(refine_longest) / longest(full));
  std::vector<Size> sizes = scale_sizes(at(std::min(factor, refine)), scales);
  if (refine <= factor) return sizes;
  // Doublings stop short of 80 % of the refinement size: a scale nearly as large as the
  // last would cost almost as much and add little.
  for (double f = 2 * factor; f < kLastDoubling * refine; f *= 2) sizes.push_back(at(f));
  sizes.push_back(at(refine));
  return sizes;
}

namespace {

std::vector<Size> schedule(const Request& request) {
  const Size full{request.content.width, request.content.height};
  const std::vector<Size>& given = request.options.schedule;
  if (given.empty()) return scale_sizes(full, request.options.scales);
  if (given.back().width > full.width || given.back().height > full.height) {
    throw std::invalid_argument("the schedule must end at the content's size or below, not at " +
                                image::describe(given.back()) + " for a content of " + image::describe(full));
  }
  return given;
}

std::vector<uint32_t> steps_per_scale(const RunOptions& options, size_t scales) {
  std::vector<uint32_t> steps(scales, options.refine_steps.value_or(options.steps));
  steps.front() = options.steps;
  return steps;
}

std::vector<Shape> shapes_of(const std::vector<Tensor>& tensors) {
  std::vector<Shape> shapes;
  for (const Tensor& t : tensors) shapes.push_back(t.shape());
  return shapes;
}

}  // namespace

Result stylise(const vgg::Network& network, const Request& request, const ProgressCallback& progress,
               const CancelToken& cancel) {
  vk::Context& context = network.context();
  const RunOptions& options = request.options;
  const Size full{request.content.width, request.content.height};
  const std::vector<Size> sizes = schedule(request);
  const std::vector<uint32_t> steps = steps_per_scale(options, sizes.size());
  StepClock clock(sizes, steps);
  context.allocator().reset_peak();

  const Tensor content = to_network_space(context, request.content, "content");
  std::vector<Tensor> styles;
  for (const auto& style : request.styles) styles.push_back(to_network_space(context, style.image, "style"));
  Image noise_storage;
  const Tensor initial = to_network_space(context, initial_image(request, noise_storage), "initial image");
  // A copy, even at the full size: `initial` must survive for the start's loss.
  Tensor x = resized(initial, sizes.front(), "image");
  Result result;
  result.steps = std::accumulate(steps.begin(), steps.end(), 0u);
  const uint32_t scales = static_cast<uint32_t>(sizes.size());
  for (uint32_t k = 0; k < scales; ++k) {
    const bool refining = k > 0 && options.refine_within_memory;
    try {
      const ScaleInputs at = inputs_at(content, styles, sizes[k]);
      Tensor scaled = k > 0 ? resized(x, sizes[k], "image") : std::move(x);  // the last scale's result, enlarged
      const ScaleBudget budget = plan_scale(network, request.objective, scaled.shape(), shapes_of(at.styles),
                                            options.optimizer, options.lbfgs_history,
                                            available_bytes(context, options.memory_limit_bytes));
      const ScalePosition position{k + 1, scales, sizes[k], steps[k], result.steps};
      TileReporter tiles(position, clock, progress, cancel);
      const Tensor* colours = options.preserve_colors ? &at.content : nullptr;
      const ProgressCallback with_image = progress ? ProgressCallback([&](const Progress& step) {
        Progress shown = step;
        shown.image = [&] { return to_rgb(context, scaled, colours); };
        progress(shown);
      }) : ProgressCallback();
      Objective objective(network, request.objective, at.content, style_tensors(at.styles, request),
                          {options.tile_side ? options.tile_side : budget.tile_side, std::ref(tiles)});
      const bool finished = optimise(objective, scaled, options, budget.lbfgs_history, position, clock, tiles, with_image, cancel);
      x = std::move(scaled);
      result.optimised = sizes[k];
      result.tiles = objective.plan();
      result.lbfgs_history = options.optimizer == OptimizerKind::lbfgs ? budget.lbfgs_history : 0;
      if (!finished) {
        result.cancelled = true;
        result.steps = clock.step();
        break;
      }
      tiles.steps_done();
      if (k + 1 == scales && options.measure_losses && sizes[k] == full) {
        measure_losses(objective, initial, x, options, result);
      }
    } catch (const vk::OutOfMemory&) {
      if (!refining) throw;
      clock.skip(sizes, steps, k);
      result.steps = clock.step();
      break;
    }
  }
  if (!(result.optimised == full)) x = resized(x, full, "image enlarged");
  result.image = to_rgb(context, x, options.preserve_colors ? &content : nullptr);
  result.seconds = clock.elapsed();
  result.peak_device_bytes = context.allocator().peak_bytes();
  return result;
}

}  // namespace nst::style
