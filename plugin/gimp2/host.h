#pragma once
// plugin/core's Host on GIMP 2.10: one libgimp call per member. The filter's rules are in
// plugin/core/filter.h; the registration and run modes in plugin.cpp.
#include <libgimp/gimp.h>

#include "plugin/core/filter.h"

namespace nst::plugin::gimp2 {

class Gimp2Host : public Host {
 public:
  Gimp2Host(gint32 image, gint32 content) : image_(image), content_(content) {}

  bool image_is_indexed() const override;
  bool is_layer(ItemId item) const override;
  bool is_drawable(ItemId item) const override;
  bool is_group(ItemId item) const override;
  ItemId content() const override { return content_; }
  std::vector<ItemId> layers_of_image() const override;
  std::vector<ItemId> layers_of_other_images() const override;
  std::string name(ItemId item) const override;
  Image read(ItemId drawable) const override;
  Offsets offsets(ItemId drawable) const override;
  bool has_selection() const override;

  void begin_undo_group() override;
  void end_undo_group() override;
  ItemId new_layer(const std::string& name, uint32_t width, uint32_t height, bool alpha) override;
  void insert_above_content(ItemId layer) override;
  void set_offsets(ItemId layer, Offsets offsets) override;
  void write(ItemId layer, const Image& image) override;
  void add_selection_mask(ItemId layer) override;
  void discard_layer(ItemId layer) override;

  void progress(double fraction, const std::string& text) override;

 private:
  gint32 image_, content_;
};

}  // namespace nst::plugin::gimp2
