#version 450
#extension GL_GOOGLE_include_directive : require
// The inverse of rgb_to_net: planar network-space BGR to interleaved RGB pixels, clamped
// to 0..1 because the optimised image may leave the displayable range.
#include "common.glsl"
#include "net_space.glsl"
#include "push_constants.h"

layout(std430, binding = 0) readonly buffer Net { float net[]; };
layout(std430, binding = 1) writeonly buffer Rgb { float rgb[]; };
layout(push_constant) uniform PushBlock { nst_push_Pixels p; };

void main() {
  GRID_STRIDE(i, p.pixels) {
    vec3 bgr = vec3(net[i], net[p.pixels + i], net[2 * p.pixels + i]);
    vec3 value = clamp((bgr + kMeanBgr) / kScale, 0.0, 1.0);
    rgb[3 * i] = value.z;
    rgb[3 * i + 1] = value.y;
    rgb[3 * i + 2] = value.x;
  }
}
