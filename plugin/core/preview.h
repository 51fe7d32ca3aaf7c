#pragma once
// The dialog's live preview, host-free: what it computes (the layer shrunk to a preview
// size, a quick coarse-to-fine run), when it runs (restarted, debounced, as the settings
// change; one run at a time; nothing after the dialog closes), and the full run's time
// estimate from the step times the preview measures. Both dialogs show it through
// plugin/gtk/preview_panel.h. docs/design.md § Live preview says why these numbers.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "image/image.h"
#include "plugin/core/filter.h"
#include "plugin/core/job.h"
#include "plugin/core/settings.h"
#include "style/run.h"

namespace nst::plugin {

// The preview's longest side, px: large enough to judge strokes and colours, small enough
// for a step in about a second on lavapipe.
inline constexpr uint32_t kPreviewLongestSide = 192;
// Steps at the preview's coarse scale (half its size) at most; then refine_steps() at
// its full size. The first picture comes after one coarse step.
inline constexpr int kPreviewSteps = 40;
// A setting must stay unchanged this long before the preview restarts (a dragged slider
// starts one run, not one per position).
inline constexpr double kPreviewDebounceSeconds = 0.6;
// The preview's picture is read back at most this often.
inline constexpr double kPreviewPictureSeconds = 0.5;
// The dialog's check box (no mnemonic: every letter of "preview" is taken, settings.h).
inline constexpr const char* kPreviewLabel = "Live preview";

// The preview's run: `content` and `styles` as the layers are (any size), shrunk here, and
// the user's settings with the preview's schedule (2 scales, kPreviewSteps at most) and
// no memory limit. The strength means the same at every size (mapping.h), so the picture
// shows the full run's balance of style and content.
// `zoom`: how many times larger the layer is than `content` (preview_area()): the style
// scale grows by it (up to its maximum) so that the strokes keep their size relative to
// the photo, as the full run will paint them.
JobInput preview_input(const Image& content, const std::vector<StyleInput>& styles, const Settings& settings,
                       double zoom = 1);

// What the preview shows of a layer: the selection's bounds (the part the result will
// keep), else the whole layer; and the layer's longest side over the shown part's.
struct PreviewArea {
  Image image;
  double zoom = 1;
};
PreviewArea preview_area(const Image& layer, const std::optional<Region>& selection);
// A style layer shrunk to what the largest style scale needs at the preview's size.
Image preview_style(const Image& style);

// Seconds per step as a function of the image's pixels, from the steps a run reports:
// t(p) = fixed + per_pixel × p, fitted to the mean step time at its two largest sizes
// (proportional to p with one size). Each scale's first step (which also computes the
// scale's targets) is left out.
class StepTimeModel {
 public:
  void record(const style::Progress& step);  // a step report (tile reports are ignored)
  bool ready() const;                        // a step time measured at some size
  double seconds_per_step(double pixels) const;

 private:
  struct Scale {
    double pixels = 0;
    uint32_t scale = 0;
    uint32_t steps = 0;  // timed (after the scale's first)
    double seconds = 0;  // their sum
    double last_elapsed = 0;
  };
  std::vector<Scale> scales_;
};

// The full run's duration for a layer of `full` size with `settings`, from `times`: each
// size of the schedule (run_options()) costs its steps plus one step for its targets.
struct RunEstimate {
  double seconds = 0;
  size_t sizes = 0;
  uint32_t steps = 0;
};
RunEstimate estimate_run(const Settings& settings, image::Size full, const StepTimeModel& times);

// "About 3 min on llvmpipe (2 sizes, 250 steps)" (the device's name up to any bracketed
// details); "About 40 s (1 size, 200 steps)" without a device name.
std::string estimate_text(const RunEstimate& estimate, const std::string& device);

// What the preview is computed for: the dialog's settings and style layers.
struct PreviewChoice {
  Settings settings;
  StyleLayers styles = kNoStyleLayers;
  bool operator==(const PreviewChoice&) const = default;
};

// One preview run on its own thread.
class PreviewWork {
 public:
  virtual ~PreviewWork() = default;  // cancels the run and waits for its thread
  virtual bool done() const = 0;
  virtual void cancel() = 0;
  // The newest picture not yet taken, if any: the run's latest step, then its result.
  virtual std::optional<Image> take_picture() = 0;
  virtual std::optional<style::Progress> progress() const = 0;  // the latest step's
  virtual StepTimeModel step_times() const = 0;
  virtual std::string device() const = 0;  // empty until the device is open
  virtual std::string error() const = 0;   // once done: why it failed; empty if it did not
};

// A PreviewWork for a choice (the real one: start_preview_job()).
using StartPreview = std::function<std::unique_ptr<PreviewWork>(const PreviewChoice&)>;

// BackgroundJob on `input`, reading a picture at most every kPreviewPictureSeconds.
std::unique_ptr<PreviewWork> start_preview_job(JobInput input);

// When the preview runs. Driven by the dialog's timer with its state and the time; keeps
// at most one run going (a cancelled one finishes its step before the next starts, so
// that two never share the device) and never waits for a thread except in close().
class PreviewScheduler {
 public:
  explicit PreviewScheduler(StartPreview start, double debounce_s = kPreviewDebounceSeconds);
  ~PreviewScheduler() { close(); }
  PreviewScheduler(const PreviewScheduler&) = delete;
  PreviewScheduler& operator=(const PreviewScheduler&) = delete;

  // The dialog's state at `now` (seconds, any origin). A changed choice stops the running
  // preview; a new one starts once the choice has stayed the same for the debounce time
  // (and the stopped one has ended). Disabled: stops it. After close(): does nothing.
  void update(const PreviewChoice& choice, bool enabled, double now);
  // The newest picture not yet taken.
  std::optional<Image> take_picture();
  // "Preview: step 12 of 50", "Preview: starting…", "Preview: 50 steps in 24 s", "Preview
  // off", "No preview: <why>".
  std::string status() const { return status_; }
  // From the latest run that measured any (reset when the device setting changes).
  const StepTimeModel& step_times() const { return times_; }
  const std::string& device() const { return device_; }
  bool running() const { return current_ != nullptr; }
  // Stops every run and waits for their threads (at most the step in flight).
  void close();

 private:
  void stop_current();
  void follow_current();
  void start_when_settled(double now);

  StartPreview start_;
  double debounce_s_;
  std::optional<PreviewChoice> wanted_;   // the latest choice seen
  double wanted_since_ = 0;
  std::optional<PreviewChoice> computed_;  // what current_ computes (or the last run did)
  std::unique_ptr<PreviewWork> current_;
  std::vector<std::unique_ptr<PreviewWork>> stopping_;
  std::optional<Image> picture_;
  StepTimeModel times_;
  std::string device_;
  std::string status_ = "Preview: starting…";
  bool closed_ = false;
};

}  // namespace nst::plugin
