#include "vk/context.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "vk/error.h"
#include "vk/recorder.h"

namespace nst::vk {
namespace {

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// The faults asked for, else those the environment names (NST_FAIL_ALLOCATION=k,
// NST_LOSE_DEVICE_AT_SUBMISSION=k), so that a test can reach a process it does not build
// the context of (nst, the GIMP plug-in).
InjectedFaults faults_for(const ContextOptions& options) {
  const auto from_environment = [](uint64_t asked, const char* name) {
    return asked ? asked : std::strtoull(environment(name).c_str(), nullptr, 10);
  };
  return {from_environment(options.faults.failing_allocation, "NST_FAIL_ALLOCATION"),
          from_environment(options.faults.lost_submission, "NST_LOSE_DEVICE_AT_SUBMISSION")};
}

std::vector<char> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

Context::Context(const ContextOptions& options)
    : pipeline_cache_path_(options.pipeline_cache_path), faults_(faults_for(options)) {
  const bool validation = options.validation || environment("NST_VALIDATION") == "1";
  instance_ = std::make_unique<Instance>(validation);
  const std::string request = options.device.empty() ? environment("NST_DEVICE") : options.device;
  const uint32_t index = instance_->choose(request);
  info_ = instance_->devices()[index];
  physical_ = instance_->physical_devices()[index];
  if (!info_.push_descriptors) {
    throw Error("the Vulkan device '" + info_.name +
                "' lacks VK_KHR_push_descriptor, which this engine needs; choose another device "
                "(NST_DEVICE) or update its driver");
  }
  try {
    create_device();
  } catch (...) {
    release();  // the destructor does not run for a half-built context
    throw;
  }
}

void Context::create_device() {
  uint32_t count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(physical_, &count, nullptr);
  std::vector<VkQueueFamilyProperties> families(count);
  vkGetPhysicalDeviceQueueFamilyProperties(physical_, &count, families.data());
  bool found = false;
  for (uint32_t i = 0; i < count && !found; ++i) {
    if (families[i].queueFlags & VK_QUEUE_COMPUTE_BIT) {
      queue_family_ = i;
      found = true;
    }
  }
  if (!found) throw Error("the Vulkan device '" + info_.name + "' has no compute queue");

  const float priority = 1.0f;
  VkDeviceQueueCreateInfo queue_info{};
  queue_info.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
  queue_info.queueFamilyIndex = queue_family_;
  queue_info.queueCount = 1;
  queue_info.pQueuePriorities = &priority;

  std::vector<const char*> extensions{VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME};
  if (info_.memory_budget) extensions.push_back(VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
  VkDeviceCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
  info.queueCreateInfoCount = 1;
  info.pQueueCreateInfos = &queue_info;
  info.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();
  check(vkCreateDevice(physical_, &info, nullptr, &device_), "creating the Vulkan device '" + info_.name + "'");
  vkGetDeviceQueue(device_, queue_family_, 0, &queue_);

  push_descriptor_set_ = reinterpret_cast<PFN_vkCmdPushDescriptorSetKHR>(
      vkGetDeviceProcAddr(device_, "vkCmdPushDescriptorSetKHR"));

  VkCommandPoolCreateInfo pool_info{};
  pool_info.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
  pool_info.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pool_info.queueFamilyIndex = queue_family_;
  VkCommandPool pool = VK_NULL_HANDLE;
  check(vkCreateCommandPool(device_, &pool_info, nullptr, &pool), "creating the command pool");
  command_pool_ = UniqueCommandPool(device_, pool);

  // A cache written by another driver or device is ignored by the driver, so any file works.
  std::vector<char> cached;
  if (!pipeline_cache_path_.empty()) cached = read_file(pipeline_cache_path_);
  VkPipelineCacheCreateInfo cache_info{};
  cache_info.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO;
  cache_info.initialDataSize = cached.size();
  cache_info.pInitialData = cached.empty() ? nullptr : cached.data();
  VkPipelineCache cache = VK_NULL_HANDLE;
  if (vkCreatePipelineCache(device_, &cache_info, nullptr, &cache) != VK_SUCCESS) {
    cache_info.initialDataSize = 0;  // a damaged file: start afresh
    cache_info.pInitialData = nullptr;
    check(vkCreatePipelineCache(device_, &cache_info, nullptr, &cache), "creating the pipeline cache");
  }
  pipeline_cache_ = UniquePipelineCache(device_, cache);
  allocator_ = std::make_unique<Allocator>(physical_, device_, info_, faults_.failing_allocation);
}

Context::~Context() { release(); }

void Context::release() {
  if (device_ == VK_NULL_HANDLE) return;
  vkDeviceWaitIdle(device_);
  save_pipeline_cache();
  pipelines_.clear();
  allocator_.reset();
  pipeline_cache_.reset();
  command_pool_.reset();
  vkDestroyDevice(device_, nullptr);
  device_ = VK_NULL_HANDLE;
}

void Context::save_pipeline_cache() const {
  if (pipeline_cache_path_.empty() || !pipeline_cache_) return;
  size_t bytes = 0;
  if (vkGetPipelineCacheData(device_, pipeline_cache_.get(), &bytes, nullptr) != VK_SUCCESS) return;
  std::vector<char> data(bytes);
  if (vkGetPipelineCacheData(device_, pipeline_cache_.get(), &bytes, data.data()) != VK_SUCCESS) return;
  // Written beside and renamed, so that a crash never leaves half a cache.
  const std::string partial = pipeline_cache_path_ + ".partial";
  std::ofstream(partial, std::ios::binary).write(data.data(), static_cast<std::streamsize>(bytes));
  std::rename(partial.c_str(), pipeline_cache_path_.c_str());
}

const Pipeline& Context::pipeline(const Shader& shader, const Specialization& specialization) {
  std::lock_guard<std::mutex> lock(pipelines_mutex_);
  auto& slot = pipelines_[{&shader, specialization}];
  if (!slot) slot = std::make_unique<Pipeline>(device_, pipeline_cache_.get(), shader, specialization);
  return *slot;
}

void Context::submit_and_wait(VkCommandBuffer commands) {
  VkFenceCreateInfo fence_info{};
  fence_info.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
  VkFence fence = VK_NULL_HANDLE;
  check(vkCreateFence(device_, &fence_info, nullptr, &fence), "creating a fence");
  UniqueFence owner(device_, fence);
  VkSubmitInfo submit{};
  submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &commands;
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    const bool lose = ++submissions_ == faults_.lost_submission;
    check(lose ? VK_ERROR_DEVICE_LOST : vkQueueSubmit(queue_, 1, &submit, fence),
          "submitting work to '" + info_.name + "'");
  }
  check(vkWaitForFences(device_, 1, &fence, VK_TRUE, UINT64_MAX), "waiting for '" + info_.name + "'");
}

void Context::upload(const BufferSpan& destination, const void* data, size_t bytes) {
  Recorder recorder(*this);
  recorder.upload(destination, data, bytes);
  recorder.submit();
}

void Context::download(const BufferSpan& source, void* data, size_t bytes) {
  Recorder recorder(*this);
  const auto handle = recorder.download(source, bytes);
  recorder.submit();
  recorder.read(handle, data, bytes);
}

}  // namespace nst::vk
