#version 450
#extension GL_GOOGLE_include_directive : require
// out[i] = Σ_s slices[s·count + i], the slices added in increasing order: the deterministic
// second pass of a sum that was split along its summation axis (gram.comp's slices).
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Slices { float slices[]; };
layout(std430, binding = 1) writeonly buffer Out { float out_[]; };
#include "push_constants.h"
layout(push_constant) uniform PushBlock { nst_push_SumSlices p; };

void main() {
  GRID_STRIDE(i, p.count) {
    float sum = 0.0;
    for (uint s = 0; s < p.slices; ++s) sum += slices[s * p.count + i];
    out_[i] = sum;
  }
}
