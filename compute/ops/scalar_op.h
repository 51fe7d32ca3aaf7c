#pragma once
// Arithmetic on device scalar slots (ops/scalars.h), so that a quantity derived from dot
// products on the device (an L-BFGS coefficient α_i − β, a ratio) needs no read-back.
#include <cstdint>

#include "ops/tensor.h"
#include "vk/recorder.h"

namespace nst::ops {

// The shader's op codes (shaders/scalar_op.comp).
enum class ScalarOp : uint32_t { add = 0, sub = 1, mul = 2, div = 3 };

// scalars[dst] = scalars[a] op scalars[b]; dst may be a or b. Add, sub and mul are correctly
// rounded; div is within Vulkan's 2.5 ULP. shaders/scalar_op.comp
void scalar_op(vk::Recorder& rec, Tensor& scalars, uint32_t dst, ScalarOp op, uint32_t a, uint32_t b);

}  // namespace nst::ops
