#include "vk/memory.h"

#include <algorithm>
#include <optional>

#include "vk/context.h"
#include "vk/error.h"

namespace nst::vk {
namespace {

std::string mebibytes(uint64_t bytes) {
  return std::to_string((bytes + (1 << 20) - 1) >> 20) + " MiB";
}

VkDeviceSize align_up(VkDeviceSize value, VkDeviceSize alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

}  // namespace

Allocator::Allocator(VkPhysicalDevice physical, VkDevice device, const DeviceInfo& info, uint64_t failing_allocation)
    : physical_(physical), device_(device), info_(info), failing_allocation_(failing_allocation) {
  vkGetPhysicalDeviceMemoryProperties(physical_, &properties_);
}

Allocator::~Allocator() {
  for (auto& block : blocks_) {
    if (block && block->mapped) vkUnmapMemory(device_, block->memory.get());
  }
}

uint32_t Allocator::memory_type(uint32_t allowed_types, MemoryUse use, const std::string& what) const {
  const VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  std::vector<VkMemoryPropertyFlags> wishes;
  switch (use) {
    case MemoryUse::device:
      wishes = {VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0};
      break;
    case MemoryUse::upload:
      wishes = {host};
      break;
    case MemoryUse::download:
      wishes = {host | VK_MEMORY_PROPERTY_HOST_CACHED_BIT, host};
      break;
  }
  for (VkMemoryPropertyFlags wish : wishes) {
    for (uint32_t t = 0; t < properties_.memoryTypeCount; ++t) {
      if ((allowed_types & (1u << t)) && (properties_.memoryTypes[t].propertyFlags & wish) == wish) return t;
    }
  }
  throw Error("no suitable memory type for '" + what + "' on '" + info_.name + "'");
}

MemoryBudget Allocator::budget() const {
  MemoryBudget result;
  VkPhysicalDeviceMemoryBudgetPropertiesEXT budget{};
  budget.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT;
  VkPhysicalDeviceMemoryProperties2 properties{};
  properties.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2;
  if (info_.memory_budget) properties.pNext = &budget;
  vkGetPhysicalDeviceMemoryProperties2(physical_, &properties);
  for (uint32_t h = 0; h < properties.memoryProperties.memoryHeapCount; ++h) {
    const VkMemoryHeap& heap = properties.memoryProperties.memoryHeaps[h];
    if (!(heap.flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) || heap.size < result.heap_bytes) continue;
    result.heap_bytes = heap.size;
    result.budget_bytes = info_.memory_budget ? budget.heapBudget[h] : heap.size;
    result.usage_bytes = info_.memory_budget ? budget.heapUsage[h] : bytes_in_use();
  }
  return result;
}

void Allocator::check_fits(VkDeviceSize bytes, uint32_t type, const std::string& what) const {
  const VkMemoryHeap& heap = properties_.memoryHeaps[properties_.memoryTypes[type].heapIndex];
  const std::string on = " on '" + info_.name + "'";
  if (bytes > heap.size) {
    throw OutOfMemory("cannot allocate " + mebibytes(bytes) + " for '" + what + "': the memory heap" + on +
                " holds " + mebibytes(heap.size), VK_ERROR_OUT_OF_DEVICE_MEMORY);
  }
  if (info_.limits.max_allocation_size && bytes > info_.limits.max_allocation_size) {
    throw OutOfMemory("cannot allocate " + mebibytes(bytes) + " for '" + what + "': maxMemoryAllocationSize" + on +
                " is " + mebibytes(info_.limits.max_allocation_size), VK_ERROR_OUT_OF_DEVICE_MEMORY);
  }
  if (info_.memory_budget && (heap.flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)) {
    const MemoryBudget b = budget();
    if (b.usage_bytes + bytes > b.budget_bytes) {
      throw OutOfMemory("cannot allocate " + mebibytes(bytes) + " for '" + what + "': the memory budget" + on +
                  " is " + mebibytes(b.budget_bytes) + " and " + mebibytes(b.usage_bytes) + " are in use",
                  VK_ERROR_OUT_OF_DEVICE_MEMORY);
    }
  }
}

size_t Allocator::new_block(uint32_t type, VkDeviceSize bytes, const std::string& what) {
  check_fits(bytes, type, what);
  VkMemoryAllocateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
  info.allocationSize = bytes;
  info.memoryTypeIndex = type;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  const VkResult result = vkAllocateMemory(device_, &info, nullptr, &memory);
  if (result != VK_SUCCESS) {
    const std::string message = "cannot allocate " + mebibytes(bytes) + " for '" + what + "' on '" + info_.name +
                                "' (" + mebibytes(in_use_) + " already in use): " + result_name(result);
    if (result == VK_ERROR_OUT_OF_DEVICE_MEMORY || result == VK_ERROR_OUT_OF_HOST_MEMORY) throw OutOfMemory(message, result);
    throw Error(message, result);
  }
  auto block = std::make_unique<Block>();
  block->memory = UniqueMemory(device_, memory);
  block->type = type;
  block->size = bytes;
  block->free_ranges[0] = bytes;
  if (properties_.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) {
    check(vkMapMemory(device_, memory, 0, VK_WHOLE_SIZE, 0, &block->mapped), "mapping memory for '" + what + "'");
  }
  auto empty = std::find(blocks_.begin(), blocks_.end(), nullptr);
  if (empty != blocks_.end()) {
    *empty = std::move(block);
    return static_cast<size_t>(empty - blocks_.begin());
  }
  blocks_.push_back(std::move(block));
  return blocks_.size() - 1;
}

Allocation Allocator::allocate(const VkMemoryRequirements& requirements, MemoryUse use, const std::string& what) {
  const uint32_t type = memory_type(requirements.memoryTypeBits, use, what);
  const VkDeviceSize alignment = std::max<VkDeviceSize>(requirements.alignment, 256);
  const VkDeviceSize bytes = align_up(requirements.size, alignment);
  std::lock_guard<std::mutex> lock(mutex_);
  if (++allocations_ == failing_allocation_) {
    throw OutOfMemory("cannot allocate " + mebibytes(bytes) + " for '" + what + "': allocation " +
                          std::to_string(allocations_) + " fails on purpose (InjectedFaults)",
                      VK_ERROR_OUT_OF_DEVICE_MEMORY);
  }

  auto take = [&](size_t index) -> std::optional<Allocation> {
    Block& block = *blocks_[index];
    for (auto [offset, size] : block.free_ranges) {
      const VkDeviceSize start = align_up(offset, alignment);
      if (start + bytes > offset + size) continue;
      block.free_ranges.erase(offset);
      if (start > offset) block.free_ranges[offset] = start - offset;
      if (start + bytes < offset + size) block.free_ranges[start + bytes] = offset + size - start - bytes;
      in_use_ += bytes;
      peak_ = std::max(peak_, in_use_);
      void* mapped = block.mapped ? static_cast<char*>(block.mapped) + start : nullptr;
      return Allocation{block.memory.get(), start, bytes, mapped, index};
    }
    return std::nullopt;
  };
  for (size_t i = 0; i < blocks_.size(); ++i) {
    if (!blocks_[i] || blocks_[i]->type != type) continue;
    if (auto allocation = take(i)) return *allocation;
  }
  return *take(new_block(type, std::max(bytes, kBlockBytes), what));
}

bool Allocator::is_empty(const Block& block) {
  return block.free_ranges.size() == 1 && block.free_ranges.begin()->second == block.size;
}

bool Allocator::has_other_empty_block(size_t index) const {
  for (size_t i = 0; i < blocks_.size(); ++i) {
    if (i != index && blocks_[i] && blocks_[i]->type == blocks_[index]->type && is_empty(*blocks_[i])) return true;
  }
  return false;
}

void Allocator::free(const Allocation& allocation) {
  std::lock_guard<std::mutex> lock(mutex_);
  Block& block = *blocks_[allocation.block];
  auto& ranges = block.free_ranges;
  auto next = ranges.emplace(allocation.offset, allocation.size).first;
  // Merge with the free neighbours on both sides.
  if (auto after = std::next(next); after != ranges.end() && next->first + next->second == after->first) {
    next->second += after->second;
    ranges.erase(after);
  }
  if (next != ranges.begin()) {
    auto before = std::prev(next);
    if (before->first + before->second == next->first) {
      before->second += next->second;
      ranges.erase(next);
    }
  }
  in_use_ -= allocation.size;
  if (is_empty(block) && (block.size > kBlockBytes || has_other_empty_block(allocation.block))) {
    // Empty blocks go back to the driver, but one of each memory type stays: staging and
    // scratch buffers come and go every step, and a fresh 64 MiB allocation each time costs.
    if (block.mapped) vkUnmapMemory(device_, block.memory.get());
    blocks_[allocation.block].reset();
  }
}

uint64_t Allocator::bytes_in_use() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return in_use_;
}

uint64_t Allocator::peak_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return peak_;
}

void Allocator::reset_peak() {
  std::lock_guard<std::mutex> lock(mutex_);
  peak_ = in_use_;
}

Buffer::Buffer(Context& context, VkDeviceSize bytes, MemoryUse use, const std::string& what)
    : context_(context), name_(what), size_(bytes) {
  if (bytes == 0) throw Error("cannot create the empty buffer '" + what + "'");
  VkBufferCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
  info.size = bytes;
  info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
               VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  if (use == MemoryUse::device && context.limits().texel_buffers) {
    info.usage |= VK_BUFFER_USAGE_STORAGE_TEXEL_BUFFER_BIT;
  }
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  VkBuffer buffer = VK_NULL_HANDLE;
  check(vkCreateBuffer(context.device(), &info, nullptr, &buffer),
        "creating the buffer '" + what + "' of " + mebibytes(bytes));
  buffer_ = UniqueBuffer(context.device(), buffer);
  VkMemoryRequirements requirements{};
  vkGetBufferMemoryRequirements(context.device(), buffer, &requirements);
  allocation_ = context.allocator().allocate(requirements, use, what);
  try {
    check(vkBindBufferMemory(context.device(), buffer, allocation_.memory, allocation_.offset),
          "binding memory to '" + what + "'");
  } catch (...) {
    context.allocator().free(allocation_);
    throw;
  }
}

Buffer::~Buffer() {
  views_.clear();
  buffer_.reset();
  context_.allocator().free(allocation_);
}

VkBufferView Buffer::view(VkFormat format, VkDeviceSize offset, VkDeviceSize range) const {
  std::lock_guard<std::mutex> lock(views_mutex_);
  auto& view = views_[{format, offset, range}];
  if (!view) {
    VkBufferViewCreateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO;
    info.buffer = buffer_.get();
    info.format = format;
    info.offset = offset;
    info.range = range;
    VkBufferView handle = VK_NULL_HANDLE;
    check(vkCreateBufferView(context_.device(), &info, nullptr, &handle), "creating a texel view of '" + name_ + "'");
    view = UniqueBufferView(context_.device(), handle);
  }
  return view.get();
}

}  // namespace nst::vk
