#version 450
#extension GL_GOOGLE_include_directive : require
// partials[g] = Σ over workgroup g's chunk of the elements of x (C×H×W) of the squared
// differences with the right and the lower neighbour, where those exist (no wrap, no padding):
// the first pass of the total-variation loss; reduce_final.comp sums the partials.
#include "common.glsl"
#include "reduce.glsl"

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Partials { float partials[]; };
#include "push_constants.h"
layout(push_constant) uniform PushBlock { nst_push_TvPartial p; };

float squared_differences_ahead(uint i) {
  const uint column = i % p.width, row = (i / p.width) % p.height;
  float sum = 0.0;
  if (column + 1 < p.width) {
    const float d = x[i + 1] - x[i];
    sum += d * d;
  }
  if (row + 1 < p.height) {
    const float d = x[i + p.width] - x[i];
    sum += d * d;
  }
  return sum;
}

void main() {
  float sum = 0.0;
  CHUNK_STRIDE(i, p.count, p.chunk) { sum += squared_differences_ahead(i); }
  sum = workgroup_sum(sum);
  if (gl_LocalInvocationID.x == 0) partials[gl_WorkGroupID.x] = sum;
}
