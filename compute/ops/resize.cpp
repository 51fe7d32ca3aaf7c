#include "ops/resize.h"

#include "ops/launch.h"
#include "resize_bilinear.spv.h"
#include "vk/error.h"
#include "push_constants.h"  // shaders/: the Push structs the shaders declare

namespace nst::ops {
namespace {

// shaders/resize_bilinear.comp: Push
using Push = push::Planes;

const vk::Shader kResizeBilinear{NST_SPIRV(resize_bilinear), {kRead, kWrite}, sizeof(Push)};

}  // namespace

void resize_bilinear(vk::Recorder& rec, const Tensor& in, Tensor& out) {
  const Shape& from = in.shape();
  const Shape& to = out.shape();
  if (from.c != to.c) {
    throw nst::Error("resize_bilinear: '" + in.name() + "' (" + from.str() + ") and '" + out.name() + "' (" + to.str() +
                    ") differ in channels");
  }
  const Push push{from.h, from.w, to.h, to.w, uint32_t(out.count())};
  rec.dispatch(kResizeBilinear, elementwise_spec(), {in.span(), out.span()}, push, elementwise_groups(out.count()));
}

}  // namespace nst::ops
