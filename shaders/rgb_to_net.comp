#version 450
#extension GL_GOOGLE_include_directive : require
// Interleaved RGB pixels in 0..1 (rows × columns × 3) to the network's planar input
// space: net[0] = 255 B − 103.939, net[1] = 255 G − 116.779, net[2] = 255 R − 123.68.
#include "common.glsl"
#include "net_space.glsl"
#include "push_constants.h"

layout(std430, binding = 0) readonly buffer Rgb { float rgb[]; };
layout(std430, binding = 1) writeonly buffer Net { float net[]; };
layout(push_constant) uniform PushBlock { nst_push_Pixels p; };

void main() {
  GRID_STRIDE(i, p.pixels) {
    vec3 bgr = vec3(rgb[3 * i + 2], rgb[3 * i + 1], rgb[3 * i]);
    vec3 value = kScale * bgr - kMeanBgr;
    net[i] = value.x;
    net[p.pixels + i] = value.y;
    net[2 * p.pixels + i] = value.z;
  }
}
