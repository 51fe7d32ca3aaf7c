#version 450
#extension GL_GOOGLE_include_directive : require
// scalars[dst] = scalars[a] ∘ scalars[b], ∘ being + − × ÷ for op 0 1 2 3 (ops/scalar_op.h):
// arithmetic on device scalars (e.g. L-BFGS's α_i − β) without a read-back. One invocation.
#include "common.glsl"

layout(std430, binding = 0) buffer Scalars { float scalars[]; };
#include "push_constants.h"
layout(push_constant) uniform PushBlock { nst_push_ScalarOp p; };

float apply(uint op, float a, float b) {
  switch (op) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    default: return a / b;
  }
}

void main() { scalars[p.dst] = apply(p.op, scalars[p.a], scalars[p.b]); }
