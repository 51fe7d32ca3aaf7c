#pragma once
// A feature map or image on the device: C×H×W floats, channel-major (CHW), row-major.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "vk/context.h"
#include "vk/memory.h"

namespace nst {

struct Shape {
  uint32_t c = 1, h = 1, w = 1;
  uint64_t count() const { return uint64_t{c} * h * w; }
  uint64_t plane() const { return uint64_t{h} * w; }
  bool operator==(const Shape&) const = default;
  std::string str() const;  // "64×256×256"
};

class Tensor {
 public:
  // A tensor with a device-local buffer of its own. Refuses, naming the limit, a tensor
  // larger than the device can bind (maxStorageBufferRange, maxTexelBufferElements).
  Tensor(vk::Context& context, Shape shape, const std::string& name);
  // A view of `shape` at byte `offset` of an existing buffer (e.g. inside a guard region).
  Tensor(vk::Context& context, std::shared_ptr<vk::Buffer> buffer, VkDeviceSize offset, Shape shape);

  const Shape& shape() const { return shape_; }
  uint64_t count() const { return shape_.count(); }
  uint64_t bytes() const { return count() * sizeof(float); }
  const std::string& name() const { return buffer_->name(); }
  // The same memory seen as `shape` (no more elements than the buffer holds from this
  // tensor's start): a tiled pass reuses one set of buffers for tiles of different sizes.
  Tensor view(Shape shape) const { return Tensor(*context_, buffer_, offset_, shape); }
  vk::Context& context() const { return *context_; }
  vk::BufferSpan span() const { return {buffer_.get(), offset_, bytes()}; }

  void upload(std::span<const float> values);  // synchronous
  std::vector<float> download() const;         // synchronous

 private:
  vk::Context* context_;
  std::shared_ptr<vk::Buffer> buffer_;
  VkDeviceSize offset_ = 0;
  Shape shape_;
};

// Throws unless `shape` fits the device's binding limits; `what` names the tensor.
void check_bindable(const vk::Context& context, const Shape& shape, const std::string& what);
// The most floats a tensor may hold on this device (check_bindable's limits).
uint64_t bindable_floats(const vk::Context& context);

}  // namespace nst
