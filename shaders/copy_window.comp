#version 450
#extension GL_GOOGLE_include_directive : require
// A rectangle of every channel of one C×H×W tensor into another at any position (or added
// to it): a tiled objective cuts a tile's window out of the image, a tile's own positions
// out of its feature maps, and adds the tile's gradients back where they belong.
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Source { float src[]; };
layout(std430, binding = 1) buffer Destination { float dst[]; };
#include "push_constants.h"
layout(push_constant) uniform PushBlock { nst_push_Window p; };

void main() {
  GRID_STRIDE(e, p.channels * p.height * p.width) {
    uint x = e % p.width;
    uint y = (e / p.width) % p.height;
    uint c = e / (p.width * p.height);
    uint from = (c * p.src_h + p.src_y + y) * p.src_w + p.src_x + x;
    uint to = (c * p.dst_h + p.dst_y + y) * p.dst_w + p.dst_x + x;
    dst[to] = p.accumulate != 0 ? dst[to] + src[from] : src[from];
  }
}
