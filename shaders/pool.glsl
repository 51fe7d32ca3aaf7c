// Shared by the 2×2, stride-2, floor-mode pooling shaders: the push constants and where a
// window lies. An odd last row or column of the input belongs to no window (as PyTorch).
#ifndef NST_POOL_GLSL
#define NST_POOL_GLSL

// in_h, in_w: the input's rows and columns; out_h = in_h / 2, out_w = in_w / 2;
// count: the elements this dispatch writes (the output's, or the input gradient's).
#include "push_constants.h"
layout(push_constant) uniform PushBlock { nst_push_Planes p; };

// (channel, row, column) of element `i` of a tensor with h rows and w columns.
uvec3 unflatten(uint i, uint h, uint w) {
  uint rest = i / w;
  return uvec3(rest / h, rest % h, i % w);
}

// The input index of the top-left element of output element `o`'s window.
uint window_origin(uint o) {
  uvec3 out_at = unflatten(o, p.out_h, p.out_w);
  return (out_at.x * p.in_h + 2 * out_at.y) * p.in_w + 2 * out_at.z;
}

// The window's four input indices in row-major order.
uvec4 window_indices(uint o) {
  uint origin = window_origin(o);
  return uvec4(origin, origin + 1, origin + p.in_w, origin + p.in_w + 1);
}

// For input element `i`: whether it lies in a window, and if so that window's output index
// and its position (0..3, row-major) inside it.
bool find_window(uint i, out uint o, out uint position) {
  uvec3 in_at = unflatten(i, p.in_h, p.in_w);
  uint oy = in_at.y / 2, ox = in_at.z / 2;
  o = (in_at.x * p.out_h + oy) * p.out_w + ox;
  position = (in_at.y % 2) * 2 + in_at.z % 2;
  return oy < p.out_h && ox < p.out_w;
}

#endif
