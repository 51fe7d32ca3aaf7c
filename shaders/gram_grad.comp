#version 450
#extension GL_GOOGLE_include_directive : require
// grad = scale·(G − A) F for F of N×M, G = F Fᵀ and the style target A of N×N, with
// scale = weight / (N² M²): the gradient of weight·Σ(G − A)² / (4 N² M²) (or grad += it when
// accumulating). A T×T workgroup computes 4T×4T tiles of grad (channels × positions), each
// invocation a 4×4 block of them in registers, as in gram.comp. Blocks of T channels j of
// G − A (transposed, so that an invocation's four rows are one vec4) and of F (an
// invocation's four positions are one vec4) are staged in shared memory. Every element is
// summed over j in increasing order. Workgroups step along the positions, so any M fits the
// dispatch limits.
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Features { float f[]; };
layout(std430, binding = 1) readonly buffer Gram { float g[]; };
layout(std430, binding = 2) readonly buffer Target { float target[]; };
layout(std430, binding = 3) buffer Grad { float grad[]; };
#include "push_constants.h"
layout(push_constant) uniform PushBlock { nst_push_GramGrad p; };

const uint T = gl_WorkGroupSize.x;
shared vec4 difference_block[T][T];  // [j][r]: rows 4r..4r+3 of G − A at column j0 + j
shared vec4 feature_block[T][T];     // [j][c]: positions 4c..4c+3 of F's row j0 + j

// Zero outside the matrices, so that partial tiles need no special case.
vec4 four_differences(uint first_row, uint j) {
  vec4 values = vec4(0.0);
  for (uint q = 0; q < 4; ++q) {
    const uint i = (first_row + q) * p.n + j;
    if (first_row + q < p.n && j < p.n) values[q] = g[i] - target[i];
  }
  return values;
}

vec4 four_features(uint channel, uint first_position) {
  vec4 values = vec4(0.0);
  for (uint q = 0; q < 4; ++q) {
    if (channel < p.n && first_position + q < p.m) values[q] = f[channel * p.m + first_position + q];
  }
  return values;
}

void main() {
  const uint x = gl_LocalInvocationID.x, y = gl_LocalInvocationID.y;
  const uint row_tile = gl_WorkGroupID.y * 4 * T;
  const uint column_tiles = (p.m + 4 * T - 1) / (4 * T);
  for (uint tile = gl_WorkGroupID.x; tile < column_tiles; tile += gl_NumWorkGroups.x) {
    const uint column_tile = tile * 4 * T;
    vec4 sum[4] = vec4[4](vec4(0.0), vec4(0.0), vec4(0.0), vec4(0.0));  // sum[c][r]
    for (uint j0 = 0; j0 < p.n; j0 += T) {
      difference_block[x][y] = four_differences(row_tile + 4 * y, j0 + x);
      feature_block[y][x] = four_features(j0 + y, column_tile + 4 * x);
      barrier();
      for (uint j = 0; j < T; ++j) {
        const vec4 rows = difference_block[j][y], columns = feature_block[j][x];
        for (uint c = 0; c < 4; ++c) sum[c] += rows * columns[c];
      }
      barrier();
    }
    for (uint c = 0; c < 4; ++c) {
      for (uint r = 0; r < 4; ++r) {
        const uint row = row_tile + 4 * y + r, column = column_tile + 4 * x + c;
        if (row >= p.n || column >= p.m) continue;
        const uint i = row * p.m + column;
        const float value = p.scale * sum[c][r];
        grad[i] = p.accumulate != 0 ? grad[i] + value : value;
      }
    }
  }
}
