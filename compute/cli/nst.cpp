// nst: the headless front end of the engine.
//   nst CONTENT STYLE… -o OUT       — stylise
//   nst eval IMAGE CONTENT STYLE… — the objective and its gradient at IMAGE
//   nst --list-devices
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include "cli/options.h"
#include "image/atomic_write.h"
#include "image/files.h"
#include "image/npy.h"
#include "ops/color.h"
#include "style/objective.h"
#include "style/parse.h"
#include "style/run.h"
#include "vgg/network.h"
#include "vgg/weights.h"
#include "vk/instance.h"

namespace nst::cli {
namespace {

using image::Image;

// The image at `path`, its longest side resized to `size` (not resampled if it has it);
// the file and the resized image both within the pixel limit.
Image load_at(const std::string& path, uint32_t size, const Options& options) {
  const image::DecodeLimits limits{options.max_pixels};
  Image image = image::load_image(path, limits);
  const image::Size target = image::fit_longest_side(image::size_of(image), size);
  try {
    image::check_pixel_count(target, limits);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("at --size " + std::to_string(options.size) + ", " + path + " would be too large: " + e.what());
  }
  return image::resize_longest_side(image, size);
}

// Every file nst will write can be written, before any work: a missing or read-only
// folder is found now, not after the run.
void check_outputs_writable(const Options& options) {
  for (const std::string* path : {&options.output, &options.json, &options.grad_out}) {
    if (!path->empty()) image::check_writable(*path);
  }
}

nlohmann::json terms_json(const style::LossTerms& terms) {
  return {{"total", terms.total}, {"content", terms.content}, {"style", terms.style}, {"tv", terms.tv}};
}

nlohmann::json spec_json(const style::ObjectiveSpec& spec) {
  nlohmann::json style = nlohmann::json::array();
  for (const auto& l : spec.style_layers) style.push_back({{"layer", l.layer}, {"weight", l.weight}});
  return {{"content_layers", spec.content_layers},
          {"style_layers", style},
          {"content_weight", spec.content_weight},
          {"style_weight", spec.style_weight},
          {"style_weight_reference_pixels", spec.style_weight_reference_pixels},
          {"tv_weight", spec.tv_weight}};
}

// The tiles of the finest scale and the device memory the command held at most.
nlohmann::json memory_json(const style::TilePlan& plan, uint64_t peak_device_bytes) {
  const image::Size window = plan.largest_window();
  return {{"tiles", {{"count", plan.tiles.size()},
                     {"halo", plan.halo},
                     {"largest_window", {window.width, window.height}},
                     {"plan", style::describe(plan)}}},
          {"peak_device_bytes", peak_device_bytes}};
}

void write_json(const std::string& path, const nlohmann::json& summary) {
  image::write_atomically(path, [&](const std::string& file) {
    std::ofstream out(file);
    out << summary.dump(2) << "\n";
    if (!out) throw std::runtime_error("writing failed");
  });
}

// What both commands start from: the weights, the objective's definition.
struct Setup {
  std::string weights_path;
  vgg::WeightFile weights;
  style::ObjectiveSpec spec;
};

Setup setup(const Options& options) {
  Setup s;
  s.weights_path = options.weights.empty() ? vgg::default_weights_path() : options.weights;
  s.weights = vgg::read_weights(s.weights_path);
  if (s.weights.partial()) {
    std::cerr << "nst: " << s.weights_path << " holds a partial network: " << s.weights.available_layers() << "\n";
  }
  s.spec = style::objective_spec(options.objective, s.weights);
  return s;
}

vk::Context make_context(const Options& options) {
  vk::ContextOptions context_options;
  context_options.device = options.device;
  return vk::Context(context_options);
}

uint32_t style_size(const Options& options) {
  return static_cast<uint32_t>(std::lround(options.size * options.style_scale));
}

int evaluate(const Options& options) {
  check_outputs_writable(options);
  const Image x_image = load_at(options.image, options.size, options);
  const Image content_image = load_at(options.content, options.size, options);
  if (image::size_of(x_image) != image::size_of(content_image)) {
    throw std::runtime_error(options.image + " and " + options.content + " differ in shape at --size " +
                             std::to_string(options.size));
  }
  std::vector<Image> style_images;
  for (const auto& path : options.styles) style_images.push_back(load_at(path, style_size(options), options));
  const auto [weights_path, weights, spec] = setup(options);

  vk::Context context = make_context(options);
  {
    vgg::Network network(context, weights, options.pooling);
    Tensor x = style::to_network_space(context, x_image, "image");
    Tensor content = style::to_network_space(context, content_image, "content");
    std::vector<Tensor> style_tensors;
    for (size_t i = 0; i < style_images.size(); ++i) {
      style_tensors.push_back(style::to_network_space(context, style_images[i], "style " + options.styles[i]));
    }
    std::vector<style::StyleTensor> styles;
    for (size_t i = 0; i < style_tensors.size(); ++i) {
      styles.push_back({&style_tensors[i], options.style_blend.empty() ? 1.0f : options.style_blend[i]});
    }
    // Tiled where the whole image's objective does not fit beside x's gradient.
    const double gradient_bytes = double(x.bytes());
    const double available = style::kUsableShare * double(style::available_bytes(context, uint64_t{options.memory_limit_mib} << 20));
    std::vector<Shape> style_shapes;
    for (const Tensor& s : style_tensors) style_shapes.push_back(s.shape());
    const uint32_t tile_side =
        style::tile_side_within(network, spec, x.shape(), style_shapes, available - gradient_bytes, gradient_bytes);
    style::Objective objective(network, spec, content, styles, {tile_side, nullptr});
    Tensor grad(context, x.shape(), "gradient");
    vk::Recorder rec(context);
    objective.evaluate(rec, x, grad);
    rec.submit();
    const style::LossTerms terms = objective.losses();

    std::printf("total %.9g\ncontent %.9g\nstyle %.9g\ntv %.9g\n", terms.total, terms.content, terms.style, terms.tv);
    if (!options.grad_out.empty()) {
      image::save_npy(options.grad_out, grad.download(), {3, x.shape().h, x.shape().w});
    }
    if (!options.json.empty()) {
      nlohmann::json summary = {{"device", context.info().name},
                                {"size", {x.shape().w, x.shape().h}},
                                {"weights", weights_path},
                                {"partial_network", weights.partial()},
                                {"objective", spec_json(spec)},
                                {"loss", terms_json(terms)}};
      summary.update(memory_json(objective.plan(), context.allocator().peak_bytes()));
      write_json(options.json, summary);
    }
  }
  return 0;
}

style::RunOptions run_options(const Options& options, const Image& content) {
  style::RunOptions run;
  run.steps = options.steps;
  run.scales = options.scales;
  if (options.refine_steps) run.refine_steps = options.refine_steps;
  run.preserve_colors = options.preserve_colors;
  run.partial_on_cancel = options.keep_partial;
  run.optimizer = options.optimizer;
  run.learning_rate = options.learning_rate;
  run.seed = options.seed;
  run.memory_limit_bytes = uint64_t{options.memory_limit_mib} << 20;
  run.measure_losses = !options.json.empty();  // only the summary reports them
  if (options.init == "noise") {
    run.init = style::Init::noise;
  } else if (options.init != "content") {
    run.init = style::Init::image;
    Image start = load_at(options.init, options.size, options);
    if (image::size_of(start) != image::size_of(content)) {
      throw std::runtime_error("--init " + options.init + " is not the content's shape at --size " + std::to_string(options.size));
    }
    run.init_image = std::move(start);
  }
  return run;
}

// A bar redrawn in place on a terminal (moving with each tile of a tiled step); a plain
// line per step otherwise, and one per tile ("… step 3/10 tile 5/23 …").
void show_progress(const style::Progress& p) {
  static const bool terminal = isatty(STDERR_FILENO);
  if (terminal) {
    const int filled = static_cast<int>(30.0 * p.fraction());
    const std::string tile = p.tiles ? " tile " + std::to_string(p.tile) + "/" + std::to_string(p.tiles) : "";
    std::fprintf(stderr, "\r[%-30s] scale %u/%u  step %u/%u%s  loss %.4g  %.0f s left ", std::string(filled, '#').c_str(),
                 p.scale, p.scales, p.step, p.steps, tile.c_str(), p.loss.total, p.remaining_s);
    if (p.step == p.steps && !p.tiles) std::fprintf(stderr, "\n");
  } else if (p.tiles) {
    std::fprintf(stderr, "scale %u/%u step %u/%u tile %u/%u elapsed %.1f s\n", p.scale, p.scales, p.step, p.steps, p.tile,
                 p.tiles, p.elapsed_s);
  } else {
    std::fprintf(stderr,
                 "scale %u/%u step %u/%u total %.9g content %.9g style %.9g tv %.9g elapsed %.1f s remaining %.1f s\n",
                 p.scale, p.scales, p.step, p.steps, p.loss.total, p.loss.content, p.loss.style, p.loss.tv, p.elapsed_s,
                 p.remaining_s);
  }
}

// Ctrl-C (SIGINT) and SIGTERM cancel the run between two steps: nothing is written, and
// nst exits 130. A signal handler can reach no object but through a global, so this one
// pointer is the process's only mutable global, set for the duration of a run.
std::atomic<style::CancelToken*> cancel_on_signal{nullptr};

extern "C" void on_signal(int) {
  if (style::CancelToken* token = cancel_on_signal.load()) token->cancel();
}

// Routes SIGINT and SIGTERM to `token` while alive, restoring the defaults after.
class SignalsCancel {
 public:
  explicit SignalsCancel(style::CancelToken& token) {
    cancel_on_signal = &token;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
  }
  ~SignalsCancel() {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    cancel_on_signal = nullptr;
  }
  SignalsCancel(const SignalsCancel&) = delete;
  SignalsCancel& operator=(const SignalsCancel&) = delete;
};

int stylise(const Options& options) {
  image::check_output_path(options.output);
  check_outputs_writable(options);
  style::Request request;
  request.content = load_at(options.content, options.size, options);
  for (size_t i = 0; i < options.styles.size(); ++i) {
    request.styles.push_back({load_at(options.styles[i], style_size(options), options),
                              options.style_blend.empty() ? 1.0f : options.style_blend[i]});
  }
  request.options = run_options(options, request.content);
  const auto [weights_path, weights, spec] = setup(options);
  request.objective = spec;

  vk::Context context = make_context(options);
  nlohmann::json history = nlohmann::json::array();
  style::Result result;
  {
    vgg::Network network(context, weights, options.pooling);
    style::CancelToken cancel;
    const SignalsCancel signals(cancel);
    result = style::stylise(network, request, [&](const style::Progress& p) {
      show_progress(p);
      if (p.step % 10 == 0 && !p.tiles) {
        nlohmann::json entry = terms_json(p.loss);
        entry["step"] = p.step;
        history.push_back(entry);
      }
    }, cancel);
  }
  image::save_image(result.image, options.output);
  const double per_step = result.seconds / std::max(result.steps, 1u);
  std::fprintf(stderr, "nst: %s %s (%u×%u) after %u steps in %.1f s, %.3f s per step; %s, peak device memory %.0f MiB\n",
               result.cancelled ? "cancelled; wrote the image so far to" : "wrote", options.output.c_str(),
               result.image.width, result.image.height, result.steps, result.seconds, per_step,
               style::describe(result.tiles).c_str(), double(result.peak_device_bytes) / (1 << 20));
  if (!options.json.empty()) {
    nlohmann::json summary = {{"device", context.info().name},
                              {"size", {result.image.width, result.image.height}},
                              {"weights", weights_path},
                              {"partial_network", weights.partial()},
                              {"objective", spec_json(spec)},
                              {"optimizer", style::optimizer_name(options.optimizer)},
                              {"steps", result.steps},
                              {"scales", options.scales},
                              {"steps_per_scale", options.steps},
                              {"refine_steps", options.refine_steps ? options.refine_steps : options.steps},
                              {"preserve_colors", options.preserve_colors},
                              {"seconds", result.seconds},
                              {"seconds_per_step", per_step},
                              {"cancelled", result.cancelled},
                              {"optimised_size", {result.optimised.width, result.optimised.height}},
                              {"lbfgs_history", result.lbfgs_history},
                              {"loss", {{"start", terms_json(result.start)}, {"end", terms_json(result.end)}, {"history", history}}}};
    summary.update(memory_json(result.tiles, result.peak_device_bytes));
    write_json(options.json, summary);
  }
  return result.cancelled ? 130 : 0;
}

int list_devices() {
  for (const auto& device : vk::list_devices()) std::printf("%s\n", vk::describe(device).c_str());
  return 0;
}

}  // namespace
}  // namespace nst::cli

int main(int argc, char** argv) {
  using namespace nst::cli;
  try {
    const Options options = parse_arguments(std::vector<std::string>(argv + 1, argv + argc));
    if (options.command == Options::Command::help) return std::printf("%s", help().c_str()) < 0;
    if (options.command == Options::Command::version) return std::printf("%s\n", version().c_str()) < 0;
    if (options.command == Options::Command::list_devices) return list_devices();
    const nst::image::GeglSession gegl;
    return options.command == Options::Command::eval ? evaluate(options) : stylise(options);
  } catch (const nst::style::Cancelled&) {
    std::fprintf(stderr, "\nnst: cancelled; nothing written\n");
    return 130;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "nst: %s\n%s", e.what(), usage());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nst: error: %s\n", e.what());
    return 1;
  }
}
