#include "vk/error.h"

namespace nst::vk {

const char* result_name(VkResult result) {
  switch (result) {
#define NST_RESULT(name) \
  case name:             \
    return #name;
    NST_RESULT(VK_SUCCESS)
    NST_RESULT(VK_NOT_READY)
    NST_RESULT(VK_TIMEOUT)
    NST_RESULT(VK_INCOMPLETE)
    NST_RESULT(VK_ERROR_OUT_OF_HOST_MEMORY)
    NST_RESULT(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    NST_RESULT(VK_ERROR_INITIALIZATION_FAILED)
    NST_RESULT(VK_ERROR_DEVICE_LOST)
    NST_RESULT(VK_ERROR_MEMORY_MAP_FAILED)
    NST_RESULT(VK_ERROR_LAYER_NOT_PRESENT)
    NST_RESULT(VK_ERROR_EXTENSION_NOT_PRESENT)
    NST_RESULT(VK_ERROR_FEATURE_NOT_PRESENT)
    NST_RESULT(VK_ERROR_INCOMPATIBLE_DRIVER)
    NST_RESULT(VK_ERROR_TOO_MANY_OBJECTS)
    NST_RESULT(VK_ERROR_FORMAT_NOT_SUPPORTED)
    NST_RESULT(VK_ERROR_FRAGMENTED_POOL)
    NST_RESULT(VK_ERROR_OUT_OF_POOL_MEMORY)
    NST_RESULT(VK_ERROR_INVALID_EXTERNAL_HANDLE)
    NST_RESULT(VK_ERROR_FRAGMENTATION)
    NST_RESULT(VK_ERROR_UNKNOWN)
#undef NST_RESULT
    default:
      return "VkResult(unknown)";
  }
}

void check(VkResult result, const std::string& doing) {
  if (result != VK_SUCCESS) {
    throw Error(doing + ": " + result_name(result) + " (" + std::to_string(result) + ")", result);
  }
}

}  // namespace nst::vk
