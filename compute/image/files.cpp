#include "image/files.h"

#include <gegl-plugin.h>  // gegl_operation_handlers_get_loader
#include <gegl.h>
#include <gio/gio.h>  // g_content_type_guess

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <span>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "image/atomic_write.h"
#include "image/decode.h"

namespace nst::image {
namespace {

// ---------------------------------------------------------------------------------------
// Ownership of GLib and GEGL objects.

struct GObjectUnref {
  void operator()(gpointer object) const { g_object_unref(object); }
};
struct GFree {
  void operator()(gpointer memory) const { g_free(memory); }
};
using NodePtr = std::unique_ptr<GeglNode, GObjectUnref>;
using BufferPtr = std::unique_ptr<GeglBuffer, GObjectUnref>;
using GCharPtr = std::unique_ptr<gchar, GFree>;

// ---------------------------------------------------------------------------------------
// GEGL's loaders and savers report failure only by logging a warning and producing
// nothing (or an empty buffer). While a GeglMessages lives, the warnings and critical
// messages of GEGL, its modules (which log without a domain) and GLib are collected here
// instead of printed, so that they can become the reason in an exception.

class GeglMessages {
 public:
  GeglMessages() {
    for (const char* domain : kDomains) {
      handlers_.emplace_back(domain, g_log_set_handler(domain, kLevels, &GeglMessages::collect, this));
    }
  }
  ~GeglMessages() {
    for (const auto& [domain, id] : handlers_) g_log_remove_handler(domain, id);
  }
  GeglMessages(const GeglMessages&) = delete;
  GeglMessages& operator=(const GeglMessages&) = delete;

  bool empty() const {
    std::lock_guard lock(mutex_);
    return messages_.empty();
  }

  // " (first message; second message)", or "" when nothing was logged.
  std::string as_reason() const {
    std::lock_guard lock(mutex_);
    if (messages_.empty()) return "";
    std::string text;
    for (const std::string& message : messages_) text += (text.empty() ? "" : "; ") + message;
    return " (" + text + ")";
  }

 private:
  static constexpr GLogLevelFlags kLevels = GLogLevelFlags(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
  static constexpr const char* kDomains[] = {nullptr, "GEGL", "GLib", "GLib-GObject", "GLib-GIO"};

  // Called by GLib, possibly from one of GEGL's worker threads.
  static void collect(const gchar* /*domain*/, GLogLevelFlags /*level*/, const gchar* message, gpointer self) {
    auto* messages = static_cast<GeglMessages*>(self);
    std::lock_guard lock(messages->mutex_);
    messages->messages_.emplace_back(message ? message : "");
  }

  std::vector<std::pair<const char*, guint>> handlers_;
  mutable std::mutex mutex_;
  std::vector<std::string> messages_;
};

// ---------------------------------------------------------------------------------------
// Pixels: Image ↔ interleaved floats ↔ GeglBuffer.


// What GEGL is told the floats are: what they are (sRGB-encoded R'G'B'), or linear light,
// so that an operation that works in linear light leaves the encoded numbers as they are.
enum class Label { encoded, as_linear };

size_t pixel_count(Size size) { return size_t(size.width) * size.height; }
size_t channels(bool with_alpha) { return with_alpha ? 4 : 3; }

// Alpha, where present, is unassociated, as Image keeps it.
const Babl* pixel_format(bool with_alpha, Label label) {
  if (label == Label::as_linear) return babl_format(with_alpha ? "RGBA float" : "RGB float");
  return babl_format(with_alpha ? "R'G'B'A float" : "R'G'B' float");
}



void check_image(const Image& image, const char* operation) {
  const Size size{image.width, image.height};
  const auto fail = [&](const std::string& why) {
    throw std::invalid_argument(std::string(operation) + ": " + describe(size) + " image " + why);
  };
  if (size.width == 0 || size.height == 0) fail("is empty");
  if (size.width > kMaxSide || size.height > kMaxSide) fail("is larger than GEGL can address");
  if (image.rgb.size() != pixel_count(size) * 3) fail("has " + std::to_string(image.rgb.size()) + " rgb values");
  if (!image.alpha.empty() && image.alpha.size() != pixel_count(size)) {
    fail("has " + std::to_string(image.alpha.size()) + " alpha values");
  }
}

// R'G'B'(A) floats, pixel by pixel, as GEGL reads and writes them.
std::vector<float> interleave(const Image& image) {
  if (image.alpha.empty()) return image.rgb;
  std::vector<float> rgba(image.alpha.size() * 4);
  for (size_t i = 0; i < image.alpha.size(); ++i) {
    std::copy_n(&image.rgb[i * 3], 3, &rgba[i * 4]);
    rgba[i * 4 + 3] = image.alpha[i];
  }
  return rgba;
}

GeglRectangle rectangle(Size size) { return {0, 0, int(size.width), int(size.height)}; }

BufferPtr buffer_from_image(const Image& image, Label label) {
  const Babl* format = pixel_format(!image.alpha.empty(), label);
  const GeglRectangle extent = rectangle({image.width, image.height});
  BufferPtr buffer(gegl_buffer_new(&extent, format));
  gegl_buffer_set(buffer.get(), &extent, 0, format, interleave(image).data(), GEGL_AUTO_ROWSTRIDE);
  return buffer;
}

// A node reading `buffer`, as a child of `graph`.
GeglNode* add_buffer_source(GeglNode* graph, GeglBuffer* buffer) {
  return gegl_node_new_child(graph, "operation", "gegl:buffer-source", "buffer", buffer, nullptr);
}

Image image_from_buffer(GeglBuffer* buffer) {
  const GeglRectangle extent = *gegl_buffer_get_extent(buffer);
  const Size size{uint32_t(extent.width), uint32_t(extent.height)};
  const bool with_alpha = babl_format_has_alpha(gegl_buffer_get_format(buffer));
  std::vector<float> pixels(pixel_count(size) * channels(with_alpha));
  gegl_buffer_get(buffer, &extent, 1.0, pixel_format(with_alpha, Label::encoded), pixels.data(),
                  GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  return image_from_interleaved(size, pixels, with_alpha);
}

// ---------------------------------------------------------------------------------------
// Loading.

std::runtime_error cannot_read(const std::string& path, const std::string& reason) {
  return std::runtime_error("cannot read image '" + path + "': " + reason);
}

// The whole file: PNG and JPEG are decoded from memory (decode.h).
std::vector<uint8_t> read_file(const std::string& path) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) throw cannot_read(path, "it is a folder");
  const auto close = [](std::FILE* file) { std::fclose(file); };
  std::unique_ptr<std::FILE, decltype(close)> file(std::fopen(path.c_str(), "rb"), close);
  if (!file) throw cannot_read(path, std::strerror(errno));
  std::vector<uint8_t> bytes;
  std::vector<uint8_t> chunk(size_t{1} << 20);
  while (const size_t count = std::fread(chunk.data(), 1, chunk.size(), file.get())) {
    bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + count);
  }
  if (std::ferror(file.get())) throw cannot_read(path, std::strerror(errno));
  if (bytes.empty()) throw cannot_read(path, "the file is empty");
  return bytes;
}

// The MIME type GLib recognises from the bytes alone, never from the name: a text file
// called photo.tif must be refused before a loader is chosen by its name. (PNG and JPEG
// never get here: their signatures send them to decode.h.)
std::string content_type_of(const std::string& path, std::span<const uint8_t> bytes) {
  const size_t sniffed = std::min<size_t>(bytes.size(), 4096);  // as much as GEGL's own gegl:load reads
  gboolean uncertain = FALSE;
  const GCharPtr type(g_content_type_guess(nullptr, bytes.data(), sniffed, &uncertain));
  if (uncertain) throw cannot_read(path, "its contents match no known file format");
  return type.get();
}

// GEGL's native loader for a content type. GEGL's own last resort, gegl:magick-load, is
// never used: it converts through ImageMagick into one fixed file in /tmp (unsafe with two
// processes) and, where ImageMagick is not installed, reports a garbage size.
std::string loader_for(const std::string& path, const std::string& content_type) {
  if (!content_type.starts_with("image/")) {
    throw cannot_read(path, "not an image (its contents are " + content_type + ")");
  }
  const gchar* loader = nullptr;
  {
    const GeglMessages quiet;  // the lookup warns before it falls back to gegl:magick-load
    loader = gegl_operation_handlers_get_loader(content_type.c_str());
  }
  if (!loader || std::string_view(loader) == "gegl:magick-load" || !gegl_has_operation(loader)) {
    throw cannot_read(path, "GEGL has no loader for " + content_type);
  }
  return loader;
}

// Runs a GEGL load operation into a buffer (null when it produced nothing), after checking
// the size its header gives against the pixel limit.
BufferPtr run_loader(const std::string& loader, const std::string& path, const DecodeLimits& limits) {
  const NodePtr graph(gegl_node_new());
  GeglNode* load = gegl_node_new_child(graph.get(), "operation", loader.c_str(), "path", path.c_str(), nullptr);
  const GeglRectangle header = gegl_node_get_bounding_box(load);
  if (header.width <= 0 || header.height <= 0) return nullptr;
  try {
    check_pixel_count({uint32_t(header.width), uint32_t(header.height)}, limits);
  } catch (const std::runtime_error& e) {
    throw cannot_read(path, e.what());
  }
  GeglBuffer* buffer = nullptr;
  GeglNode* sink = gegl_node_new_child(graph.get(), "operation", "gegl:buffer-sink", "buffer", &buffer, nullptr);
  gegl_node_link(load, sink);
  gegl_node_process(sink);
  return BufferPtr(buffer);
}

bool has_pixels(GeglBuffer* buffer) {
  return buffer && gegl_buffer_get_extent(buffer)->width > 0 && gegl_buffer_get_extent(buffer)->height > 0;
}

// ---------------------------------------------------------------------------------------
// Resampling.

// GEGL's transforms interpolate in linear light. VGG sees the encoded values, and the usual
// implementations (PIL, torchvision, the original neural-style) interpolate those, so the
// pixels are labelled linear: GEGL then interpolates the R'G'B' numbers as they are.
Image resample(const Image& image, Size target) {
  const bool with_alpha = !image.alpha.empty();
  const BufferPtr source = buffer_from_image(image, Label::as_linear);
  const NodePtr graph(gegl_node_new());
  GeglNode* input = add_buffer_source(graph.get(), source.get());
  // LoHalo: antialiased (EWA) when shrinking, which cubic is not; CLAMP extends the edge
  // pixels outwards, where the default would blend the border with transparency.
  GeglNode* scale = gegl_node_new_child(graph.get(), "operation", "gegl:scale-size", "x", double(target.width), "y",
                                        double(target.height), "sampler", GEGL_SAMPLER_LOHALO, "abyss-policy",
                                        GEGL_ABYSS_CLAMP, nullptr);
  gegl_node_link(input, scale);

  std::vector<float> pixels(pixel_count(target) * channels(with_alpha));
  const GeglRectangle area = rectangle(target);
  const GeglMessages messages;
  gegl_node_blit(scale, 1.0, &area, pixel_format(with_alpha, Label::as_linear), pixels.data(), GEGL_AUTO_ROWSTRIDE,
                 GEGL_BLIT_DEFAULT);
  if (!messages.empty()) {
    throw std::runtime_error("GEGL could not resample a " + describe({image.width, image.height}) + " image to " +
                             describe(target) + messages.as_reason());
  }
  return image_from_interleaved(target, pixels, with_alpha);
}

// ---------------------------------------------------------------------------------------
// Saving images.

enum class OutputFormat { png_8bit, jpeg, tiff_16bit, exr_float };

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return text;
}

OutputFormat output_format_for(const std::string& path) {
  const std::string extension = lowercase(std::filesystem::path(path).extension().string());
  if (extension == ".png") return OutputFormat::png_8bit;
  if (extension == ".jpg" || extension == ".jpeg") return OutputFormat::jpeg;
  if (extension == ".tif" || extension == ".tiff") return OutputFormat::tiff_16bit;
  if (extension == ".exr") return OutputFormat::exr_float;
  throw std::runtime_error("cannot write '" + path + "': unknown image extension '" + extension +
                           "' (use .png for 8-bit PNG, .jpg or .jpeg for JPEG, .tif or .tiff for 16-bit TIFF, "
                           ".exr for float OpenEXR)");
}

constexpr int kJpegQuality = 95;

// A GEGL save operation for `format`, writing to `file`, as a child of `graph`.
GeglNode* add_saver(GeglNode* graph, OutputFormat format, const std::string& file) {
  const char* path = file.c_str();
  switch (format) {
    case OutputFormat::png_8bit:
      return gegl_node_new_child(graph, "operation", "gegl:png-save", "path", path, "bitdepth", 8, nullptr);
    case OutputFormat::jpeg:
      return gegl_node_new_child(graph, "operation", "gegl:jpg-save", "path", path, "quality", kJpegQuality, nullptr);
    case OutputFormat::tiff_16bit:
      return gegl_node_new_child(graph, "operation", "gegl:tiff-save", "path", path, "bitdepth", 16, "fp", 0, nullptr);
    case OutputFormat::exr_float:
      return gegl_node_new_child(graph, "operation", "gegl:exr-save", "path", path, nullptr);
  }
  throw std::logic_error("unhandled output format");
}

// The colour channels clamped to 0..1, without alpha: what every output format receives.
Image opaque_in_range(const Image& image) {
  Image result{image.width, image.height, image.rgb, {}};
  std::transform(result.rgb.begin(), result.rgb.end(), result.rgb.begin(), clamp_to_unit);
  return result;
}

void write_with_gegl(const Image& image, OutputFormat format, const std::string& file) {
  const BufferPtr buffer = buffer_from_image(opaque_in_range(image), Label::encoded);
  const NodePtr graph(gegl_node_new());
  GeglNode* source = add_buffer_source(graph.get(), buffer.get());
  GeglNode* saver = add_saver(graph.get(), format, file);
  gegl_node_link(source, saver);
  const GeglMessages messages;
  gegl_node_process(saver);
  if (!messages.empty() || std::filesystem::file_size(file) == 0) {
    throw std::runtime_error(std::string(gegl_node_get_operation(saver)) + " failed" + messages.as_reason());
  }
}

}  // namespace

Image load_image(const std::string& path, const DecodeLimits& limits) {
  require_gegl_session();
  const std::vector<uint8_t> bytes = read_file(path);
  if (container_of(bytes) != Container::other) {
    try {
      return decode_image(bytes, limits);
    } catch (const std::runtime_error& e) {
      throw cannot_read(path, e.what());
    }
  }
  const std::string loader = loader_for(path, content_type_of(path, bytes));
  const GeglMessages messages;
  const BufferPtr buffer = run_loader(loader, path, limits);
  // A damaged file can still give a buffer (of blank pixels); the warning is then the only sign.
  if (!has_pixels(buffer.get()) || !messages.empty()) {
    throw cannot_read(path, loader + " could not decode it" + messages.as_reason());
  }
  return image_from_buffer(buffer.get());
}

Image resize_longest_side(const Image& image, uint32_t size) {
  check_image(image, "resize_longest_side");
  const Size target = fit_longest_side({image.width, image.height}, size);
  if (std::max(image.width, image.height) == size) return image;
  require_gegl_session();
  return resample(image, target);
}

void check_output_path(const std::string& path) { output_format_for(path); }

void save_image(const Image& image, const std::string& path) {
  check_image(image, "save_image");
  require_gegl_session();
  const OutputFormat format = output_format_for(path);  // before anything is written
  write_atomically(path, [&](const std::string& file) { write_with_gegl(image, format, file); });
}

}  // namespace nst::image
