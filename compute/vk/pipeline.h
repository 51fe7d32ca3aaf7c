#pragma once
// Compute pipelines: a Shader names its SPIR-V and its bindings; a Pipeline is one
// specialisation of it. Descriptors are pushed (VK_KHR_push_descriptor), so no pools.
#include <vulkan/vulkan.h>

#include <array>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "vk/handle.h"

namespace nst::vk {

enum class Access { read, write, read_write };

enum class BindingKind {
  storage_buffer,        // GLSL: buffer { float data[]; }
  texel_r32f,            // GLSL: layout(r32f) imageBuffer, one float per texel
  texel_rgba32f,         // GLSL: layout(rgba32f) imageBuffer, four floats per texel
};

struct Binding {
  BindingKind kind;
  Access access;
};

// A compute shader as compiled into the binary. Every shader takes its workgroup size
// from specialisation constants 0, 1, 2 (local_size_x_id = 0, ...) and its own
// constants from id 3 on.
struct Shader {
  const char* name;
  const uint32_t* code;
  size_t code_bytes;
  std::vector<Binding> bindings;
  uint32_t push_bytes;
};

struct Specialization {
  std::array<uint32_t, 3> workgroup{64, 1, 1};
  std::vector<uint32_t> constants;  // ids 3, 4, ...
  bool operator<(const Specialization& o) const {
    return std::tie(workgroup, constants) < std::tie(o.workgroup, o.constants);
  }
};

class Pipeline {
 public:
  Pipeline(VkDevice device, VkPipelineCache cache, const Shader& shader, const Specialization& spec);
  VkPipeline handle() const { return pipeline_.get(); }
  VkPipelineLayout layout() const { return layout_.get(); }
  const Shader& shader() const { return shader_; }
  const Specialization& specialization() const { return spec_; }

 private:
  const Shader& shader_;
  Specialization spec_;
  UniqueDescriptorSetLayout set_layout_;
  UniquePipelineLayout layout_;
  UniquePipeline pipeline_;
};

}  // namespace nst::vk
