#pragma once
// Inside compute/image: what a decoder hands to the colour conversion (decode.cpp).
#include <babl/babl.h>

#include <cstdint>
#include <span>
#include <vector>

#include "image/decode.h"

namespace nst::image {

// Pixels as the file stores them, in a babl format that names their encoding and (via
// babl_format_with_space) their colour space.
struct Samples {
  Size size;
  const Babl* format = nullptr;
  std::vector<uint8_t> data;
  // CMYK without a profile: babl's own CMYK model is defined against linear RGB and makes
  // such files far too bright; the usual convention (libjpeg, browsers, ImageMagick) takes
  // R' = (1 − C)(1 − K) on the encoded values, which is babl's conversion into linear RGB
  // read as R'G'B'.
  bool cmyk_against_encoded = false;
};

Samples decode_png(std::span<const uint8_t> bytes, const DecodeLimits& limits);
Samples decode_jpeg(std::span<const uint8_t> bytes, const DecodeLimits& limits);

// The space an embedded ICC profile describes, or null (sRGB is then assumed) when babl
// cannot use it or it does not fit the pixels' colour model (RGB, grey or CMYK).
enum class ColorModel { rgb, gray, cmyk };
const Babl* space_from_icc(std::span<const uint8_t> profile, ColorModel model);

}  // namespace nst::image
