#version 450
#extension GL_GOOGLE_include_directive : require
// scalars[slot] = scale·Σ partials, or scalars[slot] + scale·Σ partials when accumulating
// (the loss terms of several layers add up in one slot). One workgroup, fixed order.
#include "common.glsl"
#include "reduce.glsl"

layout(std430, binding = 0) readonly buffer Partials { float partials[]; };
layout(std430, binding = 1) buffer Scalars { float scalars[]; };
#include "push_constants.h"
layout(push_constant) uniform PushBlock { nst_push_ReduceFinal p; };

void main() {
  float sum = 0.0;
  CHUNK_STRIDE(i, p.count, p.count) { sum += partials[i]; }  // the one workgroup's chunk is everything
  sum = workgroup_sum(sum) * p.scale;
  if (gl_LocalInvocationID.x == 0) scalars[p.slot] = p.accumulate != 0 ? scalars[p.slot] + sum : sum;
}
