#version 450
#extension GL_GOOGLE_include_directive : require
// G = F Fᵀ for F of N×M (channels × positions, row-major), not normalised, summed over the
// positions in slices: workgroup z sums positions [z·slice, (z + 1)·slice) into the z-th N×N
// matrix of `g` (with one slice that is G; with more, sum_slices.comp adds them in order, so
// that a small N still gives every core work). A T×T workgroup computes a 4T×4T tile of G,
// each invocation a 4×4 block of it in registers: shared-memory reads are what a tile costs
// (on lavapipe most of all), and here each vec4 read feeds 16 multiply-adds. Blocks of T
// positions of the tile's two 4T-row panels of F are staged in shared memory, transposed so
// that an invocation's four rows are one vec4. Every element is summed over its positions in
// increasing order: G is deterministic. G is symmetric: tiles below the diagonal are skipped,
// and the others are written to their mirror too.
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Features { float f[]; };
layout(std430, binding = 1) writeonly buffer Gram { float g[]; };
#include "push_constants.h"
layout(push_constant) uniform PushBlock { nst_push_Gram p; };

const uint T = gl_WorkGroupSize.x;
shared vec4 row_panel[T][T];     // [k][r]: rows 4r..4r+3 of the row panel at position k0 + k
shared vec4 column_panel[T][T];  // [k][c]: the same for the column panel

// Rows first..first+3 of F at `position`, zero outside F and past `end` (adding 0·0 leaves a
// sum's bits as they are, so partial tiles need no special case).
vec4 four_rows(uint first, uint position, uint end) {
  vec4 values = vec4(0.0);
  for (uint q = 0; q < 4; ++q) {
    if (first + q < p.n && position < end) values[q] = f[(first + q) * p.m + position];
  }
  return values;
}

void main() {
  const uvec3 tile = gl_WorkGroupID;  // x: column tile, y: row tile, z: slice
  if (tile.x < tile.y) return;        // the mirror of a tile above the diagonal
  const uint x = gl_LocalInvocationID.x, y = gl_LocalInvocationID.y;
  const uint row_tile = tile.y * 4 * T, column_tile = tile.x * 4 * T;
  const uint begin = tile.z * p.slice, end = min(begin + p.slice, p.m);

  vec4 sum[4] = vec4[4](vec4(0.0), vec4(0.0), vec4(0.0), vec4(0.0));  // sum[c][r]
  for (uint k0 = begin; k0 < end; k0 += T) {
    row_panel[x][y] = four_rows(row_tile + 4 * y, k0 + x, end);
    column_panel[x][y] = four_rows(column_tile + 4 * y, k0 + x, end);
    barrier();
    for (uint k = 0; k < T; ++k) {
      const vec4 rows = row_panel[k][y], columns = column_panel[k][x];
      for (uint c = 0; c < 4; ++c) sum[c] += rows * columns[c];
    }
    barrier();
  }

  const uint offset = tile.z * p.n * p.n;
  for (uint c = 0; c < 4; ++c) {
    for (uint r = 0; r < 4; ++r) {
      const uint row = row_tile + 4 * y + r, column = column_tile + 4 * x + c;
      if (row >= p.n || column >= p.n) continue;
      g[offset + row * p.n + column] = sum[c][r];
      if (tile.x != tile.y) g[offset + column * p.n + row] = sum[c][r];
    }
  }
}
