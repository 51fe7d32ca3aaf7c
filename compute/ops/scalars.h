#pragma once
// Device scalars: losses, dot products and step factors stay on the device in a small
// tensor (e.g. 1×1×k) whose elements are numbered slots, so an optimiser can use them
// without a round trip to the host.
#include <string>

#include "ops/tensor.h"
#include "vk/error.h"

namespace nst::ops {

// Throws unless `scalars` has an element `slot`; `op` names the operation.
inline void require_slot(const char* op, const Tensor& scalars, uint32_t slot) {
  if (slot >= scalars.count()) {
    throw nst::Error(std::string(op) + ": slot " + std::to_string(slot) + " lies outside '" + scalars.name() + "' of " +
                    scalars.shape().str());
  }
}

}  // namespace nst::ops
