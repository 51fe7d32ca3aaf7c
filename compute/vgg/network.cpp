#include "vgg/network.h"

#include <algorithm>

#include "errors.h"
#include "ops/pool.h"
#include "ops/relu.h"
#include "vgg/layers.h"
#include "vk/error.h"

namespace nst::vgg {
namespace {

std::string pool_name(uint32_t block) { return "pool" + std::to_string(block); }

std::string join(const std::vector<std::string>& names) {
  std::string joined;
  for (const auto& name : names) joined += (joined.empty() ? "" : ", ") + name;
  return joined;
}

}  // namespace

Network::Network(vk::Context& context, const WeightFile& weights, Pooling pooling)
    : context_(context), pooling_(pooling) {
  for (const LayerWeights& layer : weights.layers) {
    weights_.push_back(ops::upload_conv_weights(context, layer.kernel, layer.name));
    flipped_.push_back(ops::upload_conv_weights(context, layer.kernel.flipped_transposed(), layer.name + " flipped"));
  }
}

std::vector<std::string> Network::layers() const {
  std::vector<std::string> names;
  for (size_t i = 0; i < weights_.size(); ++i) {
    names.push_back(kConvolutions[i].name);
    names.push_back(kConvolutions[i].relu);
    if (ends_block(i)) names.push_back(pool_name(kConvolutions[i].block));
  }
  return names;
}

void Network::require_layer(const std::string& name) const {
  const auto names = layers();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    throw nst::Error("layer '" + name + "' is not in the network" +
                    (weights_.size() < kConvolutions.size() ? " (the weight file is partial)" : "") +
                    "; the layers available are: " + join(names));
  }
}

// The steps computing the layers up to the deepest of `features` for an `image`; a
// convolution is fused with its ReLU unless its own (pre-activation) output is a feature.
std::vector<Pass::Layout> Pass::layout(const Network& network, Shape image, const std::vector<std::string>& features) {
  if (features.empty()) throw nst::Error("a network pass needs at least one feature layer");
  const auto order = network.layers();
  size_t deepest = 0;
  for (const auto& name : features) {
    network.require_layer(name);
    deepest = std::max(deepest, size_t(std::find(order.begin(), order.end(), name) - order.begin()));
  }
  auto wanted = [&](const std::string& name) {
    return std::find(features.begin(), features.end(), name) != features.end();
  };
  std::vector<Layout> steps;
  Shape shape = image;
  for (size_t i = 0; i <= deepest; ++i) {
    const std::string& name = order[i];
    if (const auto conv = find_convolution(name)) {
      shape.c = kConvolutions[*conv].cout;
      const bool separate = wanted(name);
      const std::string output = separate ? name : kConvolutions[*conv].relu;
      steps.push_back({Kind::conv, output, *conv, separate ? ops::Fuse::none : ops::Fuse::relu, wanted(output), shape});
      if (!separate) ++i;  // the ReLU is part of this step
    } else if (name.rfind("relu", 0) == 0) {
      steps.push_back({Kind::relu, name, 0, ops::Fuse::none, wanted(name), shape});
    } else {
      shape = ops::pooled_shape(shape);
      steps.push_back({Kind::pool, name, 0, ops::Fuse::none, wanted(name), shape});
    }
  }
  return steps;
}

Pass::Pass(const Network& network, Shape capacity, const std::vector<std::string>& features)
    : network_(network), capacity_(capacity), image_shape_(capacity) {
  vk::Context& context = network.context();
  for (const Layout& l : layout(network, capacity, features)) {
    Tensor out(context, l.shape, l.name), grad(context, l.shape, l.name + " gradient");
    steps_.push_back({l, out, grad, out, grad});
  }
}

uint64_t Pass::bytes(const Network& network, Shape capacity, const std::vector<std::string>& features) {
  uint64_t total = 0;
  for (const Layout& l : layout(network, capacity, features)) total += 2 * l.shape.count() * sizeof(float);
  return total;
}

uint64_t Pass::largest_tensor(const Network& network, Shape capacity, const std::vector<std::string>& features) {
  uint64_t largest = 0;
  for (const Layout& l : layout(network, capacity, features)) largest = std::max(largest, l.shape.count());
  return largest;
}

void Pass::view_at(Shape image) {
  if (image.c != capacity_.c || image.h > capacity_.h || image.w > capacity_.w) {
    throw nst::Error("network pass for images of up to " + capacity_.str() + " got one of " + image.str());
  }
  Shape shape = image;
  for (Step& s : steps_) {
    if (s.kind == Kind::conv) shape.c = s.out_store.shape().c;
    if (s.kind == Kind::pool) shape = ops::pooled_shape(shape);
    s.out = s.out_store.view(shape);
    s.grad = s.grad_store.view(shape);
  }
  image_shape_ = image;
}

const Pass::Step& Pass::step(const std::string& name) const {
  for (const Step& s : steps_) {
    if (s.name == name) return s;
  }
  throw nst::Error("layer '" + name + "' is not computed by this pass");
}

const Tensor& Pass::feature(const std::string& name) const { return step(name).out; }

void Pass::forward(vk::Recorder& rec, const Tensor& image) {
  if (!(image.shape() == image_shape_)) view_at(image.shape());
  image_ = &image;
  const Tensor* input = &image;
  for (Step& s : steps_) {
    switch (s.kind) {
      case Kind::conv:
        ops::conv3x3(rec, *input, network_.weights(s.conv), s.out, s.fuse);
        break;
      case Kind::relu:
        ops::relu(rec, *input, s.out);
        break;
      case Kind::pool:
        if (network_.pooling() == Pooling::max) {
          ops::maxpool2x2(rec, *input, s.out);
        } else {
          ops::avgpool2x2(rec, *input, s.out);
        }
        break;
    }
    input = &s.out;
  }
}

void Pass::backward(vk::Recorder& rec, const GradientAtLayer& gradient_at, Tensor& grad_image) {
  if (!image_) throw nst::Error("a network pass's backward was recorded before its forward");
  for (size_t i = steps_.size(); i-- > 0;) {
    Step& s = steps_[i];
    // The deepest step has no gradient flowing into it: its loss term starts it.
    if (s.feature) gradient_at(rec, s.name, s.grad, i + 1 == steps_.size() ? ops::Accumulate::overwrite : ops::Accumulate::add);
    const Tensor& input = i > 0 ? steps_[i - 1].out : *image_;
    Tensor& grad_input = i > 0 ? steps_[i - 1].grad : grad_image;
    switch (s.kind) {
      case Kind::conv:
        ops::conv3x3_grad_input(rec, s.grad, s.out, network_.flipped(s.conv), grad_input, s.fuse);
        break;
      case Kind::relu:
        ops::relu_grad(rec, s.grad, s.out, grad_input);
        break;
      case Kind::pool:
        if (network_.pooling() == Pooling::max) {
          ops::maxpool2x2_grad(rec, input, s.grad, grad_input);
        } else {
          ops::avgpool2x2_grad(rec, s.grad, grad_input);
        }
        break;
    }
  }
}

}  // namespace nst::vgg
