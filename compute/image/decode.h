#pragma once
// PNG and JPEG files decoded from bytes in memory, so that no input can crash, hang or
// half-succeed: every libpng and libjpeg error (and every libjpeg warning, which is how it
// reports corrupt or truncated data) becomes a std::runtime_error; the pixel count is
// checked from the header, before any pixel memory is allocated; colour is converted by
// babl (embedded ICC profiles honoured, CMYK included). See docs/design.md § Image input.
// Needs a live GeglSession (babl).
#include <cstdint>
#include <span>

#include "image/image.h"

namespace nst::image {

// 100 megapixels: today's largest camera sensors, and 1.2 GB as the engine's floats.
inline constexpr uint64_t kDefaultMaxPixels = 100'000'000;

struct DecodeLimits {
  uint64_t max_pixels = kDefaultMaxPixels;
};

// The formats decoded here, recognised from their first bytes (signatures), never from a
// file name; anything else is `other` (load_image hands it to GEGL's loaders).
enum class Container { png, jpeg, other };
Container container_of(std::span<const uint8_t> bytes);

// Throws std::runtime_error when width × height exceeds the limit, naming both.
void check_pixel_count(Size size, const DecodeLimits& limits);

// The image a PNG or JPEG holds, as R'G'B' in sRGB (alpha kept where the file has it), or
// std::runtime_error with the library's reason. Throws std::invalid_argument for `other`.
Image decode_image(std::span<const uint8_t> bytes, const DecodeLimits& limits = {});

}  // namespace nst::image
