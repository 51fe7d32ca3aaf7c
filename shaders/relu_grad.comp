#version 450
#extension GL_GOOGLE_include_directive : require
// grad_in = grad_out where the ReLU's output is positive, else 0. Works in place
// (grad_in and grad_out may be the same buffer): each element is read, then written.
#include "common.glsl"
#include "push_constants.h"

layout(std430, binding = 0) readonly buffer GradOut { float grad_out[]; };
layout(std430, binding = 1) readonly buffer Out { float y[]; };
layout(std430, binding = 2) writeonly buffer GradIn { float grad_in[]; };
layout(push_constant) uniform PushBlock { nst_push_Count p; };

void main() {
  GRID_STRIDE(i, p.count) { grad_in[i] = y[i] > 0.0 ? grad_out[i] : 0.0; }
}
