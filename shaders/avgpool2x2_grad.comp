#version 450
#extension GL_GOOGLE_include_directive : require
// grad_in = grad_out / 4 on each of a 2×2 window's inputs, 0 in a dropped odd row or
// column. One invocation per grad_in element: no atomics, deterministic.
#include "common.glsl"
#include "pool.glsl"

layout(std430, binding = 0) readonly buffer GradOut { float grad_out[]; };
layout(std430, binding = 1) writeonly buffer GradIn { float grad_in[]; };

void main() {
  GRID_STRIDE(i, p.count) {
    uint o, position;
    grad_in[i] = find_window(i, o, position) ? 0.25 * grad_out[o] : 0.0;
  }
}
