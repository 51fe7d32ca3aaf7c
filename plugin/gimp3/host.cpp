#include "plugin/gimp3/host.h"

#include "plugin/core/pixels.h"
#include "plugin/core/record.h"

namespace nst::plugin::gimp3 {
namespace {

GimpDrawable* drawable(ItemId id) { return GIMP_DRAWABLE(gimp_item_get_by_id(id)); }
GimpLayer* layer(ItemId id) { return GIMP_LAYER(gimp_item_get_by_id(id)); }

// The IDs of a NULL-terminated array that libgimp hands over.
template <typename T>
std::vector<ItemId> take_ids(T** items) {
  std::vector<ItemId> ids;
  for (T** item = items; item && *item; ++item) ids.push_back(gimp_item_get_id(GIMP_ITEM(*item)));
  g_free(items);
  return ids;
}

class Gimp3Host : public Host {
 public:
  Gimp3Host(GimpImage* image, GimpDrawable* content) : image_(image), content_(content) {}

  ItemId content() const override { return gimp_item_get_id(GIMP_ITEM(content_)); }

  bool image_is_indexed() const override { return gimp_image_get_base_type(image_) == GIMP_INDEXED; }

  bool is_layer(ItemId item) const override { return gimp_item_id_is_valid(item) && gimp_item_id_is_layer(item); }

  bool is_drawable(ItemId item) const override {
    return gimp_item_id_is_valid(item) && gimp_item_id_is_drawable(item);
  }

  bool is_group(ItemId item) const override {
    return gimp_item_id_is_valid(item) && gimp_item_is_group(gimp_item_get_by_id(item));
  }

  std::vector<ItemId> layers_of_image() const override { return take_ids(gimp_image_get_layers(image_)); }

  std::vector<ItemId> layers_of_other_images() const override {
    GimpImage** images = gimp_get_images();
    std::vector<ItemId> layers;
    for (GimpImage** other = images; other && *other; ++other) {
      if (gimp_image_get_id(*other) == gimp_image_get_id(image_)) continue;
      for (ItemId id : take_ids(gimp_image_get_layers(*other))) layers.push_back(id);
    }
    g_free(images);
    return layers;
  }

  std::string name(ItemId item) const override {
    gchar* name = gimp_item_get_name(gimp_item_get_by_id(item));
    std::string result = name ? name : "style";
    g_free(name);
    return result;
  }

  Image read(ItemId id) const override {
    const OwnedBuffer buffer(gimp_drawable_get_buffer(drawable(id)), "drawable " + std::to_string(id));
    return read_pixels(buffer.get());
  }

  Offsets offsets(ItemId id) const override {
    Offsets o;
    gimp_drawable_get_offsets(drawable(id), &o.x, &o.y);
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
    const bool grey = gimp_image_get_base_type(image_) == GIMP_GRAY;
    const GimpImageType type = grey ? (alpha ? GIMP_GRAYA_IMAGE : GIMP_GRAY_IMAGE) : (alpha ? GIMP_RGBA_IMAGE : GIMP_RGB_IMAGE);
    GimpLayer* created = gimp_layer_new(image_, name.c_str(), static_cast<gint>(width), static_cast<gint>(height), type,
                                        100.0, GIMP_LAYER_MODE_NORMAL);
    if (!created) throw PluginError("GIMP could not create the result layer");
    return gimp_item_get_id(GIMP_ITEM(created));
  }

  void insert_above_content(ItemId id) override {
    GimpItem* parent = gimp_item_get_parent(GIMP_ITEM(content_));
    gimp_image_insert_layer(image_, layer(id), parent ? GIMP_LAYER(parent) : nullptr,
                            gimp_image_get_item_position(image_, GIMP_ITEM(content_)));
  }

  void set_offsets(ItemId id, Offsets offsets) override { gimp_layer_set_offsets(layer(id), offsets.x, offsets.y); }

  void write(ItemId id, const Image& image) override {
    {
      const OwnedBuffer buffer(gimp_drawable_get_buffer(drawable(id)), "the new layer");
      write_pixels(image, buffer.get());
      gegl_buffer_flush(buffer.get());
    }
    gimp_drawable_update(drawable(id), 0, 0, static_cast<gint>(image.width), static_cast<gint>(image.height));
  }

  void add_selection_mask(ItemId id) override {
    gimp_layer_add_mask(layer(id), gimp_layer_create_mask(layer(id), GIMP_ADD_MASK_SELECTION));
  }

  void attach_record(ItemId id, const std::string& text) override {
    GimpParasite* parasite = gimp_parasite_new(kRecordParasite, GIMP_PARASITE_PERSISTENT | GIMP_PARASITE_UNDOABLE,
                                               static_cast<guint32>(text.size() + 1), text.c_str());
    gimp_item_attach_parasite(gimp_item_get_by_id(id), parasite);
    gimp_parasite_free(parasite);
  }

  void discard_layer(ItemId id) override {
    if (gimp_item_get_image(gimp_item_get_by_id(id))) {
      gimp_image_remove_layer(image_, layer(id));
    } else {
      gimp_item_delete(gimp_item_get_by_id(id));
    }
  }

  void progress(double fraction, const std::string& text) override {
    gimp_progress_update(fraction);
    gimp_progress_set_text(text.c_str());
  }

 private:
  GimpImage* image_;
  GimpDrawable* content_;
};

}  // namespace

std::unique_ptr<Host> make_host(GimpImage* image, GimpDrawable* content) {
  return std::make_unique<Gimp3Host>(image, content);
}

}  // namespace nst::plugin::gimp3
