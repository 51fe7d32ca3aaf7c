#pragma once
// VGG-19 on the device: the weights of the convolutions a file holds (and their flipped
// twins for the backward pass), and a Pass — the tensors of one forward and backward
// run for one image size, up to the deepest layer asked for, keeping every activation
// the backward pass needs.
#include <functional>
#include <string>
#include <vector>

#include "ops/accumulate.h"
#include "ops/conv.h"
#include "ops/tensor.h"
#include "vgg/weights.h"
#include "vk/context.h"
#include "vk/recorder.h"

namespace nst::vgg {

enum class Pooling { max, average };

class Network {
 public:
  Network(vk::Context& context, const WeightFile& weights, Pooling pooling);

  vk::Context& context() const { return context_; }
  Pooling pooling() const { return pooling_; }
  size_t convolutions() const { return weights_.size(); }
  const ops::ConvWeights& weights(size_t conv) const { return weights_[conv]; }
  const ops::ConvWeights& flipped(size_t conv) const { return flipped_[conv]; }

  // Every layer this network can compute, in order: conv1_1, relu1_1, conv1_2, relu1_2,
  // pool1, conv2_1, … (a pooling layer only after a complete block).
  std::vector<std::string> layers() const;
  // Throws, naming the layers available, unless `name` is one of layers().
  void require_layer(const std::string& name) const;

 private:
  vk::Context& context_;
  Pooling pooling_;
  std::vector<ops::ConvWeights> weights_;
  std::vector<ops::ConvWeights> flipped_;
};

class Pass {
 public:
  // A pass over images of up to `capacity` (3×H×W, network input space) computing the
  // layers up to the deepest of `features`, whose activations the caller reads.
  Pass(const Network& network, Shape capacity, const std::vector<std::string>& features);

  // The device memory a pass of `capacity` takes: its activations and their gradients.
  static uint64_t bytes(const Network& network, Shape capacity, const std::vector<std::string>& features);
  // The floats of its largest tensor (the device's binding limits apply to each).
  static uint64_t largest_tensor(const Network& network, Shape capacity, const std::vector<std::string>& features);

  // Records the forward pass of an image no taller and no wider than the capacity (the
  // tiles of a tiled objective differ in size; one set of buffers serves them all);
  // `image` must stay alive until backward is recorded.
  void forward(vk::Recorder& rec, const Tensor& image);
  // The activation of the last forward's image.
  const Tensor& feature(const std::string& name) const;

  // Called once per feature layer during backward, deepest first, to put the loss's
  // gradient with respect to that layer's activation into `grad` (overwriting it or
  // adding to it, as `accumulate` says).
  using GradientAtLayer = std::function<void(vk::Recorder&, const std::string& layer, Tensor& grad, ops::Accumulate)>;
  // Records the backward pass from the feature layers to the image: grad_image = dL/dx.
  void backward(vk::Recorder& rec, const GradientAtLayer& gradient_at, Tensor& grad_image);

 private:
  enum class Kind { conv, relu, pool };
  // One step of a pass: what it computes and the shape of its output.
  struct Layout {
    Kind kind;
    std::string name;  // the layer it outputs
    size_t conv = 0;   // for Kind::conv
    ops::Fuse fuse = ops::Fuse::none;
    bool feature = false;
    Shape shape;
  };
  struct Step : Layout {
    Tensor out;  // views of the stores below, at the shape of the current image
    Tensor grad;
    Tensor out_store;
    Tensor grad_store;
  };
  static std::vector<Layout> layout(const Network& network, Shape image, const std::vector<std::string>& features);
  const Step& step(const std::string& name) const;
  void view_at(Shape image);

  const Network& network_;
  Shape capacity_;
  Shape image_shape_;
  std::vector<Step> steps_;
  const Tensor* image_ = nullptr;
};

}  // namespace nst::vgg
