#pragma once
// Whether an op overwrites its output or adds to it: the gradients of several loss terms
// add up in one buffer, and their values in one scalar slot.
#include <cstdint>

namespace nst::ops {

enum class Accumulate { overwrite, add };

// The push-constant flag the shaders test (`accumulate != 0`).
inline uint32_t accumulate_flag(Accumulate accumulate) { return accumulate == Accumulate::add ? 1u : 0u; }

}  // namespace nst::ops
