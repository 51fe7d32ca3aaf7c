// libFuzzer target: file bytes → an image or an error (compute/image/decode.h), the path
// every PNG and JPEG nst reads takes. Any crash, hang, leak or sanitizer report is a
// finding; a std::runtime_error is the expected refusal.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>

#include "image/decode.h"
#include "image/gegl_session.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  static const auto session = std::make_unique<nst::image::GeglSession>();  // babl for the colour conversion
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  if (nst::image::container_of(bytes) == nst::image::Container::other) return 0;
  try {
    // A small limit keeps each input fast; the header check it exercises is the same.
    const nst::image::Image image = nst::image::decode_image(bytes, {1u << 22});
    if (image.rgb.size() != size_t(image.width) * image.height * 3) __builtin_trap();
  } catch (const std::runtime_error&) {
  }
  return 0;
}
