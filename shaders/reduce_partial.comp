#version 450
#extension GL_GOOGLE_include_directive : require
// partials[g] = Σ term(a[i], b[i]) over workgroup g's chunk of [0, count), term being a·b
// (dot products) or (a − b)² (content and style losses). reduce_final.comp sums the partials.
#include "common.glsl"
#include "reduce.glsl"

layout(constant_id = 3) const uint TERM = 0;  // 0: a·b, 1: (a − b)²

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) writeonly buffer Partials { float partials[]; };
#include "push_constants.h"
layout(push_constant) uniform PushBlock { nst_push_ReducePartial p; };

float term(uint i) {
  if (TERM == 0) return a[i] * b[i];
  const float difference = a[i] - b[i];
  return difference * difference;
}

void main() {
  float sum = 0.0;
  CHUNK_STRIDE(i, p.count, p.chunk) { sum += term(i); }
  sum = workgroup_sum(sum);
  if (gl_LocalInvocationID.x == 0) partials[gl_WorkGroupID.x] = sum;
}
