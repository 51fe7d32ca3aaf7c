#pragma once
// Device memory: blocks of VkDeviceMemory sub-allocated to buffers, and the buffers.
#include <vulkan/vulkan.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "vk/handle.h"
#include "vk/instance.h"

namespace nst::vk {

enum class MemoryUse {
  device,    // device-local: tensors and weights
  upload,    // host-visible, written by the host: staging for uploads
  download,  // host-visible, read by the host (cached where possible): staging for downloads
};

struct Allocation {
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkDeviceSize offset = 0;
  VkDeviceSize size = 0;
  void* mapped = nullptr;  // host address of offset, for host-visible memory
  size_t block = 0;
};

struct MemoryBudget {
  uint64_t heap_bytes = 0;    // size of the device-local heap
  uint64_t budget_bytes = 0;  // VK_EXT_memory_budget's budget, else the heap size
  uint64_t usage_bytes = 0;   // VK_EXT_memory_budget's usage by all processes, else ours
};

// Hands out aligned ranges of large VkDeviceMemory blocks, so that many tensors cost few
// vkAllocateMemory calls (drivers limit their number). Requests larger than a block get a
// block of their own. Refuses, with a message naming the limit, anything the device's
// heap, budget or maxMemoryAllocationSize cannot hold.
class Allocator {
 public:
  // `failing_allocation`: InjectedFaults' (context.h), 0 for none.
  Allocator(VkPhysicalDevice physical, VkDevice device, const DeviceInfo& info, uint64_t failing_allocation = 0);
  ~Allocator();
  Allocator(const Allocator&) = delete;
  Allocator& operator=(const Allocator&) = delete;

  Allocation allocate(const VkMemoryRequirements& requirements, MemoryUse use, const std::string& what);
  void free(const Allocation& allocation);

  uint64_t bytes_in_use() const;
  uint64_t peak_bytes() const;   // the most in use by our buffers since the last reset_peak()
  void reset_peak();             // the peak becomes what is in use now
  MemoryBudget budget() const;

  static constexpr VkDeviceSize kBlockBytes = 64ull << 20;

 private:
  struct Block {
    UniqueMemory memory;
    uint32_t type = 0;
    VkDeviceSize size = 0;
    void* mapped = nullptr;
    std::map<VkDeviceSize, VkDeviceSize> free_ranges;  // offset -> size
  };
  uint32_t memory_type(uint32_t allowed_types, MemoryUse use, const std::string& what) const;
  void check_fits(VkDeviceSize bytes, uint32_t type, const std::string& what) const;
  size_t new_block(uint32_t type, VkDeviceSize bytes, const std::string& what);
  static bool is_empty(const Block& block);
  bool has_other_empty_block(size_t index) const;  // of block `index`'s memory type

  VkPhysicalDevice physical_;
  VkDevice device_;
  const DeviceInfo& info_;
  VkPhysicalDeviceMemoryProperties properties_{};
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Block>> blocks_;  // null where a block was given back
  uint64_t in_use_ = 0;
  uint64_t peak_ = 0;
  uint64_t allocations_ = 0;  // calls of allocate(), for the injected failure
  uint64_t failing_allocation_;
};

class Context;

// A VkBuffer bound to a sub-allocation. Every buffer can serve as storage buffer, storage
// texel buffer and transfer source/destination; texel views are made on first use.
class Buffer {
 public:
  Buffer(Context& context, VkDeviceSize bytes, MemoryUse use, const std::string& what);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  VkBuffer handle() const { return buffer_.get(); }
  VkDeviceSize size() const { return size_; }
  void* mapped() const { return allocation_.mapped; }
  const std::string& name() const { return name_; }

  // A texel view of [offset, offset + range) in `format`, kept for the buffer's lifetime.
  VkBufferView view(VkFormat format, VkDeviceSize offset, VkDeviceSize range) const;

 private:
  Context& context_;
  std::string name_;
  VkDeviceSize size_;
  UniqueBuffer buffer_;
  Allocation allocation_;
  struct ViewKey {
    VkFormat format;
    VkDeviceSize offset, range;
    bool operator<(const ViewKey& o) const {
      return std::tie(format, offset, range) < std::tie(o.format, o.offset, o.range);
    }
  };
  mutable std::mutex views_mutex_;
  mutable std::map<ViewKey, UniqueBufferView> views_;
};

// A range of a buffer, as bound to a shader.
struct BufferSpan {
  const Buffer* buffer = nullptr;
  VkDeviceSize offset = 0;
  VkDeviceSize size = 0;
};

inline BufferSpan whole(const Buffer& buffer) { return {&buffer, 0, buffer.size()}; }

}  // namespace nst::vk
