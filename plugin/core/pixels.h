#pragma once
// A layer's pixels in and out of GIMP's GEGL buffers, as the project's image type, whatever
// the layer's format: babl converts grey, 8/16/32-bit integer and float, linear or not.
#include <gegl.h>

#include <string>

#include "image/image.h"
#include "plugin/core/settings.h"

namespace nst::plugin {

// A buffer's pixels as R'G'B' (sRGB-encoded) floats with unassociated alpha, whatever its
// own format: babl converts grey, 8/16/32-bit integer and float, linear or not. `alpha` is
// empty when the buffer has none. Call on the host's main thread (GIMP's buffers are
// backed by the core's tiles).
image::Image read_pixels(GeglBuffer* buffer);

// Writes `image` into `buffer` (its size), converted by babl to the buffer's format
// (grey buffers get the luminance). Without alpha in `image`, the buffer's alpha (if it
// has one) becomes opaque.
void write_pixels(const image::Image& image, GeglBuffer* buffer);

// A GeglBuffer the host lends (a drawable's), unreferenced at the end of the scope.
class OwnedBuffer {
 public:
  // Throws PluginError naming `what` when the host gave no buffer.
  OwnedBuffer(GeglBuffer* buffer, const std::string& what) : buffer_(buffer) {
    if (!buffer_) throw PluginError("GIMP gave no pixels for " + what);
  }
  ~OwnedBuffer() { g_object_unref(buffer_); }
  OwnedBuffer(const OwnedBuffer&) = delete;
  OwnedBuffer& operator=(const OwnedBuffer&) = delete;
  GeglBuffer* get() const { return buffer_; }

 private:
  GeglBuffer* buffer_;
};

}  // namespace nst::plugin
