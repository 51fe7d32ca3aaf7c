#pragma once
// Errors of the Vulkan runtime: every failure names what was being done and, where a
// Vulkan call failed, its VkResult, so that a user's report says which limit was hit.
#include <vulkan/vulkan.h>

#include <string>

#include "errors.h"

namespace nst::vk {

// A failure of Vulkan or a limit of the device.
class Error : public nst::Error {
 public:
  explicit Error(const std::string& message, VkResult result = VK_SUCCESS)
      : nst::Error(message), result_(result) {}
  VkResult result() const { return result_; }

 private:
  VkResult result_;
};

// An allocation the device's memory cannot hold (heap, budget, maxMemoryAllocationSize,
// or vkAllocateMemory's own refusal): thrown before anything was submitted that would
// use it, so a caller may free other memory and carry on (style::stylise does).
class OutOfMemory : public Error {
 public:
  using Error::Error;
};

// "VK_ERROR_OUT_OF_DEVICE_MEMORY" and so on.
const char* result_name(VkResult result);

// Throws Error("<doing>: <result name>") unless result is VK_SUCCESS.
void check(VkResult result, const std::string& doing);

}  // namespace nst::vk
