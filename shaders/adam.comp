#version 450
#extension GL_GOOGLE_include_directive : require
// One Adam step (Kingma & Ba), with bias correction:
//   m = β₁m + (1 − β₁)g,  v = β₂v + (1 − β₂)g²,  x −= lr·(m / c₁) / (√(v / c₂) + ε),
// where c₁ = 1 − β₁ᵗ and c₂ = 1 − β₂ᵗ come from the host for step t.
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Grad { float grad[]; };
layout(std430, binding = 1) buffer M { float m[]; };
layout(std430, binding = 2) buffer V { float v[]; };
layout(std430, binding = 3) buffer X { float x[]; };
#include "push_constants.h"
layout(push_constant) uniform PushBlock { nst_push_Adam p; };

void main() {
  GRID_STRIDE(i, p.count) {
    const float g = grad[i];
    const float mean = p.beta1 * m[i] + (1.0 - p.beta1) * g;
    const float variance = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
    m[i] = mean;
    v[i] = variance;
    x[i] -= p.learning_rate * (mean / p.correction1) / (sqrt(variance / p.correction2) + p.epsilon);
  }
}
