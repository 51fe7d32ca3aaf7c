#version 450
#extension GL_GOOGLE_include_directive : require
// Resamples C×H×W to C×H'×W', each axis on its own (the filter is separable):
// - shrinking by at most 2× or enlarging: bilinear with half-pixel centres, as PyTorch's
//   interpolate(mode='bilinear', align_corners=False): source = (d + ½)·in/out − ½, clamped
//   at 0 below and to the last pixel above;
// - shrinking by more than 2×: the mean over the output pixel's footprint [d, d + 1)·in/out
//   (an area/box filter, partial pixels weighted by their overlap), because bilinear
//   would then skip input pixels and alias. At exactly 2× both give the mean of two pixels,
//   so the switch is seamless.
// Equal sizes copy bit-exactly: one tap of weight 1, the other of weight 0.
#include "common.glsl"

layout(std430, binding = 0) readonly buffer In { float src[]; };
layout(std430, binding = 1) writeonly buffer Out { float dst[]; };
#include "push_constants.h"
layout(push_constant) uniform PushBlock { nst_push_Planes p; };

// The input pixels [first, last] one output pixel d reads along an axis, and how to weigh
// them. Positions are kept as whole numbers in units of 1/(2·out_size) (bilinear) or
// 1/out_size (area), so that only the final weights are rounded: a source position in
// floating point would be off by an ulp of the image size.
struct Taps {
  uint first, last;
  bool area;
  float lambda;         // bilinear: the weight of `last`
  uint lo, hi, in_size; // area: the footprint [lo, hi) in units of 1/out_size
  uint unit;            // area: out_size
};

Taps taps(uint d, uint in_size, uint out_size) {
  Taps t;
  t.area = in_size > 2 * out_size;
  if (t.area) {
    t.unit = out_size;
    t.in_size = in_size;
    t.lo = d * in_size;
    t.hi = (d + 1) * in_size;
    t.first = t.lo / out_size;
    t.last = (t.hi - 1) / out_size;
  } else {
    // source = (d + ½)·in/out − ½ = ((2d + 1)·in − out) / (2·out), clamped at 0.
    int twice_out = int(2 * out_size);
    int numerator = max(int((2 * d + 1) * in_size) - int(out_size), 0);
    t.first = min(uint(numerator / twice_out), in_size - 1);
    t.last = min(t.first + 1, in_size - 1);
    t.lambda = float(numerator - int(t.first) * twice_out) / float(twice_out);
  }
  return t;
}

float weight(Taps t, uint i) {
  // The overlap of pixel i, [i, i + 1)·out, with the footprint, over the footprint's length.
  if (t.area) return float(min((i + 1) * t.unit, t.hi) - max(i * t.unit, t.lo)) / float(t.in_size);
  // At the last pixel first == last: both weights land on it.
  return (i == t.first ? 1.0 - t.lambda : 0.0) + (i == t.last ? t.lambda : 0.0);
}

void main() {
  GRID_STRIDE(e, p.count) {
    uint x = e % p.out_w;
    uint y = (e / p.out_w) % p.out_h;
    uint plane = e / (p.out_w * p.out_h);
    Taps ty = taps(y, p.in_h, p.out_h);
    Taps tx = taps(x, p.in_w, p.out_w);
    uint base = plane * p.in_h * p.in_w;
    float sum = 0.0;
    for (uint iy = ty.first; iy <= ty.last; ++iy) {
      float row = 0.0;
      for (uint ix = tx.first; ix <= tx.last; ++ix) row += weight(tx, ix) * src[base + iy * p.in_w + ix];
      sum += weight(ty, iy) * row;
    }
    dst[e] = sum;
  }
}
