#include "vk/instance.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <utility>

#include "vk/error.h"

namespace nst::vk {
namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";
constexpr const char* kNoDriver =
    "no Vulkan driver found: install your GPU's Vulkan driver, or Mesa's CPU driver "
    "lavapipe (Debian/Ubuntu: apt install mesa-vulkan-drivers)";

VKAPI_ATTR VkBool32 VKAPI_CALL on_validation_message(
    VkDebugUtilsMessageSeverityFlagBitsEXT, VkDebugUtilsMessageTypeFlagsEXT,
    const VkDebugUtilsMessengerCallbackDataEXT* data, void* user) {
  static_cast<MessageLog*>(user)->add(data->pMessage ? data->pMessage : "(no message)");
  return VK_FALSE;
}

VkDebugUtilsMessengerCreateInfoEXT messenger_info(MessageLog* log) {
  VkDebugUtilsMessengerCreateInfoEXT info{};
  info.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT;
  info.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                         VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  info.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
  info.pfnUserCallback = on_validation_message;
  info.pUserData = log;
  return info;
}

bool layer_present(const char* name) {
  uint32_t count = 0;
  vkEnumerateInstanceLayerProperties(&count, nullptr);
  std::vector<VkLayerProperties> layers(count);
  vkEnumerateInstanceLayerProperties(&count, layers.data());
  return std::any_of(layers.begin(), layers.end(),
                     [&](const VkLayerProperties& l) { return std::strcmp(l.layerName, name) == 0; });
}

bool has_extension(VkPhysicalDevice device, const char* name) {
  uint32_t count = 0;
  vkEnumerateDeviceExtensionProperties(device, nullptr, &count, nullptr);
  std::vector<VkExtensionProperties> extensions(count);
  vkEnumerateDeviceExtensionProperties(device, nullptr, &count, extensions.data());
  return std::any_of(extensions.begin(), extensions.end(), [&](const VkExtensionProperties& e) {
    return std::strcmp(e.extensionName, name) == 0;
  });
}

bool storage_texel_format(VkPhysicalDevice device, VkFormat format) {
  VkFormatProperties properties{};
  vkGetPhysicalDeviceFormatProperties(device, format, &properties);
  return (properties.bufferFeatures & VK_FORMAT_FEATURE_STORAGE_TEXEL_BUFFER_BIT) != 0;
}

// The compute queue's timestampValidBits (0: no timestamps).
uint32_t compute_queue_timestamp_bits(VkPhysicalDevice device) {
  uint32_t count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(device, &count, nullptr);
  std::vector<VkQueueFamilyProperties> families(count);
  vkGetPhysicalDeviceQueueFamilyProperties(device, &count, families.data());
  for (const auto& family : families) {
    if (family.queueFlags & VK_QUEUE_COMPUTE_BIT) return family.timestampValidBits;
  }
  return 0;
}

DeviceInfo read_device(VkPhysicalDevice device, uint32_t index) {
  VkPhysicalDeviceSubgroupProperties subgroup{};
  subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES;
  VkPhysicalDeviceMaintenance3Properties maintenance3{};
  maintenance3.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES;
  maintenance3.pNext = &subgroup;
  VkPhysicalDeviceDriverProperties driver{};
  driver.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES;
  VkPhysicalDeviceProperties2 properties{};
  properties.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
  properties.pNext = &maintenance3;
  const bool driver_properties = has_extension(device, VK_KHR_DRIVER_PROPERTIES_EXTENSION_NAME);
  if (driver_properties) subgroup.pNext = &driver;
  vkGetPhysicalDeviceProperties2(device, &properties);
  const VkPhysicalDeviceLimits& l = properties.properties.limits;

  DeviceInfo info;
  info.index = index;
  info.name = properties.properties.deviceName;
  info.type = properties.properties.deviceType;
  if (driver_properties) info.driver = std::string(driver.driverName) + " " + driver.driverInfo;
  info.memory_budget = has_extension(device, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
  info.push_descriptors = has_extension(device, VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME);

  VkPhysicalDeviceMemoryProperties memory{};
  vkGetPhysicalDeviceMemoryProperties(device, &memory);
  for (uint32_t h = 0; h < memory.memoryHeapCount; ++h) {
    if (memory.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
      info.device_local_bytes = std::max<uint64_t>(info.device_local_bytes, memory.memoryHeaps[h].size);
  }

  Limits& limits = info.limits;
  limits.max_storage_buffer_range = l.maxStorageBufferRange;
  limits.max_texel_buffer_elements = l.maxTexelBufferElements;
  limits.max_shared_memory = l.maxComputeSharedMemorySize;
  limits.max_workgroup_invocations = l.maxComputeWorkGroupInvocations;
  std::copy(l.maxComputeWorkGroupSize, l.maxComputeWorkGroupSize + 3, limits.max_workgroup_size);
  std::copy(l.maxComputeWorkGroupCount, l.maxComputeWorkGroupCount + 3, limits.max_workgroup_count);
  limits.max_push_constants = l.maxPushConstantsSize;
  limits.min_storage_offset_alignment = l.minStorageBufferOffsetAlignment;
  limits.min_texel_offset_alignment = l.minTexelBufferOffsetAlignment;
  limits.max_allocation_size = maintenance3.maxMemoryAllocationSize;
  limits.subgroup_size = subgroup.subgroupSize;
  limits.subgroup_shuffle = (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
                            (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_SHUFFLE_BIT);
  limits.texel_buffers = storage_texel_format(device, VK_FORMAT_R32_SFLOAT) &&
                         storage_texel_format(device, VK_FORMAT_R32G32B32A32_SFLOAT);
  limits.timestamp_bits = compute_queue_timestamp_bits(device);
  limits.timestamps = limits.timestamp_bits > 0;
  limits.timestamp_period_ns = l.timestampPeriod;
  return info;
}

int type_rank(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 3;
    default: return 4;
  }
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string device_list(const std::vector<DeviceInfo>& devices) {
  std::string list;
  for (const auto& d : devices) list += "\n  " + describe(d);
  return list;
}

}  // namespace

const char* device_type_name(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "CPU";
    default: return "other";
  }
}

std::string describe(const DeviceInfo& d) {
  std::ostringstream out;
  out << d.index << ": " << d.name << " (" << device_type_name(d.type) << ", "
      << d.device_local_bytes / (1024 * 1024) << " MiB"
      << ", max storage buffer " << d.limits.max_storage_buffer_range / (1024 * 1024) << " MiB"
      << ", shared memory " << d.limits.max_shared_memory / 1024 << " KiB"
      << ", workgroup " << d.limits.max_workgroup_invocations << " invocations"
      << ", subgroup " << d.limits.subgroup_size;
  if (!d.driver.empty()) out << ", driver " << d.driver;
  out << ")";
  return out.str();
}

void MessageLog::add(std::string message) {
  std::lock_guard<std::mutex> lock(mutex_);
  messages_.push_back(std::move(message));
}

std::vector<std::string> MessageLog::take() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(messages_, {});
}

std::optional<std::string> lavapipe_vector_width(const char* user, bool cpu_has_avx512) {
  if (user != nullptr || !cpu_has_avx512) return std::nullopt;
  return "512";
}

bool cpu_has_avx512() {
#if defined(__x86_64__) || defined(__i386__)
  return __builtin_cpu_supports("avx512f");  // the CPU's and the OS's support (XCR0)
#else
  return false;
#endif
}

void prefer_native_vector_width() {
  constexpr const char* kVariable = "LP_NATIVE_VECTOR_WIDTH";
  if (const auto width = lavapipe_vector_width(std::getenv(kVariable), cpu_has_avx512())) {
    setenv(kVariable, width->c_str(), 0);
  }
}

Instance::Instance(bool validation) {
  prefer_native_vector_width();
  if (validation && !layer_present(kValidationLayer)) {
    throw Error(std::string("validation was requested but ") + kValidationLayer +
                " is not installed (Debian/Ubuntu: apt install vulkan-validationlayers)");
  }
  VkApplicationInfo app{};
  app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
  app.pApplicationName = "neural-style-transfer";
  app.pEngineName = "nst";
  app.apiVersion = VK_API_VERSION_1_2;

  std::vector<const char*> layers, extensions;
  VkDebugUtilsMessengerCreateInfoEXT messenger = messenger_info(&log_);
  VkInstanceCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
  info.pApplicationInfo = &app;
  if (validation) {
    layers.push_back(kValidationLayer);
    extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    info.pNext = &messenger;  // also catches messages of instance creation itself
  }
  info.enabledLayerCount = static_cast<uint32_t>(layers.size());
  info.ppEnabledLayerNames = layers.data();
  info.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();

  VkResult result = vkCreateInstance(&info, nullptr, &instance_);
  if (result == VK_ERROR_INCOMPATIBLE_DRIVER) throw Error(kNoDriver, result);
  check(result, "creating the Vulkan instance");

  if (validation) {
    auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkCreateDebugUtilsMessengerEXT"));
    if (create) create(instance_, &messenger, nullptr, &messenger_);
  }

  uint32_t count = 0;
  vkEnumeratePhysicalDevices(instance_, &count, nullptr);
  physical_.resize(count);
  vkEnumeratePhysicalDevices(instance_, &count, physical_.data());
  for (uint32_t i = 0; i < count; ++i) devices_.push_back(read_device(physical_[i], i));
}

Instance::~Instance() {
  if (messenger_ != VK_NULL_HANDLE) {
    auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkDestroyDebugUtilsMessengerEXT"));
    if (destroy) destroy(instance_, messenger_, nullptr);
  }
  vkDestroyInstance(instance_, nullptr);
}

uint32_t Instance::choose(const std::string& request) const {
  if (devices_.empty()) throw Error(kNoDriver);
  if (request.empty()) {
    auto best = std::min_element(devices_.begin(), devices_.end(), [](const auto& a, const auto& b) {
      return type_rank(a.type) < type_rank(b.type);
    });
    return best->index;
  }
  if (std::all_of(request.begin(), request.end(), [](unsigned char c) { return std::isdigit(c); })) {
    const unsigned long index = std::stoul(request);
    if (index >= devices_.size()) {
      throw Error("no Vulkan device with index " + request + "; the devices are:" + device_list(devices_));
    }
    return static_cast<uint32_t>(index);
  }
  for (const auto& d : devices_) {
    if (lowercase(d.name).find(lowercase(request)) != std::string::npos) return d.index;
  }
  throw Error("no Vulkan device matches \"" + request + "\"; the devices are:" + device_list(devices_));
}

std::vector<DeviceInfo> list_devices() { return Instance(false).devices(); }

}  // namespace nst::vk
