#version 450
#extension GL_GOOGLE_include_directive : require
// y = max(x, 0)
#include "common.glsl"
#include "push_constants.h"

layout(std430, binding = 0) readonly buffer In { float x[]; };
layout(std430, binding = 1) writeonly buffer Out { float y[]; };
layout(push_constant) uniform PushBlock { nst_push_Count p; };

void main() {
  GRID_STRIDE(i, p.count) { y[i] = max(x[i], 0.0); }
}
