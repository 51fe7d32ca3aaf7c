#pragma once
// The filter's rules, once for every GIMP: which layers can be stylised (and the message
// when not), which style layer to propose, the run with progress, and where the result
// goes (a new layer right above the content, named after the style, at the content's
// offsets, with its alpha, a mask from the selection, one undo step). Each adapter
// implements Host with one GIMP call per member; nothing here knows a GIMP version.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plugin/core/job.h"
#include "plugin/core/settings.h"

namespace nst::plugin {

using ItemId = int32_t;  // GIMP's item IDs (gimp_item_get_id in GIMP 3)

struct Offsets {
  int x = 0, y = 0;
};

// A rectangle of a layer, in the layer's own pixel coordinates.
struct Region {
  int x = 0, y = 0;
  int width = 0, height = 0;
  bool operator==(const Region&) const = default;
};

// The image a call works on and its content layer, as the host sees them.
class Host {
 public:
  virtual ~Host() = default;

  virtual bool image_is_indexed() const = 0;
  virtual bool is_layer(ItemId item) const = 0;
  virtual bool is_drawable(ItemId item) const = 0;  // and exists
  virtual bool is_group(ItemId item) const = 0;     // a layer group
  virtual ItemId content() const = 0;
  virtual std::vector<ItemId> layers_of_image() const = 0;         // top-most first
  virtual std::vector<ItemId> layers_of_other_images() const = 0;  // of every other open image
  virtual std::string name(ItemId item) const = 0;
  virtual Image read(ItemId drawable) const = 0;  // read_pixels of its buffer
  virtual Offsets offsets(ItemId drawable) const = 0;
  virtual bool has_selection() const = 0;
  // The selection's bounding box within the content layer, in its coordinates; none
  // without a selection, or where the selection misses the layer.
  virtual std::optional<Region> selection_bounds() const = 0;

  virtual void begin_undo_group() = 0;
  virtual void end_undo_group() = 0;
  // A layer of the image's base type (RGB or grey) and precision, not yet in the image.
  virtual ItemId new_layer(const std::string& name, uint32_t width, uint32_t height, bool alpha) = 0;
  virtual void insert_above_content(ItemId layer) = 0;
  virtual void set_offsets(ItemId layer, Offsets offsets) = 0;
  virtual void write(ItemId layer, const Image& image) = 0;  // write_pixels into its buffer
  virtual void add_selection_mask(ItemId layer) = 0;
  // Attaches record.h's text as the layer's kRecordParasite parasite (persistent, undoable).
  virtual void attach_record(ItemId layer, const std::string& text) = 0;
  // Removes a layer new_layer() made, inserted or not (a failure half-way through).
  virtual void discard_layer(ItemId layer) = 0;

  virtual void progress(double fraction, const std::string& text) = 0;
};

// The style layers of a call: the first, then kBlendParameters' (kNoLayer: none).
inline constexpr ItemId kNoLayer = -1;
using StyleLayers = std::array<ItemId, kStyleLayers>;
inline constexpr StyleLayers kNoStyleLayers = {kNoLayer, kNoLayer, kNoLayer};

// The layers a run blends, with their weights: the first at 1, then each further layer
// that is set and weighs more than 0 (Settings::style_weight_2, _3).
struct BlendedStyle {
  size_t slot;  // in StyleLayers
  ItemId layer;
  double weight;
  bool operator==(const BlendedStyle&) const = default;
};
std::vector<BlendedStyle> blended_styles(const StyleLayers& styles, const Settings& settings);

// The new layer's name from the style layers' names by slot (empty: not blended): "<style
// layer> (style transfer)", "<first> + <second> (style transfer)" for a blend.
std::string result_layer_name(const std::vector<std::string>& style_layer_names);

// Throws PluginError unless the content is a layer of an RGB or grey image and each
// blended style layer another existing drawable (the message says which one).
void check_layers(const Host& host, const StyleLayers& styles, const Settings& settings);

// The style layer to propose: `last` while it exists and is not the content, else the
// top-most other layer of the image that is not a group (a group may hold the content),
// else a layer of another open image, else none.
std::optional<ItemId> default_style_layer(const Host& host, std::optional<ItemId> last);

// The style layer a run uses: a non-interactive call's own; otherwise (the dialog, or
// last values, which GIMP 3 cannot keep a drawable in) `given` while usable, else
// default_style_layer's.
std::optional<ItemId> style_for_run(const Host& host, bool non_interactive, std::optional<ItemId> given);
// The same for every style layer: the first by style_for_run; a further one as given in a
// non-interactive call, else kept while usable and not the content, else none.
StyleLayers styles_for_run(const Host& host, bool non_interactive, const StyleLayers& given);

// The Vulkan device chooser both dialogs show: "Automatic" then each device, the entry
// matching the `device` setting (index) active, else Automatic; `problem` says why no
// device could be listed.
struct DeviceChoices {
  std::vector<std::string> labels;
  int active = 0;
  std::string problem;
};
DeviceChoices device_choices(const std::string& device);
// The `device` setting for the chooser's entry `active`.
std::string device_setting(int active);

// What keeps the dialog from running, if anything: no weights, else no device.
std::string dialog_problem(const DeviceChoices& devices);

// A new seed for the "New seed" button, within the seed's range.
int random_seed();

// The whole filter: checks, the run on a worker thread with progress reported through
// the host (stylise_layer reads and checks the weights there, once), then the result layer. Returns the new layer. Throws PluginError (nothing
// changed) for anything the user can act on.
ItemId run_filter(Host& host, const StyleLayers& styles, const Settings& settings);

// The result layer's rules (run_filter's last part), with `record` (record.h) attached. A
// failure half-way discards the layer, so that the image is as it was.
ItemId add_result_layer(Host& host, const Image& result, const std::vector<std::string>& style_names,
                        const std::string& record);

}  // namespace nst::plugin
