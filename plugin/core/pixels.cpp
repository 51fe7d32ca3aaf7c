#include "plugin/core/pixels.h"

#include <vector>

namespace nst::plugin {
namespace {

using image::Image;

const Babl* rgba_float() { return babl_format("R'G'B'A float"); }
const Babl* rgb_float() { return babl_format("R'G'B' float"); }

size_t pixel_count(const Image& image) { return size_t{image.width} * image.height; }

GeglRectangle whole(const Image& image) {
  return {0, 0, static_cast<gint>(image.width), static_cast<gint>(image.height)};
}

}  // namespace

Image read_pixels(GeglBuffer* buffer) {
  const GeglRectangle* extent = gegl_buffer_get_extent(buffer);
  Image image{static_cast<uint32_t>(extent->width), static_cast<uint32_t>(extent->height), {}, {}};
  std::vector<float> rgba(pixel_count(image) * 4);
  gegl_buffer_get(buffer, extent, 1.0, rgba_float(), rgba.data(), GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  const bool has_alpha = babl_format_has_alpha(gegl_buffer_get_format(buffer));
  image.rgb.reserve(pixel_count(image) * 3);
  if (has_alpha) image.alpha.reserve(pixel_count(image));
  for (size_t p = 0; p < pixel_count(image); ++p) {
    const float* pixel = rgba.data() + 4 * p;
    image.rgb.insert(image.rgb.end(), pixel, pixel + 3);
    if (has_alpha) image.alpha.push_back(pixel[3]);
  }
  return image;
}

void write_pixels(const Image& image, GeglBuffer* buffer) {
  const GeglRectangle area = whole(image);
  if (image.alpha.empty()) {
    gegl_buffer_set(buffer, &area, 0, rgb_float(), image.rgb.data(), GEGL_AUTO_ROWSTRIDE);
    return;
  }
  std::vector<float> rgba;
  rgba.reserve(pixel_count(image) * 4);
  for (size_t p = 0; p < pixel_count(image); ++p) {
    const float* pixel = image.rgb.data() + 3 * p;  // not &rgb[3p + 3]: one past the end at the last pixel
    rgba.insert(rgba.end(), pixel, pixel + 3);
    rgba.push_back(image.alpha[p]);
  }
  gegl_buffer_set(buffer, &area, 0, rgba_float(), rgba.data(), GEGL_AUTO_ROWSTRIDE);
}

}  // namespace nst::plugin
