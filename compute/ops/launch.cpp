#include "ops/launch.h"

#include "vk/error.h"

namespace nst::ops {

void require_same_shape(const char* op, const Tensor& a, const Tensor& b) {
  if (!(a.shape() == b.shape())) {
    throw nst::Error(std::string(op) + ": '" + a.name() + "' is " + a.shape().str() + " but '" + b.name() + "' is " +
                    b.shape().str());
  }
}

}  // namespace nst::ops
