#pragma once
// The Vulkan instance, the validation layer's message log, and the list of devices.
#include <vulkan/vulkan.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace nst::vk {

// The limits the engine plans buffers, tiles and dispatches from.
struct Limits {
  uint64_t max_storage_buffer_range = 0;
  uint32_t max_texel_buffer_elements = 0;
  uint32_t max_shared_memory = 0;
  uint32_t max_workgroup_invocations = 0;
  uint32_t max_workgroup_size[3] = {0, 0, 0};
  uint32_t max_workgroup_count[3] = {0, 0, 0};
  uint32_t max_push_constants = 0;
  uint64_t min_storage_offset_alignment = 0;
  uint64_t min_texel_offset_alignment = 0;
  uint64_t max_allocation_size = 0;
  uint32_t subgroup_size = 0;
  bool subgroup_shuffle = false;   // subgroupShuffle usable in compute shaders
  bool texel_buffers = false;      // r32f and rgba32f storage texel buffers
  bool timestamps = false;         // compute queue writes timestamps
  uint32_t timestamp_bits = 0;     // of which this many are valid (counters wrap there)
  float timestamp_period_ns = 0;
};

struct DeviceInfo {
  uint32_t index = 0;              // position in vkEnumeratePhysicalDevices' order
  std::string name;
  VkPhysicalDeviceType type = VK_PHYSICAL_DEVICE_TYPE_OTHER;
  std::string driver;              // driver name and version, where the driver says
  uint64_t device_local_bytes = 0; // the largest device-local heap
  bool memory_budget = false;      // VK_EXT_memory_budget present
  bool push_descriptors = false;   // VK_KHR_push_descriptor present (required)
  Limits limits;
};

// The vector width (LP_NATIVE_VECTOR_WIDTH) this program sets for lavapipe (Mesa's
// llvmpipe), which compiles shaders for 256-bit vectors unless told: "512" where the CPU
// has AVX-512 and the user has not set the variable (`user`: its value, null if unset);
// nothing otherwise. Why 512: docs/design.md § Vector width on lavapipe.
std::optional<std::string> lavapipe_vector_width(const char* user, bool cpu_has_avx512);
bool cpu_has_avx512();
// Sets LP_NATIVE_VECTOR_WIDTH where lavapipe_vector_width() says so. The driver reads it
// when it loads, at the first instance: Instance's constructor calls this first; a
// program with threads calls it at its start, before another thread reads the
// environment (the plug-ins do).
void prefer_native_vector_width();

// "discrete GPU", "integrated GPU", "CPU", ...
const char* device_type_name(VkPhysicalDeviceType type);
// One line per device for --list-devices and error messages.
std::string describe(const DeviceInfo& device);

// Messages from the validation layer, kept per instance so that tests can fail the test
// that caused one.
class MessageLog {
 public:
  void add(std::string message);
  std::vector<std::string> take();

 private:
  std::mutex mutex_;
  std::vector<std::string> messages_;
};

class Instance {
 public:
  // validation: enable VK_LAYER_KHRONOS_validation and route its messages to log().
  explicit Instance(bool validation);
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  VkInstance handle() const { return instance_; }
  const std::vector<VkPhysicalDevice>& physical_devices() const { return physical_; }
  const std::vector<DeviceInfo>& devices() const { return devices_; }
  MessageLog& log() { return log_; }

  // The device named by `request` (an index or a case-insensitive name substring), or,
  // when it is empty, the best one: discrete GPU, then integrated, virtual, CPU.
  uint32_t choose(const std::string& request) const;

 private:
  VkInstance instance_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  std::vector<VkPhysicalDevice> physical_;
  std::vector<DeviceInfo> devices_;
  MessageLog log_;
};

// Every Vulkan device with its type, memory and limits (creates a short-lived instance).
std::vector<DeviceInfo> list_devices();

}  // namespace nst::vk
