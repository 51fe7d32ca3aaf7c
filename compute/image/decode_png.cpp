// PNG through libpng's own API. libpng reports errors by longjmp to the caller's setjmp;
// the functions that hold a setjmp (read_header, read_pixels) keep no C++ object with a
// destructor alive across a libpng call, so the jump skips nothing that needs cleaning up.
#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "image/samples.h"

namespace nst::image {
namespace {

struct PngInput {
  std::span<const uint8_t> bytes;
  size_t offset = 0;
  char message[256] = "";
};

void on_error(png_structp png, png_const_charp message) {
  auto* input = static_cast<PngInput*>(png_get_error_ptr(png));
  std::snprintf(input->message, sizeof input->message, "%s", message);
  png_longjmp(png, 1);
}

// Warnings are benign by libpng's own classification (an ancillary chunk with a bad CRC is
// dropped, a known-incorrect sRGB profile ignored); the image data itself is intact.
void on_warning(png_structp, png_const_charp) {}

void read_bytes(png_structp png, png_bytep out, size_t count) {
  auto* input = static_cast<PngInput*>(png_get_io_ptr(png));
  if (count > input->bytes.size() - input->offset) png_error(png, "the file ends early (truncated)");
  std::memcpy(out, input->bytes.data() + input->offset, count);
  input->offset += count;
}

struct PngDecoder {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~PngDecoder() { png_destroy_read_struct(&png, &info, nullptr); }
};

struct Header {
  Size size;
  int channels = 0;
  int bit_depth = 0;
  size_t row_bytes = 0;
  png_bytep icc = nullptr;  // owned by libpng's info
  png_uint_32 icc_length = 0;
};

// The header, with libpng told to deliver 8- or 16-bit grey or RGB, with alpha where the
// file has transparency, de-interlaced, 16-bit samples in the machine's byte order.
bool read_header(png_structp png, png_infop info, Header& header) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_info(png, info);
  const int color_type = png_get_color_type(png, info);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  if (png_get_bit_depth(png, info) == 16) png_set_swap(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  header.size = {png_get_image_width(png, info), png_get_image_height(png, info)};
  header.channels = png_get_channels(png, info);
  header.bit_depth = png_get_bit_depth(png, info);
  header.row_bytes = png_get_rowbytes(png, info);
  png_charp name = nullptr;
  int compression = 0;
  if (png_get_valid(png, info, PNG_INFO_iCCP)) {
    png_get_iCCP(png, info, &name, &compression, &header.icc, &header.icc_length);
  }
  return true;
}

// Every row, then the chunks after the image data (their CRCs, IEND): a file cut short
// anywhere is an error, never an image with missing rows.
bool read_pixels(png_structp png, png_infop info, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_image(png, rows);
  png_read_end(png, info);
  return true;
}

const char* encoding(int channels, int bit_depth) {
  static const char* const kEight[] = {"Y' u8", "Y'A u8", "R'G'B' u8", "R'G'B'A u8"};
  static const char* const kSixteen[] = {"Y' u16", "Y'A u16", "R'G'B' u16", "R'G'B'A u16"};
  return (bit_depth == 16 ? kSixteen : kEight)[channels - 1];
}

std::runtime_error png_failure(const PngInput& input) {
  return std::runtime_error(std::string("libpng: ") + input.message);
}

}  // namespace

Samples decode_png(std::span<const uint8_t> bytes, const DecodeLimits& limits) {
  PngInput input{bytes};
  PngDecoder decoder;
  decoder.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &input, on_error, on_warning);
  if (!decoder.png) throw std::runtime_error("libpng: cannot create a reader");
  decoder.info = png_create_info_struct(decoder.png);
  if (!decoder.info) throw std::runtime_error("libpng: cannot create a reader");
  png_set_read_fn(decoder.png, &input, read_bytes);

  Header header;
  if (!read_header(decoder.png, decoder.info, header)) throw png_failure(input);
  if (header.channels < 1 || header.channels > 4 || (header.bit_depth != 8 && header.bit_depth != 16)) {
    throw std::runtime_error("libpng delivered " + std::to_string(header.channels) + " channels of " +
                             std::to_string(header.bit_depth) + " bits");
  }
  check_pixel_count(header.size, limits);

  Samples samples;
  samples.size = header.size;
  samples.data.resize(header.row_bytes * header.size.height);
  std::vector<png_bytep> rows(header.size.height);
  for (size_t y = 0; y < rows.size(); ++y) rows[y] = samples.data.data() + y * header.row_bytes;
  if (!read_pixels(decoder.png, decoder.info, rows.data())) throw png_failure(input);

  const ColorModel model = header.channels <= 2 ? ColorModel::gray : ColorModel::rgb;
  const Babl* space = space_from_icc({header.icc, header.icc_length}, model);
  samples.format = babl_format_with_space(encoding(header.channels, header.bit_depth), space);
  return samples;
}

}  // namespace nst::image
