#include "ops/window.h"

#include "copy_window.spv.h"
#include "errors.h"
#include "ops/launch.h"
#include "push_constants.h"  // shaders/: the Push structs the shaders declare

namespace nst::ops {
namespace {

// shaders/copy_window.comp: Push
using Push = push::Window;

const vk::Shader kCopyWindow{NST_SPIRV(copy_window), {kRead, kReadWrite}, sizeof(Push)};

bool inside(Rect r, const Shape& shape) {
  return r.width > 0 && r.height > 0 && uint64_t{r.x} + r.width <= shape.w && uint64_t{r.y} + r.height <= shape.h;
}

}  // namespace

std::string Rect::str() const {
  return std::to_string(width) + "×" + std::to_string(height) + " at (" + std::to_string(x) + ", " +
         std::to_string(y) + ")";
}

void copy_window(vk::Recorder& rec, const Tensor& src, Rect from, Tensor& dst, uint32_t to_x, uint32_t to_y,
                 Accumulate accumulate) {
  const Rect to{to_x, to_y, from.width, from.height};
  if (src.shape().c != dst.shape().c || !inside(from, src.shape()) || !inside(to, dst.shape())) {
    throw nst::Error("copy_window: " + from.str() + " of '" + src.name() + "' (" + src.shape().str() + ") to " +
                     to.str() + " of '" + dst.name() + "' (" + dst.shape().str() + ") does not fit");
  }
  const Shape& s = src.shape();
  const Shape& d = dst.shape();
  const Push push{s.c, s.h, s.w, from.y, from.x, d.h, d.w, to_y, to_x, from.height, from.width,
                  accumulate_flag(accumulate)};
  rec.dispatch(kCopyWindow, elementwise_spec(), {src.span(), dst.span()}, push,
               elementwise_groups(uint64_t{s.c} * from.area()));
}

}  // namespace nst::ops
