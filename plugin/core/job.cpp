#include "plugin/core/job.h"

#include <glib.h>

#include <cmath>
#include <sstream>

#include "image/files.h"
#include "plugin/core/mapping.h"
#include "plugin/core/record.h"
#include "vgg/network.h"
#include "vgg/weights.h"
#include "vk/context.h"
#include "vk/error.h"
#include "vk/instance.h"

namespace nst::plugin {
namespace {

std::string minutes_and_seconds(double seconds) {
  const long s = std::lround(seconds);
  std::ostringstream out;
  if (s >= 60) out << s / 60 << " min ";
  out << s % 60 << " s";
  return out.str();
}

vgg::WeightFile read_weights_or_explain(const std::string& path) {
  try {
    return vgg::read_weights(path);
  } catch (const std::exception& e) {
    // The fetcher as `meson install` puts it on PATH, and as a source build has it.
    throw PluginError("No usable VGG-19 weights: " + std::string(e.what()) +
                      ". Install them with `nst-fetch-weights` (in a source build: `build/weights/fetch`), or point "
                      "NST_WEIGHTS at a weight file.");
  }
}

vk::Context open_device(const Settings& settings) {
  try {
    vk::ContextOptions options;
    options.device = settings.device;
    return vk::Context(options);
  } catch (const vk::Error& e) {
    throw PluginError(std::string("Could not open a Vulkan device: ") + e.what());
  }
}

// The style at the size that matches the content's full size: its longest side
// style-scale times the content's. The engine shrinks both together at coarser scales.
Image style_at_scale(const JobInput& input, const Image& layer) {
  const uint32_t longest = std::max(input.content.width, input.content.height);
  const auto side = static_cast<uint32_t>(std::max(16L, std::lround(longest * input.settings.style_scale)));
  Image style = image::resize_longest_side(layer, side);
  style.alpha.clear();  // the style's colours are what count, not its coverage
  return style;
}

}  // namespace

void prepare_engine_environment() { vk::prefer_native_vector_width(); }

std::optional<std::string> weights_problem() {
  try {
    read_weights_or_explain(vgg::default_weights_path());
    return std::nullopt;
  } catch (const PluginError& e) {
    return e.what();
  }
}

std::vector<std::string> device_descriptions() {
  try {
    std::vector<std::string> descriptions;
    for (const auto& device : vk::list_devices()) {
      descriptions.push_back(std::to_string(device.index) + ": " + device.name);
    }
    return descriptions;
  } catch (const vk::Error& e) {
    throw PluginError(std::string("No Vulkan device: ") + e.what());
  }
}

std::string progress_text(const style::Progress& p) {
  std::ostringstream out;
  out << "Step " << p.step << " of " << p.steps;
  if (p.scales > 1) out << " (size " << p.scale << " of " << p.scales << ")";
  if (p.tiles) out << ", tile " << p.tile << " of " << p.tiles;
  out << ", about " << minutes_and_seconds(p.remaining_s) << " left";
  return out.str();
}

std::string run_summary(const JobResult& result) {
  const image::Size full{result.image.width, result.image.height};
  std::ostringstream out;
  out << kPluginBinary << ": " << image::describe(full);
  if (result.optimised == full) {
    out << " styled at its full size in " << style::describe(result.tiles);
  } else {
    out << " styled at " << image::describe(result.optimised) << " and enlarged (the device could not hold more)";
  }
  out << ", " << result.steps << " steps in " << result.seconds << " s on " << result.device;
  return out.str();
}

JobResult stylise_layer(const JobInput& input, const style::ProgressCallback& progress, const style::CancelToken& cancel,
                        const std::function<void(const std::string&)>& opened) {
  const Settings& settings = input.settings;
  validate(settings);
  const std::string weights_path = vgg::default_weights_path();
  const vgg::WeightFile weights = read_weights_or_explain(weights_path);
  const image::Size full = image::size_of(input.content);

  style::Request request;
  request.content = input.content;
  request.content.alpha.clear();  // the engine ignores it; the result takes it back
  if (input.styles.empty()) throw PluginError("No style layer given: pick a layer of an open image as the style.");
  for (const StyleInput& style : input.styles) {
    request.styles.push_back({style_at_scale(input, style.image), static_cast<float>(style.weight)});
  }
  request.objective = objective_spec(settings, weights);
  request.options = run_options(settings, full);

  vk::Context context = open_device(settings);
  JobResult job;
  job.device = context.info().name;
  if (opened) opened(job.device);
  job.weights_path = weights_path;
  job.weights_sha256 = file_sha256(weights_path);
  try {
    const vgg::Network network(context, weights, pooling(settings));
    for (const auto& layer : request.objective.content_layers) network.require_layer(layer);
    for (const auto& layer : request.objective.style_layers) network.require_layer(layer.layer);
    const style::Result result = style::stylise(network, request, progress, cancel);
    job.image = result.image;
    job.image.alpha = input.content.alpha;
    job.optimised = result.optimised;
    job.tiles = result.tiles;
    job.steps = result.steps;
    job.seconds = result.seconds;
  } catch (const vk::OutOfMemory& e) {
    throw PluginError("The device " + job.device + " has too little memory for this image (" + e.what() +
                      "). Try a smaller working size or style scale, or another device.");
  } catch (const nst::Error& e) {
    throw PluginError(e.what());
  }
  return job;
}

BackgroundJob::BackgroundJob(JobInput input, style::ProgressCallback observe)
    : input_(std::move(input)), observe_(std::move(observe)) {
  thread_ = std::thread([this] {
    try {
      const auto report = [this](const style::Progress& p) {
        {
          const std::lock_guard<std::mutex> lock(mutex_);
          progress_ = p;
          progress_->image = nullptr;  // valid only during the report
        }
        if (observe_) observe_(p);
      };
      const auto opened = [this](const std::string& device) {
        const std::lock_guard<std::mutex> lock(mutex_);
        device_ = device;
      };
      JobResult result = stylise_layer(input_, report, cancel_, opened);
      const std::lock_guard<std::mutex> lock(mutex_);
      result_ = std::move(result);
    } catch (...) {
      const std::lock_guard<std::mutex> lock(mutex_);
      error_ = std::current_exception();
    }
    done_ = true;
  });
}

BackgroundJob::~BackgroundJob() {
  cancel_.cancel();
  if (thread_.joinable()) thread_.join();
}

std::optional<style::Progress> BackgroundJob::progress() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return progress_;
}

std::string BackgroundJob::device() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return device_;
}

JobResult BackgroundJob::result() {
  if (thread_.joinable()) thread_.join();
  if (error_) std::rethrow_exception(error_);
  return std::move(*result_);
}

void wait_for(BackgroundJob& job, const std::function<void(BackgroundJob&)>& tick) {
  // The tick runs inside GLib's C code, which an exception must not cross: it is kept
  // and rethrown once the loop has ended.
  struct Waiting {
    BackgroundJob& job;
    const std::function<void(BackgroundJob&)>& tick;
    GMainLoop* loop;
    std::exception_ptr error;
  };
  GMainLoop* loop = g_main_loop_new(nullptr, FALSE);
  Waiting waiting{job, tick, loop, nullptr};
  g_timeout_add(100, [](gpointer data) -> gboolean {
    auto* w = static_cast<Waiting*>(data);
    try {
      w->tick(w->job);
    } catch (...) {
      w->error = std::current_exception();
      w->job.cancel();
    }
    if (!w->job.done()) return G_SOURCE_CONTINUE;
    g_main_loop_quit(w->loop);
    return G_SOURCE_REMOVE;
  }, &waiting);
  g_main_loop_run(loop);
  g_main_loop_unref(loop);
  if (waiting.error) std::rethrow_exception(waiting.error);
}

}  // namespace nst::plugin
