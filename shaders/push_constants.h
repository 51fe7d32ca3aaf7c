// Every shader's push constants, defined once for GLSL and C++: the shaders include this
// file (GL_GOOGLE_include_directive) and declare
//   layout(push_constant) uniform PushBlock { nst_push_Conv p; };
// the C++ functions in compute/ops include it and record an nst::push::Conv. Only 32-bit
// scalars (uint, float), so that std430's layout and C++'s are the same: offsets 0, 4, 8, …
// Adding a shader: add its struct here (compute/README.md, "Adding a kernel").
#ifndef NST_PUSH_CONSTANTS_H
#define NST_PUSH_CONSTANTS_H

#ifdef __cplusplus
#include <cstdint>
namespace nst::push {
using uint = std::uint32_t;
#define NST_PUSH(name) struct name
#else
#define NST_PUSH(name) struct nst_push_##name
#endif

// relu, relu_grad
NST_PUSH(Count) { uint count; };
// rgb_to_net, net_to_rgb, preserve_colors
NST_PUSH(Pixels) { uint pixels; };
// copy_window: a height×width rectangle of each channel, from (src_y, src_x) of a
// channels×src_h×src_w tensor to (dst_y, dst_x) of a channels×dst_h×dst_w one
NST_PUSH(Window) { uint channels, src_h, src_w, src_y, src_x, dst_h, dst_w, dst_y, dst_x, height, width, accumulate; };
// conv3x3_tiled, conv3x3_texel
NST_PUSH(Conv) { uint cin, cout, height, width; };
// maxpool2x2(_grad), avgpool2x2(_grad), resize_bilinear: an input plane mapped onto an output plane
NST_PUSH(Planes) { uint in_h, in_w, out_h, out_w, count; };
// gram
NST_PUSH(Gram) { uint n, m, slice; };
// sum_slices
NST_PUSH(SumSlices) { uint count, slices; };
// gram_grad
NST_PUSH(GramGrad) { uint n, m; float scale; uint accumulate; };
// content_grad
NST_PUSH(ContentGrad) { uint count; float weight; uint accumulate; };
// reduce_partial
NST_PUSH(ReducePartial) { uint count, chunk; };
// reduce_final
NST_PUSH(ReduceFinal) { uint count, slot; float scale; uint accumulate; };
// tv_partial
NST_PUSH(TvPartial) { uint count, chunk, height, width; };
// tv_grad
NST_PUSH(TvGrad) { uint count, height, width; float weight; uint accumulate; };
// axpy, scale
NST_PUSH(Factor) { uint count, slot; float factor; uint use_scalar; };
// adam
NST_PUSH(Adam) { uint count; float learning_rate, beta1, beta2, epsilon, correction1, correction2; };
// scalar_op
NST_PUSH(ScalarOp) { uint dst, op, a, b; };

#undef NST_PUSH
#ifdef __cplusplus
}  // namespace nst::push
#endif

#endif
