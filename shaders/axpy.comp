#version 450
#extension GL_GOOGLE_include_directive : require
// y += factor·s·x, where s is scalars[slot] when use_scalar is set and 1 otherwise: with a
// factor computed on the device (a step length, an L-BFGS coefficient) an optimiser needs no
// read-back. Without it the caller binds any buffer (x itself) as scalars, which is not read.
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Scalars { float scalars[]; };
layout(std430, binding = 1) readonly buffer X { float x[]; };
layout(std430, binding = 2) buffer Y { float y[]; };
#include "push_constants.h"
layout(push_constant) uniform PushBlock { nst_push_Factor p; };

void main() {
  const float a = p.use_scalar != 0 ? p.factor * scalars[p.slot] : p.factor;
  GRID_STRIDE(i, p.count) { y[i] += a * x[i]; }
}
