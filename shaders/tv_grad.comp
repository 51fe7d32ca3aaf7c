#version 450
#extension GL_GOOGLE_include_directive : require
// grad = weight·∂L_tv/∂x for x of C×H×W (or grad += it when accumulating). An element takes
// part in the squared differences with each of its (up to four) neighbours in its plane,
// and each contributes 2·(x_here − x_neighbour).
#include "common.glsl"

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) buffer Grad { float grad[]; };
#include "push_constants.h"
layout(push_constant) uniform PushBlock { nst_push_TvGrad p; };

void main() {
  GRID_STRIDE(i, p.count) {
    const uint column = i % p.width, row = (i / p.width) % p.height;
    const float here = x[i];
    float sum = 0.0;
    if (column > 0) sum += here - x[i - 1];
    if (column + 1 < p.width) sum += here - x[i + 1];
    if (row > 0) sum += here - x[i - p.width];
    if (row + 1 < p.height) sum += here - x[i + p.width];
    const float g = 2.0 * p.weight * sum;
    grad[i] = p.accumulate != 0 ? grad[i] + g : g;
  }
}
