#include "ops/tensor.h"

#include <algorithm>

#include "ops/conv.h"
#include "vk/error.h"

namespace nst {

std::string Shape::str() const {
  return std::to_string(c) + "×" + std::to_string(h) + "×" + std::to_string(w);
}

void check_bindable(const vk::Context& context, const Shape& shape, const std::string& what) {
  const vk::Limits& limits = context.limits();
  const uint64_t bytes = shape.count() * sizeof(float);
  const auto mib = [](uint64_t b) { return std::to_string((b + (1 << 20) - 1) >> 20) + " MiB"; };
  if (shape.count() == 0) throw nst::Error("tensor '" + what + "' is empty (" + shape.str() + ")");
  if (bytes > limits.max_storage_buffer_range) {
    throw vk::Error("tensor '" + what + "' of " + shape.str() + " floats (" + mib(bytes) +
                    ") exceeds the device's maxStorageBufferRange of " + mib(limits.max_storage_buffer_range) +
                    "; use a smaller image size");
  }
  // Texel-buffer limits bind only where the convolutions read tensors as texel buffers.
  const bool texel_reads = ops::choose_conv_variant(context) == ops::ConvVariant::texel;
  if (texel_reads && shape.count() > limits.max_texel_buffer_elements) {
    throw vk::Error("tensor '" + what + "' of " + shape.str() + " floats exceeds the device's maxTexelBufferElements of " +
                    std::to_string(limits.max_texel_buffer_elements) + "; use a smaller image size");
  }
}

uint64_t bindable_floats(const vk::Context& context) {
  const vk::Limits& limits = context.limits();
  const uint64_t storage = limits.max_storage_buffer_range / sizeof(float);
  const bool texel_reads = ops::choose_conv_variant(context) == ops::ConvVariant::texel;
  return texel_reads ? std::min<uint64_t>(storage, limits.max_texel_buffer_elements) : storage;
}

Tensor::Tensor(vk::Context& context, Shape shape, const std::string& name) : context_(&context), shape_(shape) {
  check_bindable(context, shape, name);
  buffer_ = std::make_shared<vk::Buffer>(context, bytes(), vk::MemoryUse::device, name);
}

Tensor::Tensor(vk::Context& context, std::shared_ptr<vk::Buffer> buffer, VkDeviceSize offset, Shape shape)
    : context_(&context), buffer_(std::move(buffer)), offset_(offset), shape_(shape) {
  check_bindable(context, shape, buffer_->name());
  if (offset_ + bytes() > buffer_->size()) {
    throw nst::Error("a view of " + shape.str() + " at byte " + std::to_string(offset) + " lies outside '" +
                    buffer_->name() + "'");
  }
}

void Tensor::upload(std::span<const float> values) {
  if (values.size() != count()) {
    throw nst::Error("uploading " + std::to_string(values.size()) + " floats into tensor '" + name() + "' of " +
                    shape_.str());
  }
  context_->upload(span(), values.data(), bytes());
}

std::vector<float> Tensor::download() const {
  std::vector<float> values(count());
  context_->download(span(), values.data(), bytes());
  return values;
}

}  // namespace nst
