#pragma once
// The engine's errors. nst::Error: a fault the caller can act on that is not the device's —
// tensors of shapes that do not fit together, an objective without layers, a layer the
// network lacks. Every message names what was being done and the shapes, layers or values
// involved. vk::Error (vk/error.h) derives from it for failures of Vulkan and of the
// device's limits, so a front end catches nst::Error for both.
#include <stdexcept>

namespace nst {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace nst
