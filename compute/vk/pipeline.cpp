#include "vk/pipeline.h"

#include "vk/error.h"

namespace nst::vk {
namespace {

VkDescriptorType descriptor_type(BindingKind kind) {
  return kind == BindingKind::storage_buffer ? VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
                                             : VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER;
}

}  // namespace

Pipeline::Pipeline(VkDevice device, VkPipelineCache cache, const Shader& shader,
                   const Specialization& spec)
    : shader_(shader), spec_(spec) {
  const std::string doing = std::string("creating the pipeline of shader '") + shader.name + "'";

  std::vector<VkDescriptorSetLayoutBinding> bindings;
  for (uint32_t i = 0; i < shader.bindings.size(); ++i) {
    bindings.push_back({i, descriptor_type(shader.bindings[i].kind), 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr});
  }
  VkDescriptorSetLayoutCreateInfo set_info{};
  set_info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO;
  set_info.flags = VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR;
  set_info.bindingCount = static_cast<uint32_t>(bindings.size());
  set_info.pBindings = bindings.data();
  VkDescriptorSetLayout set_layout = VK_NULL_HANDLE;
  check(vkCreateDescriptorSetLayout(device, &set_info, nullptr, &set_layout), doing);
  set_layout_ = UniqueDescriptorSetLayout(device, set_layout);

  VkPushConstantRange push{VK_SHADER_STAGE_COMPUTE_BIT, 0, shader.push_bytes};
  VkPipelineLayoutCreateInfo layout_info{};
  layout_info.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
  layout_info.setLayoutCount = 1;
  layout_info.pSetLayouts = &set_layout;
  layout_info.pushConstantRangeCount = shader.push_bytes ? 1 : 0;
  layout_info.pPushConstantRanges = &push;
  VkPipelineLayout layout = VK_NULL_HANDLE;
  check(vkCreatePipelineLayout(device, &layout_info, nullptr, &layout), doing);
  layout_ = UniquePipelineLayout(device, layout);

  VkShaderModuleCreateInfo module_info{};
  module_info.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
  module_info.codeSize = shader.code_bytes;
  module_info.pCode = shader.code;
  VkShaderModule module = VK_NULL_HANDLE;
  check(vkCreateShaderModule(device, &module_info, nullptr, &module), doing);
  UniqueShaderModule module_owner(device, module);

  std::vector<uint32_t> values(spec.workgroup.begin(), spec.workgroup.end());
  values.insert(values.end(), spec.constants.begin(), spec.constants.end());
  std::vector<VkSpecializationMapEntry> entries;
  for (uint32_t id = 0; id < values.size(); ++id) {
    entries.push_back({id, static_cast<uint32_t>(id * sizeof(uint32_t)), sizeof(uint32_t)});
  }
  VkSpecializationInfo spec_info{static_cast<uint32_t>(entries.size()), entries.data(),
                                 values.size() * sizeof(uint32_t), values.data()};

  VkComputePipelineCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO;
  info.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  info.stage.module = module;
  info.stage.pName = "main";
  info.stage.pSpecializationInfo = &spec_info;
  info.layout = layout;
  VkPipeline pipeline = VK_NULL_HANDLE;
  check(vkCreateComputePipelines(device, cache, 1, &info, nullptr, &pipeline), doing);
  pipeline_ = UniquePipeline(device, pipeline);
}

}  // namespace nst::vk
