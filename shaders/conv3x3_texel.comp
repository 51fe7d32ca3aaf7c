#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_KHR_shader_subgroup_basic : require
// out = relu?(conv3x3(in, w) + b), stride 1, zero padding 1, shaped for lavapipe: input
// and weights are read through storage texel buffers (real gathers there, where storage
// buffer reads run lane by lane); each invocation accumulates 4 output channels ×
// ROWS rows × 4 columns in registers; the lanes of a subgroup share their output
// channels, so one lane's weight load serves all through subgroupShuffle with a constant
// lane index (one instruction there). Correct on any device and subgroup size.
#include "common.glsl"
#include "push_constants.h"

layout(constant_id = 3) const uint RELU = 0;
layout(constant_id = 4) const uint ROWS = 8;  // conv.cpp: kTexelRows
const uint COLUMNS = 4;                       // conv.cpp: kTexelColumns

layout(binding = 0, r32f) readonly uniform imageBuffer x;
layout(binding = 1, rgba32f) readonly uniform imageBuffer w;  // [cout/4][cin][tap]
layout(std430, binding = 2) readonly buffer Bias { vec4 b[]; };
layout(std430, binding = 3) writeonly buffer Out { float y[]; };
layout(push_constant) uniform PushBlock { nst_push_Conv p; };

void main() {
  const uint group = gl_WorkGroupID.z;  // the 4 output channels, shared by the workgroup
  const int x0 = int(gl_GlobalInvocationID.x * COLUMNS);
  const int y0 = int(gl_GlobalInvocationID.y * ROWS);
  const int height = int(p.height), width = int(p.width);
  const uint plane = p.height * p.width;
  const uint lane_tap = min(gl_SubgroupInvocationID, 8u);

  vec4 acc[ROWS][COLUMNS];
  [[unroll]] for (uint r = 0; r < ROWS; ++r)
    [[unroll]] for (uint c = 0; c < COLUMNS; ++c) acc[r][c] = vec4(0);

  // Every lane runs every iteration, also lanes past the image's edge: shuffles need them.
  for (uint ci = 0; ci < p.cin; ++ci) {
    const int weights = int((group * p.cin + ci) * 9);
    const vec4 lane_weight = imageLoad(w, weights + int(lane_tap));
    const int channel = int(ci * plane);
    float window[ROWS + 2][COLUMNS + 2];
    [[unroll]] for (uint r = 0; r < ROWS + 2; ++r) {
      const int gy = y0 + int(r) - 1;
      [[unroll]] for (uint c = 0; c < COLUMNS + 2; ++c) {
        const int gx = x0 + int(c) - 1;
        const bool inside = gy >= 0 && gy < height && gx >= 0 && gx < width;
        const float v = imageLoad(x, inside ? channel + gy * width + gx : 0).r;
        window[r][c] = inside ? v : 0.0;
      }
    }
    [[unroll]] for (uint tap = 0; tap < 9; ++tap) {
      const vec4 wv = tap < gl_SubgroupSize ? subgroupShuffle(lane_weight, tap) : imageLoad(w, weights + int(tap));
      const uint ky = tap / 3, kx = tap % 3;
      [[unroll]] for (uint r = 0; r < ROWS; ++r)
        [[unroll]] for (uint c = 0; c < COLUMNS; ++c) acc[r][c] += wv * window[r + ky][c + kx];
    }
  }

  const vec4 bias = b[group];
  [[unroll]] for (uint r = 0; r < ROWS; ++r) {
    const int gy = y0 + int(r);
    [[unroll]] for (uint c = 0; c < COLUMNS; ++c) {
      const int gx = x0 + int(c);
      if (gy >= height || gx >= width) continue;
      vec4 v = acc[r][c] + bias;
      if (RELU != 0) v = max(v, vec4(0));
      [[unroll]] for (uint k = 0; k < 4; ++k) {
        if (group * 4 + k < p.cout) y[(group * 4 + k) * plane + uint(gy) * p.width + uint(gx)] = v[k];
      }
    }
  }
}
