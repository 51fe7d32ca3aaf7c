#pragma once
// Rectangles of C×H×W tensors: what a tiled objective (style/tiles.h) cuts out of the
// image and its feature maps, and adds its gradients back into.
#include <cstdint>
#include <string>

#include "ops/accumulate.h"
#include "ops/tensor.h"
#include "vk/recorder.h"

namespace nst::ops {

struct Rect {
  uint32_t x = 0, y = 0, width = 0, height = 0;
  uint64_t area() const { return uint64_t{width} * height; }
  bool operator==(const Rect&) const = default;
  std::string str() const;  // "64×48 at (16, 0)"
};

// The rectangle `from` of every channel of src into dst at (to_x, to_y), overwriting or
// adding as `accumulate` says; src and dst have the same channel count, and each
// rectangle lies inside its tensor. shaders/copy_window.comp
void copy_window(vk::Recorder& rec, const Tensor& src, Rect from, Tensor& dst, uint32_t to_x, uint32_t to_y,
                 Accumulate accumulate);

}  // namespace nst::ops
