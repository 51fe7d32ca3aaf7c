#include "image/decode.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "image/gegl_session.h"
#include "image/samples.h"

namespace nst::image {
namespace {

bool starts_with(std::span<const uint8_t> bytes, std::span<const uint8_t> signature) {
  return bytes.size() >= signature.size() && std::equal(signature.begin(), signature.end(), bytes.begin());
}

// The samples converted by babl to R'G'B'(A) floats in sRGB.
Image to_image(const Samples& samples) {
  const bool with_alpha = babl_format_has_alpha(samples.format);
  const char* target = samples.cmyk_against_encoded ? (with_alpha ? "RGBA float" : "RGB float")
                                                    : (with_alpha ? "R'G'B'A float" : "R'G'B' float");
  const size_t pixels = size_t(samples.size.width) * samples.size.height;
  std::vector<float> converted(pixels * (with_alpha ? 4 : 3));
  babl_process(babl_fish(samples.format, babl_format(target)), samples.data.data(), converted.data(), long(pixels));
  return image_from_interleaved(samples.size, converted, with_alpha);
}

}  // namespace

Container container_of(std::span<const uint8_t> bytes) {
  static constexpr uint8_t kPng[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  static constexpr uint8_t kJpeg[] = {0xff, 0xd8, 0xff};
  if (starts_with(bytes, kPng)) return Container::png;
  if (starts_with(bytes, kJpeg)) return Container::jpeg;
  return Container::other;
}

void check_pixel_count(Size size, const DecodeLimits& limits) {
  if (uint64_t(size.width) * size.height > limits.max_pixels) {
    throw std::runtime_error("it is " + describe(size) + " = " + std::to_string(uint64_t(size.width) * size.height) +
                             " pixels, more than the limit of " + std::to_string(limits.max_pixels) +
                             " pixels (nst: --max-megapixels)");
  }
}

const Babl* space_from_icc(std::span<const uint8_t> profile, ColorModel model) {
  if (profile.empty()) return nullptr;
  const char* error = nullptr;
  const Babl* space = babl_space_from_icc(reinterpret_cast<const char*>(profile.data()), int(profile.size()),
                                          BABL_ICC_INTENT_RELATIVE_COLORIMETRIC, &error);
  if (!space || error) return nullptr;
  const bool fits = model == ColorModel::cmyk ? babl_space_is_cmyk(space)
                    : model == ColorModel::gray ? babl_space_is_gray(space)
                                                : !babl_space_is_cmyk(space) && !babl_space_is_gray(space);
  return fits ? space : nullptr;
}

Image decode_image(std::span<const uint8_t> bytes, const DecodeLimits& limits) {
  require_gegl_session();
  switch (container_of(bytes)) {
    case Container::png: return to_image(decode_png(bytes, limits));
    case Container::jpeg: return to_image(decode_jpeg(bytes, limits));
    case Container::other: break;
  }
  throw std::invalid_argument("decode_image: neither a PNG nor a JPEG");
}

}  // namespace nst::image
