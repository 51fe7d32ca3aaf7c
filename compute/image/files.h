#pragma once
// Image files through GEGL: loading, resizing and saving. Host code only; nothing here
// knows about Vulkan. Every function needs a live GeglSession (gegl_session.h).
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
#include <cstdint>
#include <string>

#include "image/decode.h"
#include "image/gegl_session.h"
#include "image/image.h"

namespace nst::image {

// Loads an image file, recognised from its contents, never from its name: PNG and JPEG
// through decode.h (libpng and libjpeg with every error trapped, corrupt or truncated data
// refused, the pixel limit checked from the header, ICC profiles and CMYK converted by
// babl); any other format GEGL has a native loader for (TIFF, OpenEXR, WebP, GIF, PPM, SVG,
// RAW, …) through that loader, with the pixel limit checked from the size its header gives
// and embedded colour profiles honoured. Converted to R'G'B' in sRGB, clamped to 0..1. A
// missing, unreadable, undecodable or too large file is a std::runtime_error naming it; so
// is a file whose GEGL loader logged a warning (a damaged file can decode to blank pixels).
Image load_image(const std::string& path, const DecodeLimits& limits = {});

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

}  // namespace nst::image
