#include "image/image.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace nst::image {

std::string describe(Size size) { return std::to_string(size.width) + "×" + std::to_string(size.height); }

Size fit_longest_side(Size image, uint32_t size) {
  if (image.width == 0 || image.height == 0 || size == 0 || size > kMaxSide || image.width > kMaxSide ||
      image.height > kMaxSide) {
    throw std::invalid_argument("fit_longest_side: cannot fit a " + describe(image) + " image to " +
                                std::to_string(size) + " pixels");
  }
  const uint64_t longest = std::max(image.width, image.height);
  // round(side × size / longest) in exact integer arithmetic; below 2^63 by the checks above.
  const auto scaled = [&](uint64_t side) {
    return uint32_t(std::max<uint64_t>(1, (2 * side * size + longest) / (2 * longest)));
  };
  return {scaled(image.width), scaled(image.height)};
}

Image image_from_interleaved(Size size, const std::vector<float>& pixels, bool with_alpha) {
  const size_t count = size_t(size.width) * size.height;
  const size_t stride = with_alpha ? 4 : 3;
  if (pixels.size() != count * stride) throw std::invalid_argument("image_from_interleaved: wrong number of values");
  Image image{size.width, size.height, std::vector<float>(count * 3), {}};
  if (with_alpha) image.alpha.resize(count);
  for (size_t i = 0; i < count; ++i) {
    for (size_t c = 0; c < 3; ++c) image.rgb[i * 3 + c] = clamp_to_unit(pixels[i * stride + c]);
    if (with_alpha) image.alpha[i] = clamp_to_unit(pixels[i * stride + 3]);
  }
  return image;
}

}  // namespace nst::image
