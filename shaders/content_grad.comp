#version 450
#extension GL_GOOGLE_include_directive : require
// grad = weight·(F − P), the gradient of weight·½Σ(F − P)² (or grad += it when accumulating).
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Features { float f[]; };
layout(std430, binding = 1) readonly buffer Target { float target[]; };
layout(std430, binding = 2) buffer Grad { float grad[]; };
#include "push_constants.h"
layout(push_constant) uniform PushBlock { nst_push_ContentGrad p; };

void main() {
  GRID_STRIDE(i, p.count) {
    const float g = p.weight * (f[i] - target[i]);
    grad[i] = p.accumulate != 0 ? grad[i] + g : g;
  }
}
