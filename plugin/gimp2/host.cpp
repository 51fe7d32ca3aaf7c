#include "plugin/gimp2/host.h"

#include "plugin/core/pixels.h"

namespace nst::plugin::gimp2 {
namespace {

// IDs from a g_malloc'ed array that libgimp hands over.
std::vector<ItemId> take_ids(gint32* ids, gint count) {
  std::vector<ItemId> result(ids, ids + count);
  g_free(ids);
  return result;
}

std::vector<ItemId> layers_of(gint32 image) {
  gint count = 0;
  gint32* ids = gimp_image_get_layers(image, &count);
  return take_ids(ids, count);
}

}  // namespace

bool Gimp2Host::image_is_indexed() const { return gimp_image_base_type(image_) == GIMP_INDEXED; }

bool Gimp2Host::is_layer(ItemId item) const { return gimp_item_is_valid(item) && gimp_item_is_layer(item); }

bool Gimp2Host::is_drawable(ItemId item) const { return gimp_item_is_valid(item) && gimp_item_is_drawable(item); }

bool Gimp2Host::is_group(ItemId item) const { return gimp_item_is_valid(item) && gimp_item_is_group(item); }

std::vector<ItemId> Gimp2Host::layers_of_image() const { return layers_of(image_); }

std::vector<ItemId> Gimp2Host::layers_of_other_images() const {
  gint count = 0;
  gint32* ids = gimp_image_list(&count);
  std::vector<ItemId> layers;
  for (gint32 other : take_ids(ids, count)) {
    if (other == image_) continue;
    for (ItemId layer : layers_of(other)) layers.push_back(layer);
  }
  return layers;
}

std::string Gimp2Host::name(ItemId item) const {
  gchar* name = gimp_item_get_name(item);
  std::string result = name ? name : "style";
  g_free(name);
  return result;
}

Image Gimp2Host::read(ItemId drawable) const {
  const OwnedBuffer buffer(gimp_drawable_get_buffer(drawable), "drawable " + std::to_string(drawable));
  return read_pixels(buffer.get());
}

Offsets Gimp2Host::offsets(ItemId drawable) const {
  Offsets o;
  gimp_drawable_offsets(drawable, &o.x, &o.y);
  return o;
}

bool Gimp2Host::has_selection() const { return !gimp_selection_is_empty(image_); }

void Gimp2Host::begin_undo_group() { gimp_image_undo_group_start(image_); }

void Gimp2Host::end_undo_group() { gimp_image_undo_group_end(image_); }

ItemId Gimp2Host::new_layer(const std::string& name, uint32_t width, uint32_t height, bool alpha) {
  const bool grey = gimp_image_base_type(image_) == GIMP_GRAY;
  const GimpImageType type = grey ? (alpha ? GIMP_GRAYA_IMAGE : GIMP_GRAY_IMAGE) : (alpha ? GIMP_RGBA_IMAGE : GIMP_RGB_IMAGE);
  const gint32 layer = gimp_layer_new(image_, name.c_str(), static_cast<gint>(width), static_cast<gint>(height), type,
                                      100.0, GIMP_LAYER_MODE_NORMAL);
  if (layer < 0) throw PluginError("GIMP could not create the result layer");
  return layer;
}

void Gimp2Host::insert_above_content(ItemId layer) {
  gimp_image_insert_layer(image_, layer, gimp_item_get_parent(content_), gimp_image_get_item_position(image_, content_));
}

void Gimp2Host::set_offsets(ItemId layer, Offsets offsets) { gimp_layer_set_offsets(layer, offsets.x, offsets.y); }

void Gimp2Host::write(ItemId layer, const Image& image) {
  {
    const OwnedBuffer buffer(gimp_drawable_get_buffer(layer), "the new layer");
    write_pixels(image, buffer.get());
    gegl_buffer_flush(buffer.get());
  }
  gimp_drawable_update(layer, 0, 0, static_cast<gint>(image.width), static_cast<gint>(image.height));
}

void Gimp2Host::add_selection_mask(ItemId layer) {
  gimp_layer_add_mask(layer, gimp_layer_create_mask(layer, GIMP_ADD_MASK_SELECTION));
}

void Gimp2Host::discard_layer(ItemId layer) {
  if (gimp_item_get_image(layer) == image_) {
    gimp_image_remove_layer(image_, layer);
  } else {
    gimp_item_delete(layer);
  }
}

void Gimp2Host::progress(double fraction, const std::string& text) {
  gimp_progress_update(fraction);
  gimp_progress_set_text(text.c_str());
}

}  // namespace nst::plugin::gimp2
