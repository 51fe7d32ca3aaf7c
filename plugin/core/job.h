#pragma once
// One run of the filter, host-free: the layers' pixels in (pixels.h reads them on the
// host's thread), the engine on a worker thread, the result's pixels out, with progress
// and cancellation. Both GIMP adapters drive it; neither knows about Vulkan.
#include <atomic>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "image/image.h"
#include "plugin/core/settings.h"
#include "style/run.h"

namespace nst::plugin {

using image::Image;

// What the engine sets in the process's environment before its first Vulkan instance
// (vk::prefer_native_vector_width: lavapipe's vector width). The adapters call it first
// thing, on the main thread, before any worker thread exists.
void prepare_engine_environment();

// Why a run could not start for want of weights, naming the file looked for and the
// command that installs it; nothing when the default weight file reads.
std::optional<std::string> weights_problem();

// "0: NVIDIA H200" … for the device chooser, in the order NST_DEVICE's indices count. Throws PluginError when no
// Vulkan driver is installed.
std::vector<std::string> device_descriptions();

// "Step 37 of 260 (size 2 of 3), about 2 min 10 s left"
std::string progress_text(const style::Progress& progress);

// A style layer at its own size and its weight in the blend (the engine normalises the
// weights to sum 1).
struct StyleInput {
  Image image;
  double weight = 1;
};

struct JobInput {
  Image content;                  // the content layer at its full size, with its alpha (if any)
  std::vector<StyleInput> styles;  // one or more (filter.h: blended_styles)
  Settings settings;
};

struct JobResult {
  Image image;              // the content layer's size, with the content's alpha
  image::Size optimised;    // the finest size optimised (smaller: enlarged after)
  style::TilePlan tiles;    // the finest scale's tiles
  uint32_t steps = 0;
  double seconds = 0;
  std::string device;
  std::string weights_path;    // the weight file the run read
  std::string weights_sha256;  // and its SHA-256, for the layer's record (record.h)
};

// One line on what the run did, for the plug-in's standard error: "neural-style-transfer:
// 160×120 styled at its full size in 12 tiles (…), 8 steps in 3.2 s on llvmpipe …", or at
// which size it stopped and was enlarged.
std::string run_summary(const JobResult& result);

// The whole run on the calling thread. Every failure the user can act on (settings,
// weights, driver, a size the device cannot hold) is a PluginError with a message for
// them; cancelling throws style::Cancelled. The inputs are only read. `opened` gets the
// device's name as soon as it is open (before the weights are uploaded and the first step).
JobResult stylise_layer(const JobInput& input, const style::ProgressCallback& progress, const style::CancelToken& cancel,
                        const std::function<void(const std::string&)>& opened = {});

// stylise_layer on a worker thread, polled from the host's main loop.
class BackgroundJob {
 public:
  // Starts the run; `observe` (if any) also gets every progress report, on the worker
  // thread (where Progress::image may be called).
  explicit BackgroundJob(JobInput input, style::ProgressCallback observe = {});
  ~BackgroundJob();                        // cancels it and waits for the thread
  BackgroundJob(const BackgroundJob&) = delete;
  BackgroundJob& operator=(const BackgroundJob&) = delete;

  bool done() const { return done_; }
  std::optional<style::Progress> progress() const;  // the latest step's, if any yet
  std::string device() const;                        // the device's name, once open
  void cancel() { cancel_.cancel(); }
  bool cancelled() const { return cancel_.cancelled(); }
  // After done(): the result, or the run's exception rethrown.
  JobResult result();

 private:
  JobInput input_;
  style::ProgressCallback observe_;
  style::CancelToken cancel_;
  mutable std::mutex mutex_;
  std::optional<style::Progress> progress_;
  std::string device_;
  std::optional<JobResult> result_;
  std::exception_ptr error_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// Runs a GLib main loop until `job` is done, calling `tick` on this thread every 100 ms:
// the host updates its progress display there and may cancel the job.
void wait_for(BackgroundJob& job, const std::function<void(BackgroundJob&)>& tick);

}  // namespace nst::plugin
