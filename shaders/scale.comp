#version 450
#extension GL_GOOGLE_include_directive : require
// x *= factor·s, where s is scalars[slot] when use_scalar is set and 1 otherwise (as in
// axpy.comp: a factor computed on the device needs no read-back).
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Scalars { float scalars[]; };
layout(std430, binding = 1) buffer X { float x[]; };
#include "push_constants.h"
layout(push_constant) uniform PushBlock { nst_push_Factor p; };

void main() {
  const float a = p.use_scalar != 0 ? p.factor * scalars[p.slot] : p.factor;
  GRID_STRIDE(i, p.count) { x[i] *= a; }
}
