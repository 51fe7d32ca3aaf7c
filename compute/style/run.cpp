#include "style/run.h"

#include <memory>
#include <random>

#include "ops/color.h"
#include "style/optimizer.h"

namespace nst::style {
namespace {

using Clock = std::chrono::steady_clock;

Tensor to_network_space(vk::Context& context, const RgbImage& image, const std::string& name) {
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

RgbImage to_rgb(vk::Context& context, const Tensor& net) {
  Tensor rgb(context, Shape{net.shape().h, net.shape().w, 3}, "result rgb");
  vk::Recorder rec(context);
  ops::net_to_rgb(rec, net, rgb);
  rec.submit();
  return {net.shape().w, net.shape().h, rgb.download()};
}

// Uniform noise over the whole colour range, the same for the same seed.
RgbImage noise(uint32_t width, uint32_t height, uint64_t seed) {
  std::mt19937_64 generator(seed);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  RgbImage image{width, height, std::vector<float>(size_t{width} * height * 3)};
  for (float& v : image.rgb) v = uniform(generator);
  return image;
}

const RgbImage& initial_image(const Request& request, RgbImage& storage) {
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

std::unique_ptr<Optimizer> make_optimizer(const RunOptions& options) {
  if (options.optimizer == OptimizerKind::adam) {
    AdamOptions adam;
    adam.learning_rate = options.learning_rate;
    return std::make_unique<Adam>(adam);
  }
  LbfgsOptions lbfgs;
  lbfgs.history = options.lbfgs_history;
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

}  // namespace

Result stylise(const vgg::Network& network, const Request& request, const ProgressCallback& progress,
               const CancelToken& cancel) {
  vk::Context& context = network.context();
  const auto started = Clock::now();
  Tensor content = to_network_space(context, request.content, "content");
  std::vector<Tensor> style_tensors;
  for (const auto& style : request.styles) style_tensors.push_back(to_network_space(context, style.image, "style"));
  std::vector<StyleImage> styles;
  for (size_t i = 0; i < style_tensors.size(); ++i) styles.push_back({&style_tensors[i], request.styles[i].blend});
  Objective objective(network, request.objective, content, styles);

  RgbImage noise_storage;
  Tensor x = to_network_space(context, initial_image(request, noise_storage), "image");
  Result result;
  result.start = terms_at(objective, x);
  const auto optimizer = make_optimizer(request.options);
  const Problem problem{[&](vk::Recorder& rec, const Tensor& at, Tensor& grad) { objective.evaluate(rec, at, grad); },
                        &objective.scalars(), kTotal};
  const uint32_t steps = request.options.steps;
  for (uint32_t step = 1; step <= steps; ++step) {
    if (cancel.cancelled()) throw Cancelled();
    optimizer->step(problem, x);
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    if (progress) progress({step, steps, objective.losses(), elapsed, elapsed / step * (steps - step)});
  }
  if (cancel.cancelled()) throw Cancelled();
  result.end = terms_at(objective, x);
  result.image = to_rgb(context, x);
  result.steps = steps;
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return result;
}

}  // namespace nst::style
