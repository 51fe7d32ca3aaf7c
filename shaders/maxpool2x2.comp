#version 450
#extension GL_GOOGLE_include_directive : require
// y = the maximum of each 2×2 window of x, stride 2, floor mode.
#include "common.glsl"
#include "pool.glsl"

layout(std430, binding = 0) readonly buffer In { float x[]; };
layout(std430, binding = 1) writeonly buffer Out { float y[]; };

void main() {
  GRID_STRIDE(o, p.count) {
    uvec4 w = window_indices(o);
    y[o] = max(max(x[w.x], x[w.y]), max(x[w.z], x[w.w]));
  }
}
