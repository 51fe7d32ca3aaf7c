// compute/image/decode: PNG and JPEG from bytes, every damaged file refused, the pixel
// limit checked from the header, colour converted by babl. The files are written here by
// libpng and libjpeg themselves, so that each test controls exactly what the file holds.
#include "image/decode.h"

#include <babl/babl.h>
#include <gtest/gtest.h>
#include <png.h>
#include <zlib.h>

#include <cstdio>  // jpeglib.h needs FILE declared first
#include <jpeglib.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "support/image_files_test.h"

namespace nst::image {
namespace {

using namespace test;
using Bytes = std::vector<uint8_t>;

// --- files written by the libraries -------------------------------------------------------

struct PngFile {
  PngFile(uint32_t width, uint32_t height, int color_type = PNG_COLOR_TYPE_RGB, int bit_depth = 8, Bytes rows = {})
      : width(width), height(height), color_type(color_type), bit_depth(bit_depth), rows(std::move(rows)) {}
  uint32_t width;
  uint32_t height;
  int color_type;
  int bit_depth;
  Bytes rows;                      // height rows of packed samples, big-endian 16-bit
  std::vector<png_color> palette;  // PNG_COLOR_TYPE_PALETTE
  Bytes transparency;              // tRNS: alpha per palette entry
  std::string icc;                 // iCCP, when not empty
};

void append_to(png_structp png, png_bytep data, size_t length) {
  auto* out = static_cast<Bytes*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + length);
}

Bytes png_of(const PngFile& file) {
  Bytes out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_set_write_fn(png, &out, append_to, nullptr);
  png_set_IHDR(png, info, file.width, file.height, file.bit_depth, file.color_type, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!file.palette.empty()) png_set_PLTE(png, info, file.palette.data(), int(file.palette.size()));
  if (!file.transparency.empty()) {
    png_set_tRNS(png, info, file.transparency.data(), int(file.transparency.size()), nullptr);
  }
  if (!file.icc.empty()) {
    png_set_iCCP(png, info, "embedded", PNG_COMPRESSION_TYPE_BASE,
                 reinterpret_cast<png_const_bytep>(file.icc.data()), png_uint_32(file.icc.size()));
  }
  png_write_info(png, info);
  const size_t row_bytes = file.rows.size() / file.height;
  for (uint32_t y = 0; y < file.height; ++y) png_write_row(png, file.rows.data() + y * row_bytes);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

// An RGB PNG of 8-bit samples, `width` × `height` pixels of a gradient.
Bytes gradient_png(uint32_t width, uint32_t height) {
  PngFile file{width, height};
  file.rows.resize(size_t(width) * height * 3, 128);
  for (uint32_t y = 0; y < height; ++y) {
    for (uint32_t x = 0; x < width; ++x) {
      file.rows[(size_t(y) * width + x) * 3] = uint8_t(x * 16);
      file.rows[(size_t(y) * width + x) * 3 + 1] = uint8_t(y * 16);
    }
  }
  return png_of(file);
}

struct JpegFile {
  JpegFile(uint32_t width, uint32_t height, J_COLOR_SPACE space, Bytes pixel, bool adobe_marker = true)
      : width(width), height(height), space(space), pixel(std::move(pixel)), adobe_marker(adobe_marker) {}
  uint32_t width;
  uint32_t height;
  J_COLOR_SPACE space;  // of the samples given, and so of the file
  Bytes pixel;          // every pixel's samples
  bool adobe_marker;    // libjpeg writes one for CMYK unless told not to
  std::string icc;
};

Bytes jpeg_of(const JpegFile& file) {
  jpeg_compress_struct info{};
  jpeg_error_mgr errors{};
  info.err = jpeg_std_error(&errors);
  jpeg_create_compress(&info);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&info, &buffer, &size);
  info.image_width = file.width;
  info.image_height = file.height;
  info.input_components = int(file.pixel.size());
  info.in_color_space = file.space;
  jpeg_set_defaults(&info);
  jpeg_set_colorspace(&info, file.space);
  info.write_Adobe_marker = file.adobe_marker;
  jpeg_set_quality(&info, 100, TRUE);
  jpeg_start_compress(&info, TRUE);
  if (!file.icc.empty()) {
    jpeg_write_icc_profile(&info, reinterpret_cast<const JOCTET*>(file.icc.data()), unsigned(file.icc.size()));
  }
  Bytes row;
  for (uint32_t x = 0; x < file.width; ++x) row.insert(row.end(), file.pixel.begin(), file.pixel.end());
  while (info.next_scanline < info.image_height) {
    JSAMPROW pointer = row.data();
    jpeg_write_scanlines(&info, &pointer, 1);
  }
  jpeg_finish_compress(&info);
  Bytes out(buffer, buffer + size);
  jpeg_destroy_compress(&info);
  std::free(buffer);
  return out;
}

// The ICC profile babl gives for one of its named spaces.
std::string icc_of(const char* space_name) {
  int length = 0;
  const char* icc = babl_space_get_icc(babl_space(space_name), &length);
  return std::string(icc, size_t(length));
}

// What an R'G'B' colour in a named space is in sRGB, by babl directly.
std::vector<float> to_srgb(std::vector<float> rgb, const char* space_name) {
  std::vector<float> out(3);
  babl_process(babl_fish(babl_format_with_space("R'G'B' float", babl_space(space_name)), babl_format("R'G'B' float")),
               rgb.data(), out.data(), 1);
  return out;
}

std::string decode_error(const Bytes& bytes, const DecodeLimits& limits = {}) {
  return message_of<std::runtime_error>([&] { decode_image(bytes, limits); });
}

void expect_pixel(const Image& image, size_t index, std::vector<float> rgb, float tolerance) {
  for (size_t c = 0; c < 3; ++c) EXPECT_NEAR(image.rgb[index * 3 + c], rgb[c], tolerance) << "pixel " << index << " channel " << c;
}

constexpr float kEightBitStep = 1.0f / 255;

// --- damaged files ---------------------------------------------------------------------------

TEST(Decode, RecognisesPngAndJpegByTheirSignaturesOnly) {
  EXPECT_EQ(container_of(gradient_png(2, 2)), Container::png);
  EXPECT_EQ(container_of(jpeg_of({8, 8, JCS_RGB, {10, 20, 30}})), Container::jpeg);
  EXPECT_EQ(container_of(Bytes{'G', 'I', 'F', '8', '9', 'a'}), Container::other);
  EXPECT_EQ(container_of(Bytes{0xff, 0xd8}), Container::other) << "too short to be a JPEG";
  EXPECT_THROW(decode_image(Bytes{'G', 'I', 'F'}), std::invalid_argument);
}

TEST(Decode, AFourByteJpegIsAnErrorNotACrash) {
  // GEGL's JPEG loader segfaulted on exactly these bytes.
  EXPECT_NE(decode_error({0xff, 0xd8, 0xff, 0xe0}).find("libjpeg"), std::string::npos);
}

TEST(Decode, EveryTruncationOfAPngIsRefused) {
  const Bytes whole = gradient_png(7, 5);
  ASSERT_EQ(decode_image(whole).width, 7u);
  for (size_t length = 8; length < whole.size(); ++length) {
    EXPECT_THROW(decode_image(Bytes(whole.begin(), whole.begin() + long(length))), std::runtime_error)
        << "the first " << length << " of " << whole.size() << " bytes";
  }
}

TEST(Decode, EveryTruncationOfAJpegIsRefused) {
  // libjpeg itself would return grey rows for the missing part, with only a warning.
  JpegFile file{17, 9, JCS_RGB, {200, 40, 90}};
  const Bytes whole = jpeg_of(file);
  ASSERT_EQ(decode_image(whole).width, 17u);
  for (size_t length = 3; length < whole.size(); ++length) {
    EXPECT_THROW(decode_image(Bytes(whole.begin(), whole.begin() + long(length))), std::runtime_error)
        << "the first " << length << " of " << whole.size() << " bytes";
  }
}

TEST(Decode, AChunkClaimingMoreBytesThanTheFileHasIsRefusedAtOnce) {
  // GEGL's PNG loader looped forever on such a file, printing warnings.
  Bytes bytes = gradient_png(4, 4);
  const size_t idat_length = 33;  // signature (8) + IHDR (25)
  ASSERT_EQ(std::string(bytes.begin() + idat_length + 4, bytes.begin() + idat_length + 8), "IDAT");
  bytes[idat_length] = 0x00;
  bytes[idat_length + 1] = 0x01;  // 65536 + the real length
  EXPECT_NE(decode_error(bytes).find("truncated"), std::string::npos);
}

TEST(Decode, AFlippedBitInThePixelDataIsRefused) {
  Bytes bytes = gradient_png(4, 4);
  bytes[33 + 8 + 2] ^= 0x10;  // inside IDAT's data: its CRC no longer matches, nor may it inflate
  EXPECT_NE(decode_error(bytes).find("libpng"), std::string::npos) << decode_error(bytes);
}

// --- the pixel limit -------------------------------------------------------------------------

TEST(Decode, ThePixelLimitIsCheckedFromTheHeaderBeforeAnyPixelIsRead) {
  // The headers claim 20000 × 20000 (1.6 GB of floats) over a few bytes of data: refused for
  // its size, not for its missing data, so nothing was allocated for it.
  Bytes png = gradient_png(4, 4);
  for (size_t side : {16, 20}) {  // IHDR's width, then height, big-endian
    png[side] = 0;
    png[side + 1] = 0;
    png[side + 2] = 20000 >> 8;
    png[side + 3] = 20000 & 0xff;
  }
  const uLong crc = crc32(0, png.data() + 12, 17);  // IHDR's type and data
  for (int i = 0; i < 4; ++i) png[29 + i] = uint8_t(crc >> (24 - 8 * i));
  png.resize(60);
  EXPECT_NE(decode_error(png).find("400000000 pixels"), std::string::npos) << decode_error(png);

  Bytes jpeg = jpeg_of({8, 8, JCS_RGB, {10, 20, 30}});
  const uint8_t start_of_frame[] = {0xff, 0xc0};
  const auto sof = std::search(jpeg.begin(), jpeg.end(), std::begin(start_of_frame), std::end(start_of_frame));
  ASSERT_NE(sof, jpeg.end());
  for (long field : {5, 7}) {  // height, width
    sof[field] = 20000 >> 8;
    sof[field + 1] = 20000 & 0xff;
  }
  EXPECT_NE(decode_error(jpeg).find("400000000 pixels"), std::string::npos) << decode_error(jpeg);
}

TEST(Decode, ThePixelLimitCanBeChanged) {
  const Bytes png = gradient_png(16, 16);
  const Bytes jpeg = jpeg_of({16, 16, JCS_RGB, {1, 2, 3}});
  for (const Bytes& file : {png, jpeg}) {
    EXPECT_NE(decode_error(file, {255}).find("limit of 255"), std::string::npos);
    EXPECT_EQ(decode_image(file, {256}).width, 16u);
  }
}

// --- colour ------------------------------------------------------------------------------------

TEST(Decode, CmykJpegsFollowTheInkOnEncodedValuesInEitherConvention) {
  // Ink C, M, Y, K → R' = (1 − C)(1 − K) …; Adobe's files (with its marker) store 255 − ink.
  // babl's own CMYK model works in linear light and made half-black 0.73 instead of 0.5.
  struct Case {
    Bytes ink;
    std::vector<float> rgb;
  };
  const Case cases[] = {{{0, 0, 0, 128}, {0.498f, 0.498f, 0.498f}},
                        {{255, 0, 0, 0}, {0.0f, 1.0f, 1.0f}},
                        {{0, 128, 255, 0}, {1.0f, 0.498f, 0.0f}}};
  for (const Case& c : cases) {
    Bytes inverted;
    for (uint8_t ink : c.ink) inverted.push_back(uint8_t(255 - ink));
    expect_pixel(decode_image(jpeg_of({8, 8, JCS_CMYK, inverted, true})), 27, c.rgb, 2 * kEightBitStep);
    expect_pixel(decode_image(jpeg_of({8, 8, JCS_CMYK, c.ink, false})), 27, c.rgb, 2 * kEightBitStep);
  }
}

TEST(Decode, AnEmbeddedIccProfileIsHonoured) {
  // A colour in Adobe RGB-like primaries ("Adobish") differs visibly from the same numbers in sRGB.
  const std::vector<float> stored = {0.6f, 0.3f, 0.2f};
  const std::vector<float> expected = to_srgb(stored, "Adobish");
  ASSERT_GT(std::abs(expected[0] - stored[0]), 10 * kEightBitStep) << "the spaces must differ for the test to tell";
  const Bytes samples = {uint8_t(0.6f * 255 + 0.5f), uint8_t(0.3f * 255 + 0.5f), uint8_t(0.2f * 255 + 0.5f)};

  PngFile png{2, 2};
  png.icc = icc_of("Adobish");
  for (int i = 0; i < 4; ++i) png.rows.insert(png.rows.end(), samples.begin(), samples.end());
  expect_pixel(decode_image(png_of(png)), 3, expected, 2 * kEightBitStep);

  JpegFile jpeg{8, 8, JCS_RGB, samples};
  jpeg.icc = icc_of("Adobish");
  expect_pixel(decode_image(jpeg_of(jpeg)), 27, expected, 3 * kEightBitStep);
}

TEST(Decode, GreyImagesBecomeGreyRgb) {
  PngFile png{2, 1, PNG_COLOR_TYPE_GRAY, 8, {0, 128}};
  const Image from_png = decode_image(png_of(png));
  expect_pixel(from_png, 1, {0.502f, 0.502f, 0.502f}, 1e-3f);
  EXPECT_TRUE(from_png.alpha.empty());
  expect_pixel(decode_image(jpeg_of({8, 8, JCS_GRAYSCALE, {64}})), 9, {0.251f, 0.251f, 0.251f}, kEightBitStep);
}

TEST(Decode, APalettePngWithTransparencyGivesColourAndAlpha) {
  PngFile png{3, 1, PNG_COLOR_TYPE_PALETTE, 8, {0, 1, 2}};
  png.palette = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}};
  png.transparency = {255, 51};
  const Image image = decode_image(png_of(png));
  expect_pixel(image, 0, {1, 0, 0}, 1e-6f);
  expect_pixel(image, 2, {0, 0, 1}, 1e-6f);
  ASSERT_EQ(image.alpha.size(), 3u);
  EXPECT_NEAR(image.alpha[0], 1.0f, 1e-6f);
  EXPECT_NEAR(image.alpha[1], 0.2f, 1e-6f);
  EXPECT_NEAR(image.alpha[2], 1.0f, 1e-6f) << "entries beyond tRNS are opaque";
}

TEST(Decode, SixteenBitPngsKeepTheirPrecision) {
  // 0x1234 / 65535 lies between two 8-bit steps: an 8-bit path would move it by up to 1/510.
  PngFile png{1, 1, PNG_COLOR_TYPE_RGB, 16, {0x12, 0x34, 0x80, 0x00, 0xff, 0xff}};
  expect_pixel(decode_image(png_of(png)), 0, {0x1234 / 65535.0f, 0x8000 / 65535.0f, 1.0f}, 1e-5f);
}

}  // namespace
}  // namespace nst::image
