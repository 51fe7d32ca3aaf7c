#pragma once
// What every op shares: binding declarations and how element-wise work is dispatched.
#include <algorithm>

#include "ops/tensor.h"
#include "vk/pipeline.h"
#include "vk/recorder.h"

// The SPIR-V of shaders/<name>.comp, as embedded by the build, for a vk::Shader.
#define NST_SPIRV(name) #name, name##_spv, sizeof(name##_spv)

namespace nst::ops {

inline const vk::Binding kRead{vk::BindingKind::storage_buffer, vk::Access::read};
inline const vk::Binding kWrite{vk::BindingKind::storage_buffer, vk::Access::write};
inline const vk::Binding kReadWrite{vk::BindingKind::storage_buffer, vk::Access::read_write};
inline const vk::Binding kTexelRead{vk::BindingKind::texel_r32f, vk::Access::read};
inline const vk::Binding kTexel4Read{vk::BindingKind::texel_rgba32f, vk::Access::read};

// Element-wise shaders loop with a grid stride (shaders/common.glsl: GRID_STRIDE), so a
// bounded number of workgroups covers any count within the device's dispatch limits.
constexpr uint32_t kElementwiseWorkgroup = 256;
constexpr uint32_t kMaxElementwiseGroups = 4096;

inline vk::Specialization elementwise_spec() { return {{kElementwiseWorkgroup, 1, 1}, {}}; }

inline vk::Groups elementwise_groups(uint64_t count) {
  return {std::clamp<uint32_t>(vk::groups_for(count, kElementwiseWorkgroup), 1, kMaxElementwiseGroups)};
}

// Throws unless `a` and `b` have the same shape; `op` names the operation.
void require_same_shape(const char* op, const Tensor& a, const Tensor& b);

}  // namespace nst::ops
