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

}  // namespace nst::image
