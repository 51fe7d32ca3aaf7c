#include "plugin/core/preview.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "image/files.h"
#include "plugin/core/mapping.h"

namespace nst::plugin {
namespace {

uint32_t longest_side(const Image& image) { return std::max(image.width, image.height); }

Image shrunk(const Image& image, uint32_t longest) {
  return longest_side(image) > longest ? image::resize_longest_side(image, longest) : image;
}

double pixels(image::Size size) { return double(size.width) * size.height; }

// "40 s", "3 min", "1 h 20 min": as precise as an estimate deserves.
std::string rounded_duration(double seconds) {
  std::ostringstream out;
  if (seconds < 55) {
    out << std::max(5L, 5 * std::lround(seconds / 5)) << " s";
  } else if (seconds < 3570) {
    out << std::max(1L, std::lround(seconds / 60)) << " min";
  } else {
    const long minutes = std::lround(seconds / 60);
    out << minutes / 60 << " h";
    if (minutes % 60) out << " " << minutes % 60 << " min";
  }
  return out.str();
}

std::string count(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// start_preview_job's PreviewWork: a BackgroundJob whose reports also time the steps and,
// now and then, read the step's picture.
class PreviewJob final : public PreviewWork {
 public:
  explicit PreviewJob(JobInput input)
      : job_(std::move(input), [this](const style::Progress& p) { observe(p); }) {}
  ~PreviewJob() override { job_.cancel(); }  // BackgroundJob's destructor waits

  bool done() const override { return job_.done(); }
  void cancel() override { job_.cancel(); }
  std::optional<Image> take_picture() override {
    if (job_.done() && !finished_) finish();
    const std::lock_guard<std::mutex> lock(mutex_);
    return std::exchange(picture_, std::nullopt);
  }
  std::optional<style::Progress> progress() const override { return job_.progress(); }
  StepTimeModel step_times() const override {
    const std::lock_guard<std::mutex> lock(mutex_);
    return times_;
  }
  std::string device() const override { return job_.device(); }
  std::string error() const override {
    const std::lock_guard<std::mutex> lock(mutex_);
    return error_;
  }

 private:
  using Clock = std::chrono::steady_clock;

  // On the worker thread.
  void observe(const style::Progress& p) {
    const bool step_report = p.tiles == 0;
    const bool due = Clock::now() - last_picture_ >= std::chrono::duration<double>(kPreviewPictureSeconds);
    std::optional<Image> picture;
    if (step_report && p.image && (due || p.step == p.steps)) {
      picture = p.image();
      last_picture_ = Clock::now();
    }
    const std::lock_guard<std::mutex> lock(mutex_);
    times_.record(p);
    if (picture) picture_ = std::move(picture);
  }

  // Once done: the result (the last step's picture, enlarged where a run stopped short),
  // or why there is none.
  void finish() {
    finished_ = true;
    try {
      JobResult result = job_.result();
      result.image.alpha.clear();
      const std::lock_guard<std::mutex> lock(mutex_);
      picture_ = std::move(result.image);
    } catch (const style::Cancelled&) {
    } catch (const std::exception& e) {
      const std::lock_guard<std::mutex> lock(mutex_);
      error_ = e.what();
    }
  }

  mutable std::mutex mutex_;
  std::optional<Image> picture_;
  StepTimeModel times_;
  std::string error_;
  Clock::time_point last_picture_{};
  bool finished_ = false;
  BackgroundJob job_;  // last: its thread starts once everything it reports into exists
};

}  // namespace

Image preview_style(const Image& style) {
  // stylise_layer resizes the style to style-scale times the content; shrinking it first
  // to what the largest style scale needs spares resampling the whole layer.
  const double largest_style_scale = parameter("style-scale").max;
  return shrunk(style, static_cast<uint32_t>(kPreviewLongestSide * largest_style_scale));
}

PreviewArea preview_area(const Image& layer, const std::optional<Region>& selection) {
  if (!selection || selection->width <= 0 || selection->height <= 0) return {layer, 1.0};
  const Region& r = *selection;
  if (r.x < 0 || r.y < 0 || uint32_t(r.x + r.width) > layer.width || uint32_t(r.y + r.height) > layer.height) {
    throw std::invalid_argument("the preview's area lies outside the layer");
  }
  Image part{uint32_t(r.width), uint32_t(r.height), {}, {}};
  for (uint32_t y = 0; y < part.height; ++y) {
    const size_t row = size_t(uint32_t(r.y) + y) * layer.width + uint32_t(r.x);
    part.rgb.insert(part.rgb.end(), layer.rgb.begin() + 3 * row, layer.rgb.begin() + 3 * (row + part.width));
    if (!layer.alpha.empty()) {
      part.alpha.insert(part.alpha.end(), layer.alpha.begin() + row, layer.alpha.begin() + row + part.width);
    }
  }
  return {part, double(longest_side(layer)) / longest_side(part)};
}

JobInput preview_input(const Image& content, const std::vector<StyleInput>& styles, const Settings& settings,
                       double zoom) {
  JobInput input;
  input.content = shrunk(content, kPreviewLongestSide);
  input.content.alpha.clear();
  for (const StyleInput& style : styles) input.styles.push_back({preview_style(style.image), style.weight});
  input.settings = settings;
  input.settings.working_size = static_cast<int>(kPreviewLongestSide);  // the content's size, or more for a small layer
  input.settings.scales = 2;
  input.settings.steps = std::min(settings.steps, kPreviewSteps);
  input.settings.memory_limit = 0;
  input.settings.style_scale = std::min(parameter("style-scale").max, settings.style_scale * zoom);
  return input;
}

void StepTimeModel::record(const style::Progress& step) {
  if (step.tiles != 0) return;
  if (scales_.empty() || scales_.back().scale != step.scale) {
    scales_.push_back({pixels(step.size), step.scale, 0, 0, step.elapsed_s});
    return;
  }
  Scale& at = scales_.back();
  at.seconds += step.elapsed_s - at.last_elapsed;
  at.last_elapsed = step.elapsed_s;
  ++at.steps;
}

bool StepTimeModel::ready() const {
  return std::any_of(scales_.begin(), scales_.end(), [](const Scale& s) { return s.steps > 0; });
}

double StepTimeModel::seconds_per_step(double p) const {
  std::vector<Scale> timed;
  for (const Scale& s : scales_) {
    if (s.steps > 0) timed.push_back(s);
  }
  if (timed.empty()) return 0;
  std::sort(timed.begin(), timed.end(), [](const Scale& a, const Scale& b) { return a.pixels < b.pixels; });
  const Scale& large = timed.back();
  const double t_large = large.seconds / large.steps;
  if (timed.size() > 1) {
    const Scale& small = timed[timed.size() - 2];
    const double t_small = small.seconds / small.steps;
    if (large.pixels > small.pixels && t_large > t_small) {
      const double per_pixel = (t_large - t_small) / (large.pixels - small.pixels);
      const double fixed = std::max(0.0, t_large - per_pixel * large.pixels);
      return fixed + per_pixel * p;
    }
  }
  return t_large * p / large.pixels;
}

RunEstimate estimate_run(const Settings& settings, image::Size full, const StepTimeModel& times) {
  const style::RunOptions options = run_options(settings, full);
  RunEstimate estimate;
  estimate.sizes = options.schedule.size();
  for (size_t k = 0; k < options.schedule.size(); ++k) {
    const uint32_t steps = k == 0 ? options.steps : options.refine_steps.value_or(options.steps);
    estimate.steps += steps;
    estimate.seconds += (steps + 1) * times.seconds_per_step(pixels(options.schedule[k]));
  }
  return estimate;
}

std::string estimate_text(const RunEstimate& estimate, const std::string& device) {
  std::string text = "About " + rounded_duration(estimate.seconds);
  // "llvmpipe (LLVM 15.0.6, 256 bits)": the name without the driver's details in brackets.
  if (!device.empty()) text += " on " + device.substr(0, device.find(" ("));
  return text + " (" + count(estimate.sizes, "size", "sizes") + ", " + count(estimate.steps, "step", "steps") + ")";
}

std::unique_ptr<PreviewWork> start_preview_job(JobInput input) { return std::make_unique<PreviewJob>(std::move(input)); }

PreviewScheduler::PreviewScheduler(StartPreview start, double debounce_s)
    : start_(std::move(start)), debounce_s_(debounce_s) {}

void PreviewScheduler::update(const PreviewChoice& choice, bool enabled, double now) {
  if (closed_) return;
  std::erase_if(stopping_, [](const std::unique_ptr<PreviewWork>& work) { return work->done(); });
  if (!enabled) {
    stop_current();
    computed_.reset();  // turned on again, it computes afresh
    wanted_.reset();
    status_ = "Preview off";
    return;
  }
  if (!wanted_ || !(*wanted_ == choice)) {
    if (wanted_ && wanted_->settings.device != choice.settings.device) {
      times_ = {};
      device_.clear();
    }
    // The dialog's first choice (or the first after turning the preview on) starts at once.
    wanted_since_ = wanted_ ? now : now - debounce_s_;
    wanted_ = choice;
  }
  if (current_ && !(*computed_ == *wanted_)) stop_current();
  if (current_) follow_current();
  if (!current_) start_when_settled(now);
}

void PreviewScheduler::stop_current() {
  if (!current_) return;
  current_->cancel();
  stopping_.push_back(std::move(current_));
  computed_.reset();
}

void PreviewScheduler::follow_current() {
  const bool done = current_->done();  // before the picture: a run ending meanwhile keeps its result for the next tick
  if (std::optional<Image> picture = current_->take_picture()) picture_ = std::move(picture);
  const StepTimeModel times = current_->step_times();
  if (times.ready()) times_ = times;
  if (device_.empty()) device_ = current_->device();
  const std::optional<style::Progress> progress = current_->progress();
  if (!done) {
    status_ = progress ? "Preview: step " + std::to_string(progress->step) + " of " + std::to_string(progress->steps)
                       : "Preview: starting…";
    return;
  }
  const std::string error = current_->error();
  if (!error.empty()) {
    status_ = "No preview: " + error;
  } else if (progress) {
    std::ostringstream text;
    text << "Preview: " << progress->steps << " steps in " << std::lround(progress->elapsed_s) << " s";
    status_ = text.str();
  }
  current_.reset();
}

void PreviewScheduler::start_when_settled(double now) {
  if (computed_ && *computed_ == *wanted_) return;
  if (!stopping_.empty()) {
    status_ = "Preview: restarting…";
    return;
  }
  if (now - wanted_since_ < debounce_s_) {
    status_ = "Preview: waiting for the settings to settle…";
    return;
  }
  current_ = start_(*wanted_);
  computed_ = wanted_;
  status_ = "Preview: starting…";
}

std::optional<Image> PreviewScheduler::take_picture() { return std::exchange(picture_, std::nullopt); }

void PreviewScheduler::close() {
  closed_ = true;
  if (current_) current_->cancel();
  for (auto& work : stopping_) work->cancel();
  current_.reset();
  stopping_.clear();
}

}  // namespace nst::plugin
