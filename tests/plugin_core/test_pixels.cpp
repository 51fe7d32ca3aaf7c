// plugin/core/job: pixels in and out of GEGL buffers. The GEGL session is the one
// environment.cpp sets up for the whole executable.
#include <gegl.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "plugin/core/pixels.h"
#include "support/kernel_test.h"

namespace nst::plugin {
namespace {

using image::Image;

GeglBuffer* new_buffer(int width, int height, const char* format) {
  const GeglRectangle area{0, 0, width, height};
  return gegl_buffer_new(&area, babl_format(format));
}

struct BufferDeleter {
  void operator()(GeglBuffer* buffer) const { g_object_unref(buffer); }
};
using Buffer = std::unique_ptr<GeglBuffer, BufferDeleter>;

template <typename T>
void fill(GeglBuffer* buffer, const char* format, const std::vector<T>& values) {
  gegl_buffer_set(buffer, gegl_buffer_get_extent(buffer), 0, babl_format(format), values.data(), GEGL_AUTO_ROWSTRIDE);
}

TEST(Pixels, RgbaFloatRoundTripsValuesAndAlpha) {
  constexpr int w = 5, h = 3;
  const std::vector<float> rgba = test::random_values(size_t{w} * h * 4, 11, 0.05f, 0.95f);
  Buffer buffer(new_buffer(w, h, "R'G'B'A float"));
  fill(buffer.get(), "R'G'B'A float", rgba);
  const Image image = read_pixels(buffer.get());
  ASSERT_EQ(image.width, uint32_t(w));
  ASSERT_EQ(image.height, uint32_t(h));
  ASSERT_EQ(image.rgb.size(), size_t{w} * h * 3);
  ASSERT_EQ(image.alpha.size(), size_t{w} * h);
  for (size_t p = 0; p < size_t{w} * h; ++p) {
    for (size_t c = 0; c < 3; ++c) EXPECT_NEAR(image.rgb[3 * p + c], rgba[4 * p + c], 1e-6) << "pixel " << p;
    EXPECT_NEAR(image.alpha[p], rgba[4 * p + 3], 1e-6) << "pixel " << p;
  }

  // Written back into a fresh buffer of the same format, the same values.
  Buffer copy(new_buffer(w, h, "R'G'B'A float"));
  write_pixels(image, copy.get());
  std::vector<float> back(rgba.size());
  gegl_buffer_get(copy.get(), nullptr, 1.0, babl_format("R'G'B'A float"), back.data(), GEGL_AUTO_ROWSTRIDE,
                  GEGL_ABYSS_NONE);
  for (size_t i = 0; i < rgba.size(); ++i) EXPECT_NEAR(back[i], rgba[i], 1e-6) << "value " << i;
}

TEST(Pixels, BufferWithoutAlphaGivesNoAlpha) {
  constexpr int w = 4, h = 2;
  std::vector<uint8_t> rgb(size_t{w} * h * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = uint8_t(i * 9 + 3);
  Buffer buffer(new_buffer(w, h, "R'G'B' u8"));
  fill(buffer.get(), "R'G'B' u8", rgb);
  const Image image = read_pixels(buffer.get());
  EXPECT_TRUE(image.alpha.empty());
  ASSERT_EQ(image.rgb.size(), rgb.size());
  for (size_t i = 0; i < rgb.size(); ++i) EXPECT_NEAR(image.rgb[i], rgb[i] / 255.0f, 1e-6) << "value " << i;
}

TEST(Pixels, GreyBufferReadsAsEqualChannels) {
  constexpr int w = 3, h = 3;
  const std::vector<float> grey = test::random_values(size_t{w} * h, 12, 0.0f, 1.0f);
  Buffer buffer(new_buffer(w, h, "Y' float"));
  fill(buffer.get(), "Y' float", grey);
  const Image image = read_pixels(buffer.get());
  EXPECT_TRUE(image.alpha.empty());
  ASSERT_EQ(image.rgb.size(), grey.size() * 3);
  for (size_t p = 0; p < grey.size(); ++p) {
    for (size_t c = 0; c < 3; ++c) EXPECT_NEAR(image.rgb[3 * p + c], grey[p], 1e-5) << "pixel " << p;
  }
}

TEST(Pixels, SixteenBitBufferKeepsSixteenBitPrecision) {
  constexpr uint32_t w = 6, h = 4;
  Image image{w, h, test::random_values(size_t{w} * h * 3, 13, 0.0f, 1.0f),
              test::random_values(size_t{w} * h, 14, 0.2f, 1.0f)};
  Buffer buffer(new_buffer(int(w), int(h), "R'G'B'A u16"));
  write_pixels(image, buffer.get());
  const Image back = read_pixels(buffer.get());
  ASSERT_EQ(back.rgb.size(), image.rgb.size());
  ASSERT_EQ(back.alpha.size(), image.alpha.size());
  constexpr float tolerance = 1.0f / 65535;
  for (size_t i = 0; i < image.rgb.size(); ++i) EXPECT_NEAR(back.rgb[i], image.rgb[i], tolerance) << "value " << i;
  for (size_t i = 0; i < image.alpha.size(); ++i) EXPECT_NEAR(back.alpha[i], image.alpha[i], tolerance) << "alpha " << i;
}

TEST(Pixels, WithoutAlphaTheBuffersAlphaBecomesOpaque) {
  constexpr uint32_t w = 3, h = 2;
  Buffer buffer(new_buffer(int(w), int(h), "R'G'B'A float"));
  fill(buffer.get(), "R'G'B'A float", std::vector<float>(size_t{w} * h * 4, 0.25f));  // alpha 0.25 before
  const Image image{w, h, test::random_values(size_t{w} * h * 3, 15, 0.0f, 1.0f), {}};
  write_pixels(image, buffer.get());
  const Image back = read_pixels(buffer.get());
  ASSERT_EQ(back.alpha.size(), size_t{w} * h);
  for (float a : back.alpha) EXPECT_EQ(a, 1.0f);
  for (size_t i = 0; i < image.rgb.size(); ++i) EXPECT_NEAR(back.rgb[i], image.rgb[i], 1e-6);
}

TEST(Pixels, GreyBufferGetsTheLuminance) {
  // One pure green pixel and one white, with alpha.
  const Image image{2, 1, {0.0f, 1.0f, 0.0f, 1.0f, 1.0f, 1.0f}, {0.5f, 1.0f}};
  Buffer buffer(new_buffer(2, 1, "Y'A float"));
  write_pixels(image, buffer.get());
  std::vector<float> ya(4);
  gegl_buffer_get(buffer.get(), nullptr, 1.0, babl_format("Y'A float"), ya.data(), GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  // babl's own luminance of pure green (about 0.86: Y = 0.7152 in linear light, encoded).
  const float green[3] = {0.0f, 1.0f, 0.0f};
  float luminance = 0;
  babl_process(babl_fish(babl_format("R'G'B' float"), babl_format("Y' float")), green, &luminance, 1);
  EXPECT_GT(luminance, 0.8f);
  EXPECT_LT(luminance, 0.9f);
  EXPECT_NEAR(ya[0], luminance, 1e-5);
  EXPECT_NEAR(ya[1], 0.5f, 1e-6);
  EXPECT_NEAR(ya[2], 1.0f, 1e-5);
  EXPECT_NEAR(ya[3], 1.0f, 1e-6);
  // And read back: grey with the alpha.
  const Image back = read_pixels(buffer.get());
  ASSERT_EQ(back.alpha.size(), 2u);
  EXPECT_NEAR(back.rgb[0], luminance, 1e-5);
  EXPECT_NEAR(back.rgb[1], luminance, 1e-5);
  EXPECT_NEAR(back.rgb[2], luminance, 1e-5);
  EXPECT_NEAR(back.alpha[0], 0.5f, 1e-6);
}

}  // namespace
}  // namespace nst::plugin
