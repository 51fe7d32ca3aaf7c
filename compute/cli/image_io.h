#pragma once
// Image files for the command-line tool: loading, resizing and saving through GEGL, and
// NumPy .npy output for gradients. Host code only; nothing here knows about Vulkan.
//
// Every function except save_npy and fit_longest_side needs a live GeglSession.
//
// Output formats, chosen by the output path's extension (case-insensitive):
//
//   .png           PNG, 8 bits per channel
//   .jpg, .jpeg    JPEG, 8 bits per channel, quality 95
//   .tif, .tiff    TIFF, 16 bits per channel (unsigned integer, uncompressed)
//   .exr           OpenEXR, 32-bit float per channel, in linear light as EXR requires.
//                  Not bit-exact through GEGL: its EXR loader rebuilds the colour space from
//                  the primaries stored in the file, and that conversion moves dark values
//                  by up to about 3e-4 (mid-tones by about 1e-5).
//
// Any other extension is refused before anything is written. Values are clamped to 0..1
// and only the colour channels are written (the engine's results are opaque).
//
// Writes are atomic: the file is written under a temporary name in the same folder and
// renamed into place once complete, so a failure leaves the previous file (or none),
// never a half-written one, and no temporary file behind.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nst::cli {

// Width × height pixels, row-major, channels interleaved.
struct Image {
  uint32_t width = 0;
  uint32_t height = 0;
  // R'G'B' in 0..1: sRGB-encoded (non-linear) values, the space VGG's input expects;
  // width × height × 3 floats.
  std::vector<float> rgb;
  // Opacity in 0..1 (width × height floats, unassociated: rgb is not premultiplied), or
  // empty when the source has no alpha channel. The engine ignores it for now; resizing
  // carries it along, saving drops it.
  std::vector<float> alpha;
};

struct Size {
  uint32_t width = 0;
  uint32_t height = 0;
  bool operator==(const Size&) const = default;
};

// Initialises GEGL for this process and (unless the host owns GEGL) shuts it down when destroyed; create one in main
// before any image function. GEGL cannot be initialised again after it has been shut
// down, so a second session in one process is refused with std::logic_error.
class GeglSession {
 public:
  // Who ends GEGL: this session (gegl_exit when destroyed), or the host process (a GIMP
  // plug-in: libgimp holds GEGL buffers of its own past the plug-in's run, and GIMP never
  // calls gegl_exit in plug-ins).
  enum class Owner { this_session, host };
  explicit GeglSession(Owner owner = Owner::this_session);
  ~GeglSession();
  GeglSession(const GeglSession&) = delete;
  GeglSession& operator=(const GeglSession&) = delete;

 private:
  Owner owner_;
};

// Loads any format GEGL has a native loader for (PNG, JPEG, TIFF, OpenEXR, WebP, GIF,
// PPM, SVG, RAW, …), converted to R'G'B' in sRGB (embedded colour profiles are honoured)
// and clamped to 0..1. The format is recognised from the file's contents, never from
// its name. A missing, unreadable or undecodable file is a std::runtime_error naming it;
// so is a file whose loader logged a warning (a damaged file can decode to blank pixels).
// Known limit: GEGL's JPEG loader keeps libjpeg's default error handler, which ends the
// process (status 1, libjpeg's message on stderr) on a JPEG whose headers are corrupt.
Image load_image(const std::string& path);

// The size with the longest side equal to `size` and the other side scaled by the same
// factor, rounded to nearest (halves up), at least 1.
Size fit_longest_side(Size image, uint32_t size);

// The image resampled to fit_longest_side(…, size), or unchanged (not resampled) when its
// longest side already equals `size`. Resampling is GEGL's LoHalo sampler (antialiased
// EWA for downscaling, halo-limited cubic for upscaling) applied to the sRGB-encoded values
// as they are (not in linear light, like the reference implementations), with the edge
// pixels extended beyond the border; the result is clamped to 0..1.
Image resize_longest_side(const Image& image, uint32_t size);

// Throws, as save_image would, unless `path`'s extension names an output format: lets a
// front end refuse a bad output path before it spends minutes computing the image.
void check_output_path(const std::string& path);

// Writes the image in the format its extension names (see the table above).
void save_image(const Image& image, const std::string& path);

// Writes `data` as a NumPy .npy file (format 1.0, '<f4', C order, the header padded to a
// multiple of 64 bytes as NumPy writes it). The product of `shape` must equal data.size().
void save_npy(const std::string& path, const std::vector<float>& data, const std::vector<size_t>& shape);

}  // namespace nst::cli
