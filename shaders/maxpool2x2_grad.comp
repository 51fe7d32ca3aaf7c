#version 450
#extension GL_GOOGLE_include_directive : require
// grad_in = grad_out at each 2×2 window's maximum (the first in row-major order where
// several are equal, as PyTorch), 0 elsewhere and in a dropped odd row or column.
// One invocation per grad_in element, each finding its window's maximum itself: every
// element is written once, without atomics, so the result is deterministic.
#include "common.glsl"
#include "pool.glsl"

layout(std430, binding = 0) readonly buffer In { float x[]; };
layout(std430, binding = 1) readonly buffer GradOut { float grad_out[]; };
layout(std430, binding = 2) writeonly buffer GradIn { float grad_in[]; };

// Position (0..3) of the first maximum of window `o`; strict > keeps the first of equals.
uint first_maximum(uint o) {
  uvec4 w = window_indices(o);
  uint best = 0;
  float best_value = x[w[0]];
  for (uint k = 1; k < 4; ++k) {
    if (x[w[k]] > best_value) {
      best = k;
      best_value = x[w[k]];
    }
  }
  return best;
}

void main() {
  GRID_STRIDE(i, p.count) {
    uint o, position;
    bool pooled = find_window(i, o, position);
    grad_in[i] = pooled && first_maximum(o) == position ? grad_out[o] : 0.0;
  }
}
