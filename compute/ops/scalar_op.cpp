#include "ops/scalar_op.h"

#include "ops/launch.h"
#include "ops/scalars.h"
#include "scalar_op.spv.h"
#include "push_constants.h"  // shaders/: the Push structs the shaders declare

namespace nst::ops {
namespace {

using Push = push::ScalarOp;

const vk::Shader kScalarOp{NST_SPIRV(scalar_op), {kReadWrite}, sizeof(Push)};

// One value: one invocation in one workgroup.
const vk::Specialization kSingleInvocation{{1, 1, 1}, {}};

}  // namespace

void scalar_op(vk::Recorder& rec, Tensor& scalars, uint32_t dst, ScalarOp op, uint32_t a, uint32_t b) {
  for (const uint32_t slot : {dst, a, b}) require_slot("scalar_op", scalars, slot);
  rec.dispatch(kScalarOp, kSingleInvocation, {scalars.span()}, Push{dst, static_cast<uint32_t>(op), a, b}, {1});
}

}  // namespace nst::ops
