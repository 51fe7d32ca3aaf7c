#version 450
#extension GL_GOOGLE_include_directive : require
// Colour preservation by luminance-only transfer (Gatys et al. 2017, "Controlling
// Perceptual Factors in Neural Style Transfer"): the stylised image's luminance Y with the
// content's chroma I, Q, in YIQ on the sRGB-encoded 0..1 values, clamped to 0..1.
//
// from_yiq(Y_s, I_c, Q_c) = from_yiq(Y_c, I_c, Q_c) + from_yiq(Y_s − Y_c, 0, 0)
//                         = content + (Y_s − Y_c)·(1, 1, 1),
// because YIQ is linear and a grey (v, v, v) has Y = v and I = Q = 0 (the rows of I and
// Q sum to 0, Y's to 1). So only Y's row is needed; it is also exact, where the published
// inverse matrix's rounded coefficients would move the chroma by ~1e-3.
#include "common.glsl"
#include "push_constants.h"

layout(std430, binding = 0) readonly buffer Stylised { float stylised[]; };
layout(std430, binding = 1) readonly buffer Content { float content[]; };
layout(std430, binding = 2) writeonly buffer Out { float result[]; };
layout(push_constant) uniform PushBlock { nst_push_Pixels p; };

// YIQ's (and BT.601's) luminance row.
const vec3 kLuma = vec3(0.299, 0.587, 0.114);

vec3 pixel_of_stylised(uint i) { return vec3(stylised[3 * i], stylised[3 * i + 1], stylised[3 * i + 2]); }
vec3 pixel_of_content(uint i) { return vec3(content[3 * i], content[3 * i + 1], content[3 * i + 2]); }

void main() {
  GRID_STRIDE(i, p.pixels) {
    vec3 c = pixel_of_content(i);
    float luminance_change = dot(kLuma, pixel_of_stylised(i)) - dot(kLuma, c);
    vec3 value = clamp(c + luminance_change, 0.0, 1.0);
    result[3 * i] = value.x;
    result[3 * i + 1] = value.y;
    result[3 * i + 2] = value.z;
  }
}
