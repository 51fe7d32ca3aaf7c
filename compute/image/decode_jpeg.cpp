// JPEG through libjpeg's own API. libjpeg ends the process on an error unless error_exit
// jumps out, and reports corrupt or truncated data only as a warning ("Premature end of
// JPEG file") after which it returns grey rows: both jump here and become an error. The
// functions that hold a setjmp keep no C++ object with a destructor alive across a libjpeg
// call, so the jump skips nothing that needs cleaning up.
#include <cstdio>  // jpeglib.h needs FILE declared first
#include <jerror.h>
#include <jpeglib.h>

#include <csetjmp>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include "image/samples.h"

namespace nst::image {
namespace {

// A progressive JPEG may hold any number of scans, each a pass over the whole image: a
// small file of thousands of scans takes minutes. Real encoders write about ten.
constexpr int kMaxScans = 1000;

struct JpegErrors {
  jpeg_error_mgr manager;  // first, so that libjpeg's pointer to it is a pointer to us
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX] = "";
};

[[noreturn]] void jump_out(j_common_ptr info) {
  auto* errors = reinterpret_cast<JpegErrors*>(info->err);
  (*info->err->format_message)(info, errors->message);
  longjmp(errors->jump, 1);
}

// Level −1 is a warning: libjpeg's word for corrupt data it has stepped over.
void on_message(j_common_ptr info, int level) {
  if (level < 0) jump_out(info);
}

void limit_scans(j_common_ptr info) {
  auto* decompress = reinterpret_cast<j_decompress_ptr>(info);
  if (decompress->is_decompressor && decompress->input_scan_number > kMaxScans) {
    auto* errors = reinterpret_cast<JpegErrors*>(info->err);
    std::snprintf(errors->message, sizeof errors->message, "more than %d progressive scans", kMaxScans);
    longjmp(errors->jump, 1);
  }
}

struct JpegDecoder {
  jpeg_decompress_struct info{};
  JpegErrors errors;
  jpeg_progress_mgr progress{};
  JpegDecoder() {
    info.err = jpeg_std_error(&errors.manager);
    errors.manager.error_exit = jump_out;
    errors.manager.emit_message = on_message;
    progress.progress_monitor = limit_scans;
  }
  ~JpegDecoder() { jpeg_destroy_decompress(&info); }
  JpegDecoder(const JpegDecoder&) = delete;
  JpegDecoder& operator=(const JpegDecoder&) = delete;
};

struct Header {
  Size size;
  J_COLOR_SPACE output = JCS_RGB;
  bool inverted_cmyk = false;  // Adobe's convention: 0 is full ink
  JOCTET* icc = nullptr;       // malloc'd by libjpeg-turbo
  unsigned icc_length = 0;
};

// The header, the output colour model (grey stays grey, CMYK and YCCK give CMYK, the rest
// RGB) and the ICC profile split over APP2 markers.
bool read_header(JpegDecoder& decoder, std::span<const uint8_t> bytes, Header& header) {
  if (setjmp(decoder.errors.jump)) return false;
  jpeg_create_decompress(&decoder.info);
  decoder.info.progress = &decoder.progress;
  jpeg_mem_src(&decoder.info, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_save_markers(&decoder.info, JPEG_APP0 + 2, 0xffff);
  jpeg_read_header(&decoder.info, TRUE);
  const J_COLOR_SPACE stored = decoder.info.jpeg_color_space;
  header.output = stored == JCS_GRAYSCALE                ? JCS_GRAYSCALE
                  : stored == JCS_CMYK || stored == JCS_YCCK ? JCS_CMYK
                                                         : JCS_RGB;
  decoder.info.out_color_space = header.output;
  header.inverted_cmyk = decoder.info.saw_Adobe_marker;
  header.size = {decoder.info.image_width, decoder.info.image_height};
  if (!jpeg_read_icc_profile(&decoder.info, &header.icc, &header.icc_length)) header.icc = nullptr;
  return true;
}

// Every scanline, then the end of the file: corrupt or missing data is an error.
bool read_pixels(JpegDecoder& decoder, uint8_t* data, size_t row_bytes) {
  if (setjmp(decoder.errors.jump)) return false;
  jpeg_start_decompress(&decoder.info);
  while (decoder.info.output_scanline < decoder.info.output_height) {
    JSAMPROW row = data + size_t(decoder.info.output_scanline) * row_bytes;
    jpeg_read_scanlines(&decoder.info, &row, 1);
  }
  jpeg_finish_decompress(&decoder.info);
  return true;
}

std::runtime_error jpeg_failure(const JpegDecoder& decoder) {
  return std::runtime_error(std::string("libjpeg: ") + decoder.errors.message);
}

}  // namespace

Samples decode_jpeg(std::span<const uint8_t> bytes, const DecodeLimits& limits) {
  JpegDecoder decoder;
  Header header;
  if (!read_header(decoder, bytes, header)) throw jpeg_failure(decoder);
  const std::unique_ptr<JOCTET, decltype(&std::free)> icc(header.icc, &std::free);
  check_pixel_count(header.size, limits);

  const int channels = header.output == JCS_GRAYSCALE ? 1 : header.output == JCS_CMYK ? 4 : 3;
  Samples samples;
  samples.size = header.size;
  const size_t row_bytes = size_t(header.size.width) * channels;
  samples.data.resize(row_bytes * header.size.height);
  if (!read_pixels(decoder, samples.data.data(), row_bytes)) throw jpeg_failure(decoder);

  const ColorModel model = channels == 1 ? ColorModel::gray : channels == 4 ? ColorModel::cmyk : ColorModel::rgb;
  const Babl* space = space_from_icc({icc.get(), header.icc_length}, model);
  const char* encoding = channels == 1   ? "Y' u8"
                         : channels == 3 ? "R'G'B' u8"
                         : header.inverted_cmyk ? "cmyk u8"
                                                : "CMYK u8";
  samples.format = babl_format_with_space(encoding, space);
  samples.cmyk_against_encoded = channels == 4 && !space;
  return samples;
}

}  // namespace nst::image
