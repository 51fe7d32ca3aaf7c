#pragma once
// The Vulkan runtime in one object: instance, chosen device, compute queue, memory,
// pipelines. Everything the ops record goes through a Recorder made from a Context.
#include <vulkan/vulkan.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "vk/handle.h"
#include "vk/instance.h"
#include "vk/memory.h"
#include "vk/pipeline.h"

namespace nst::vk {

// Failures a test can make happen on purpose (tests/test_faults.cpp), to check that each
// ends in a clean error: the k-th buffer allocation (counted from 1) refused as the device
// would refuse it (vk::OutOfMemory), the k-th submission answered VK_ERROR_DEVICE_LOST.
// 0: never, unless the environment variable NST_FAIL_ALLOCATION or
// NST_LOSE_DEVICE_AT_SUBMISSION gives k (for a test of nst or the GIMP plug-in).
struct InjectedFaults {
  uint64_t failing_allocation = 0;
  uint64_t lost_submission = 0;
};

struct ContextOptions {
  // A device index or name substring; empty: the NST_DEVICE environment variable, and
  // when that is unset too, the best device (discrete GPU, integrated, virtual, CPU).
  std::string device;
  // The Khronos validation layer, its messages collected in validation_messages().
  // Also switched on by NST_VALIDATION=1.
  bool validation = false;
  // Where the pipeline cache is loaded from and saved to; empty: no file.
  std::string pipeline_cache_path;
  InjectedFaults faults;
};

class Context {
 public:
  explicit Context(const ContextOptions& options = {});
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const DeviceInfo& info() const { return info_; }
  const Limits& limits() const { return info_.limits; }
  VkDevice device() const { return device_; }
  VkPhysicalDevice physical_device() const { return physical_; }
  VkQueue queue() const { return queue_; }
  VkCommandPool command_pool() const { return command_pool_.get(); }
  Allocator& allocator() { return *allocator_; }
  PFN_vkCmdPushDescriptorSetKHR push_descriptor_set() const { return push_descriptor_set_; }

  // The pipeline of `shader` with `specialization`, created on first use and kept.
  const Pipeline& pipeline(const Shader& shader, const Specialization& specialization);

  // Submits one recorded command buffer and waits for it (queue access is serialised).
  void submit_and_wait(VkCommandBuffer commands);

  // Validation-layer messages since the last call (empty without validation).
  std::vector<std::string> validation_messages() { return instance_->log().take(); }

  // Synchronous transfers, for tests and one-off uploads; batches use a Recorder.
  void upload(const BufferSpan& destination, const void* data, size_t bytes);
  void download(const BufferSpan& source, void* data, size_t bytes);

 private:
  void create_device();
  void release();  // everything made on the device, then the device
  void save_pipeline_cache() const;

  std::unique_ptr<Instance> instance_;
  DeviceInfo info_;
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  VkDevice device_ = VK_NULL_HANDLE;
  uint32_t queue_family_ = 0;
  VkQueue queue_ = VK_NULL_HANDLE;
  PFN_vkCmdPushDescriptorSetKHR push_descriptor_set_ = nullptr;
  std::string pipeline_cache_path_;
  // Members below are destroyed before the device (declaration order reversed).
  UniqueCommandPool command_pool_;
  UniquePipelineCache pipeline_cache_;
  std::unique_ptr<Allocator> allocator_;
  std::mutex pipelines_mutex_;
  std::map<std::pair<const Shader*, Specialization>, std::unique_ptr<Pipeline>> pipelines_;
  std::mutex queue_mutex_;
  InjectedFaults faults_;
  uint64_t submissions_ = 0;  // guarded by queue_mutex_
};

}  // namespace nst::vk
