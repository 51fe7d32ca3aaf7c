#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// out = relu?(conv3x3(in, w) + b), stride 1, zero padding 1, for GPUs: a workgroup of
// 256 computes 64 output channels × an 8×8 pixel tile; input and weight tiles of 8 input
// channels at a time are staged in shared memory (21 KiB, under every device's 32 KiB),
// and each invocation keeps 4 channels × 4 pixels of accumulators in registers.
#include "common.glsl"
#include "push_constants.h"

layout(constant_id = 3) const uint RELU = 0;

layout(std430, binding = 0) readonly buffer In { float x[]; };
layout(std430, binding = 1) readonly buffer Weights { vec4 w[]; };  // [cout/4][cin][tap]
layout(std430, binding = 2) readonly buffer Bias { vec4 b[]; };     // [cout/4]
layout(std430, binding = 3) writeonly buffer Out { float y[]; };
layout(push_constant) uniform PushBlock { nst_push_Conv p; };

const uint TILE = 8;        // output pixels per side (conv.cpp: kTiledPixels)
const uint PATCH = TILE + 2;
const uint GROUPS = 16;     // groups of 4 output channels per workgroup (64 channels)
const uint CHUNK = 8;       // input channels staged at a time
const uint THREADS = 256;   // conv.cpp: kTiledWorkgroup

shared float s_in[CHUNK][PATCH][PATCH];
shared vec4 s_w[CHUNK][9][GROUPS];

void main() {
  const uint t = gl_LocalInvocationIndex;
  const uint group = t / 16;              // which 4 output channels
  const uint row = (t % 16) / 2;          // which row of the tile
  const uint col0 = (t % 2) * 4;          // which 4 columns of it
  const uint tx0 = gl_WorkGroupID.x * TILE, ty0 = gl_WorkGroupID.y * TILE;
  const uint group0 = gl_WorkGroupID.z * GROUPS;
  const uint groups_total = (p.cout + 3) / 4;
  const uint plane = p.height * p.width;

  vec4 acc[4] = vec4[4](vec4(0), vec4(0), vec4(0), vec4(0));
  for (uint ci0 = 0; ci0 < p.cin; ci0 += CHUNK) {
    for (uint i = t; i < CHUNK * PATCH * PATCH; i += THREADS) {
      const uint c = i / (PATCH * PATCH), r = (i / PATCH) % PATCH, q = i % PATCH;
      const int gy = int(ty0 + r) - 1, gx = int(tx0 + q) - 1;
      const bool inside = ci0 + c < p.cin && gy >= 0 && gy < int(p.height) && gx >= 0 && gx < int(p.width);
      s_in[c][r][q] = inside ? x[(ci0 + c) * plane + uint(gy) * p.width + uint(gx)] : 0.0;
    }
    for (uint i = t; i < CHUNK * 9 * GROUPS; i += THREADS) {
      const uint c = i / (9 * GROUPS), tap = (i / GROUPS) % 9, g = i % GROUPS;
      const bool inside = ci0 + c < p.cin && group0 + g < groups_total;
      s_w[c][tap][g] = inside ? w[((group0 + g) * p.cin + ci0 + c) * 9 + tap] : vec4(0);
    }
    barrier();
    [[unroll]] for (uint c = 0; c < CHUNK; ++c) {
      [[unroll]] for (uint ky = 0; ky < 3; ++ky) {
        float r[6];
        [[unroll]] for (uint q = 0; q < 6; ++q) r[q] = s_in[c][row + ky][col0 + q];
        [[unroll]] for (uint kx = 0; kx < 3; ++kx) {
          const vec4 wv = s_w[c][ky * 3 + kx][group];
          [[unroll]] for (uint px = 0; px < 4; ++px) acc[px] += wv * r[px + kx];
        }
      }
    }
    barrier();
  }

  const uint g = group0 + group;
  if (g >= groups_total) return;
  const uint gy = ty0 + row;
  const vec4 bias = b[g];
  [[unroll]] for (uint px = 0; px < 4; ++px) {
    const uint gx = tx0 + col0 + px;
    if (gy >= p.height || gx >= p.width) continue;
    vec4 v = acc[px] + bias;
    if (RELU != 0) v = max(v, vec4(0));
    [[unroll]] for (uint k = 0; k < 4; ++k) {
      if (g * 4 + k < p.cout) y[(g * 4 + k) * plane + gy * p.width + gx] = v[k];
    }
  }
}
