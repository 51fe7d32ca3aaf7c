#include "plugin/gimp2/host.h"

#include <vector>

namespace nst::plugin::gimp2 {
namespace {

// A GeglBuffer that GIMP lends for a drawable, released at the end of the scope.
class DrawableBuffer {
 public:
  explicit DrawableBuffer(gint32 drawable) : buffer_(gimp_drawable_get_buffer(drawable)) {
    if (!buffer_) throw PluginError("GIMP gave no pixels for drawable " + std::to_string(drawable));
  }
  ~DrawableBuffer() { g_object_unref(buffer_); }
  DrawableBuffer(const DrawableBuffer&) = delete;
  DrawableBuffer& operator=(const DrawableBuffer&) = delete;
  GeglBuffer* get() const { return buffer_; }

 private:
  GeglBuffer* buffer_;
};

std::vector<gint32> layers_of(gint32 image) {
  gint count = 0;
  gint32* ids = gimp_image_get_layers(image, &count);
  std::vector<gint32> layers(ids, ids + count);
  g_free(ids);
  return layers;
}

std::vector<gint32> open_images() {
  gint count = 0;
  gint32* ids = gimp_image_list(&count);
  std::vector<gint32> images(ids, ids + count);
  g_free(ids);
  return images;
}

GimpImageType layer_type(gint32 image, bool alpha) {
  if (gimp_image_base_type(image) == GIMP_GRAY) return alpha ? GIMP_GRAYA_IMAGE : GIMP_GRAY_IMAGE;
  return alpha ? GIMP_RGBA_IMAGE : GIMP_RGB_IMAGE;
}

// Ends the undo group however the scope is left.
class UndoGroup {
 public:
  explicit UndoGroup(gint32 image) : image_(image) { gimp_image_undo_group_start(image_); }
  ~UndoGroup() { gimp_image_undo_group_end(image_); }
  UndoGroup(const UndoGroup&) = delete;
  UndoGroup& operator=(const UndoGroup&) = delete;

 private:
  gint32 image_;
};

}  // namespace

void check_layers(gint32 image, gint32 content, gint32 style) {
  if (!gimp_image_is_valid(image) || !gimp_item_is_valid(content) || !gimp_item_is_layer(content)) {
    throw PluginError("The content must be a layer of an open image (not a channel or a mask).");
  }
  if (gimp_image_base_type(image) == GIMP_INDEXED) {
    throw PluginError("Indexed images cannot be stylised: convert the image to RGB or Grayscale first (Image ▸ Mode).");
  }
  if (!gimp_item_is_valid(style) || !gimp_item_is_drawable(style)) {
    throw PluginError("The style layer does not exist (any more): pick a layer of an open image as the style.");
  }
  if (style == content) {
    throw PluginError("The style layer is the content layer: pick another layer as the style.");
  }
}

Image read_drawable(gint32 drawable) {
  const DrawableBuffer buffer(drawable);
  return read_pixels(buffer.get());
}

std::string drawable_name(gint32 drawable) {
  gchar* name = gimp_item_get_name(drawable);
  std::string result = name ? name : "style";
  g_free(name);
  return result;
}

std::optional<gint32> default_style_layer(gint32 image, gint32 content, std::optional<gint32> last) {
  if (last && *last != content && gimp_item_is_valid(*last) && gimp_item_is_drawable(*last)) return last;
  for (gint32 layer : layers_of(image)) {
    if (layer != content) return layer;
  }
  for (gint32 other : open_images()) {
    if (other == image) continue;
    for (gint32 layer : layers_of(other)) return layer;
  }
  return std::nullopt;
}

gint32 add_result_layer(gint32 image, gint32 content, const Image& result, const std::string& name) {
  const UndoGroup undo(image);
  const gint32 layer = gimp_layer_new(image, name.c_str(), static_cast<gint>(result.width),
                                      static_cast<gint>(result.height), layer_type(image, !result.alpha.empty()), 100.0,
                                      GIMP_LAYER_MODE_NORMAL);
  if (layer < 0) throw PluginError("GIMP could not create the result layer");
  gimp_image_insert_layer(image, layer, gimp_item_get_parent(content), gimp_image_get_item_position(image, content));
  gint x = 0, y = 0;
  gimp_drawable_offsets(content, &x, &y);
  gimp_layer_set_offsets(layer, x, y);
  {
    const DrawableBuffer buffer(layer);
    write_pixels(result, buffer.get());
    gegl_buffer_flush(buffer.get());
  }
  gimp_drawable_update(layer, 0, 0, static_cast<gint>(result.width), static_cast<gint>(result.height));
  if (!gimp_selection_is_empty(image)) {
    gimp_layer_add_mask(layer, gimp_layer_create_mask(layer, GIMP_ADD_MASK_SELECTION));
  }
  return layer;
}

}  // namespace nst::plugin::gimp2
