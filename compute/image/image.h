#pragma once
// The one image type of the project: what the engine optimises, what nst reads and writes,
// and what the GIMP plug-in reads from and writes to layers. Host memory only; nothing here
// knows about Vulkan or GEGL.
#include <cstdint>
#include <string>
#include <vector>

namespace nst::image {

// Width × height pixels, row-major, channels interleaved.
struct Image {
  uint32_t width = 0;
  uint32_t height = 0;
  // R'G'B' in 0..1: sRGB-encoded (non-linear) values, the space VGG's input expects;
  // width × height × 3 floats.
  std::vector<float> rgb;
  // Opacity in 0..1 (width × height floats, unassociated: rgb is not premultiplied), or
  // empty when the source has no alpha channel. The engine ignores it; resizing carries it
  // along, saving drops it, the plug-in gives the result the content layer's.
  std::vector<float> alpha;
};

struct Size {
  uint32_t width = 0;
  uint32_t height = 0;
  bool operator==(const Size&) const = default;
};

inline Size size_of(const Image& image) { return {image.width, image.height}; }

// "640×480", for messages.
std::string describe(Size size);

// 0..1; NaN becomes 0 (no comparison holds for it).
inline float clamp_to_unit(float value) { return value > 0.0f ? (value < 1.0f ? value : 1.0f) : 0.0f; }

// An image from R'G'B'(A) floats interleaved pixel by pixel (as GEGL and babl deliver
// them), every value clamped to 0..1.
Image image_from_interleaved(Size size, const std::vector<float>& pixels, bool with_alpha);

// The largest side GEGL can address (its coordinates are ints).
inline constexpr uint32_t kMaxSide = 2147483647u;

// The size with the longest side equal to `size` and the other side scaled by the same
// factor, rounded to nearest (halves up), at least 1. Throws std::invalid_argument for an
// empty size or a side beyond kMaxSide.
Size fit_longest_side(Size image, uint32_t size);

}  // namespace nst::image
