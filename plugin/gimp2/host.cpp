#include "plugin/gimp2/host.h"

#include "plugin/core/pixels.h"
#include "plugin/core/record.h"

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

class Gimp2Host : public Host {
 public:
  Gimp2Host(gint32 image, gint32 content) : image_(image), content_(content) {}

  ItemId content() const override { return content_; }

  bool image_is_indexed() const override { return gimp_image_base_type(image_) == GIMP_INDEXED; }

  bool is_layer(ItemId item) const override { return gimp_item_is_valid(item) && gimp_item_is_layer(item); }

  bool is_drawable(ItemId item) const override { return gimp_item_is_valid(item) && gimp_item_is_drawable(item); }

  bool is_group(ItemId item) const override { return gimp_item_is_valid(item) && gimp_item_is_group(item); }

  std::vector<ItemId> layers_of_image() const override { return layers_of(image_); }

  std::vector<ItemId> layers_of_other_images() const override {
    gint count = 0;
    gint32* ids = gimp_image_list(&count);
    std::vector<ItemId> layers;
    for (gint32 other : take_ids(ids, count)) {
      if (other == image_) continue;
      for (ItemId layer : layers_of(other)) layers.push_back(layer);
    }
    return layers;
  }

  std::string name(ItemId item) const override {
    gchar* name = gimp_item_get_name(item);
    std::string result = name ? name : "style";
    g_free(name);
    return result;
  }

  Image read(ItemId drawable) const override {
    const OwnedBuffer buffer(gimp_drawable_get_buffer(drawable), "drawable " + std::to_string(drawable));
    return read_pixels(buffer.get());
  }

  Offsets offsets(ItemId drawable) const override {
    Offsets o;
    gimp_drawable_offsets(drawable, &o.x, &o.y);
    return o;
  }

  bool has_selection() const override { return !gimp_selection_is_empty(image_); }

  std::optional<Region> selection_bounds() const override {
    Region r;
    if (!has_selection() || !gimp_drawable_mask_intersect(content_, &r.x, &r.y, &r.width, &r.height)) return std::nullopt;
    return r;
  }

  void begin_undo_group() override { gimp_image_undo_group_start(image_); }

  void end_undo_group() override { gimp_image_undo_group_end(image_); }

  ItemId new_layer(const std::string& name, uint32_t width, uint32_t height, bool alpha) override {
    const bool grey = gimp_image_base_type(image_) == GIMP_GRAY;
    const GimpImageType type = grey ? (alpha ? GIMP_GRAYA_IMAGE : GIMP_GRAY_IMAGE) : (alpha ? GIMP_RGBA_IMAGE : GIMP_RGB_IMAGE);
    const gint32 layer = gimp_layer_new(image_, name.c_str(), static_cast<gint>(width), static_cast<gint>(height), type,
                                        100.0, GIMP_LAYER_MODE_NORMAL);
    if (layer < 0) throw PluginError("GIMP could not create the result layer");
    return layer;
  }

  void insert_above_content(ItemId layer) override {
    gimp_image_insert_layer(image_, layer, gimp_item_get_parent(content_), gimp_image_get_item_position(image_, content_));
  }

  void set_offsets(ItemId layer, Offsets offsets) override { gimp_layer_set_offsets(layer, offsets.x, offsets.y); }

  void write(ItemId layer, const Image& image) override {
    {
      const OwnedBuffer buffer(gimp_drawable_get_buffer(layer), "the new layer");
      write_pixels(image, buffer.get());
      gegl_buffer_flush(buffer.get());
    }
    gimp_drawable_update(layer, 0, 0, static_cast<gint>(image.width), static_cast<gint>(image.height));
  }

  void add_selection_mask(ItemId layer) override {
    gimp_layer_add_mask(layer, gimp_layer_create_mask(layer, GIMP_ADD_MASK_SELECTION));
  }

  void attach_record(ItemId layer, const std::string& text) override {
    GimpParasite* parasite = gimp_parasite_new(kRecordParasite, GIMP_PARASITE_PERSISTENT | GIMP_PARASITE_UNDOABLE,
                                               static_cast<guint32>(text.size() + 1), text.c_str());
    gimp_item_attach_parasite(layer, parasite);
    gimp_parasite_free(parasite);
  }

  void discard_layer(ItemId layer) override {
    if (gimp_item_get_image(layer) == image_) {
      gimp_image_remove_layer(image_, layer);
    } else {
      gimp_item_delete(layer);
    }
  }

  void progress(double fraction, const std::string& text) override {
    gimp_progress_update(fraction);
    gimp_progress_set_text(text.c_str());
  }

 private:
  gint32 image_, content_;
};

}  // namespace

std::unique_ptr<Host> make_host(gint32 image, gint32 content) { return std::make_unique<Gimp2Host>(image, content); }

}  // namespace nst::plugin::gimp2
