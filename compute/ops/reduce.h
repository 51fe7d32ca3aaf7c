#pragma once
// Deterministic reductions into a device scalar slot (ops/scalars.h). Two passes: each
// workgroup of the first sums a fixed chunk of the terms into one partial, one workgroup of
// the second sums the partials; the chunks depend only on the count, so the same input
// gives the same bits.
#include <cstdint>

#include "ops/accumulate.h"
#include "ops/tensor.h"
#include "vk/recorder.h"

namespace nst::ops {

// scalars[slot] = Σ a⊙b. shaders/reduce_partial.comp, reduce_final.comp
void dot(vk::Recorder& rec, const Tensor& a, const Tensor& b, Tensor& scalars, uint32_t slot);

// scalars[slot] = scale·Σ(a − b)², or scalars[slot] += it with Accumulate::add.
// shaders/reduce_partial.comp, reduce_final.comp
void sum_squared_difference(vk::Recorder& rec, const Tensor& a, const Tensor& b, float scale, Tensor& scalars,
                            uint32_t slot, Accumulate accumulate);

// For ops with a first pass of their own (e.g. total variation): scratch for the partials
// and the chunking, which such a pass follows (shaders/reduce.glsl: CHUNK_STRIDE).
struct Reduction {
  uint32_t count;   // terms
  uint32_t chunk;   // terms per workgroup
  uint32_t groups;  // workgroups of the first pass, one partial each
  vk::BufferSpan partials;
  vk::Specialization spec;  // the workgroup size of both passes
};
Reduction plan_reduction(vk::Recorder& rec, uint64_t count);

// The second pass: scalars[slot] = scale·Σ partials (or += with Accumulate::add).
// shaders/reduce_final.comp
void finish_reduction(vk::Recorder& rec, const Reduction& reduction, float scale, Tensor& scalars, uint32_t slot,
                      Accumulate accumulate);

}  // namespace nst::ops
