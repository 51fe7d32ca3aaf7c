#pragma once
// What the plug-in asks the user for, host-free: the settings and their PDB parameters (one
// table that both GIMP adapters register from, build their dialogs from and save last
// values with). How they map onto the engine: mapping.h.
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>


namespace nst::plugin {

// The PDB procedure both adapters register, and its documentation.
inline constexpr const char* kProcedureName = "plug-in-neural-style-transfer";
inline constexpr const char* kProcedureBlurb = "Repaint a layer in the style of another (neural style transfer)";
inline constexpr const char* kProcedureHelp =
    "Gatys et al.'s neural style transfer on Vulkan: the content layer's photo repainted with the style layer's "
    "strokes, colours and textures, as a new layer above it. Needs VGG-19 weights (nst-fetch-weights installs them).";
inline constexpr const char* kMenuLabel = "Neural Style _Transfer…";
inline constexpr const char* kMenuPath = "<Image>/Filters/Artistic";
inline constexpr const char* kImageTypes = "RGB*, GRAY*";
inline constexpr const char* kAuthors = "neural-style-transfer authors";
inline constexpr const char* kLicence = "GPL-3.0-or-later";
inline constexpr const char* kYear = "2026";
inline constexpr const char* kPluginBinary = "neural-style-transfer";  // also its folder
inline constexpr const char* kProgressTitle = "Neural style transfer";
// Dialog labels beside the table's (their mnemonics distinct from all of them).
inline constexpr const char* kAdvancedLabel = "Ad_vanced";
inline constexpr const char* kNewSeedLabel = "Ne_w seed";
inline constexpr const char* kAutomaticDevice = "Automatic (the fastest device)";

// A message for the user: the adapters show it in GIMP (interactive) or return it with an
// error status (batch), and leave the image as it was.
class PluginError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Settings {
  double strength = 50;         // 0 … 100: style_weight_for_strength()
  int steps = 200;              // optimiser steps (L-BFGS or Adam) at the working size
  int working_size = 512;       // longest side, px, of the scale most steps run at
  bool preserve_colors = false;
  double style_scale = 1.0;     // the style's size relative to the content's
  int seed = 0;                 // for init = noise
  std::string init = "content";        // content | noise
  std::string content_layers;          // comma-separated; empty: the weight file's defaults
  std::string style_layers;            // "relu1_1,relu2_1:0.5"; empty: the defaults
  std::string optimizer = "lbfgs";     // lbfgs | adam
  double tv_weight = 0;                // γ
  std::string pooling = "max";         // max | avg
  int scales = 1;                      // coarse-to-fine scales up to the working size
  std::string device;                  // Vulkan device: name substring or index; empty: best
  int memory_limit = 0;                // MiB of device memory the run may hold; 0: the device's budget
  // The second and third style layers' weights in the blend, the first style layer's being
  // 1 (filter.h: blended_styles; 0 leaves the layer out).
  double style_weight_2 = 1;
  double style_weight_3 = 1;
  bool operator==(const Settings&) const = default;
};

// One PDB parameter after run-mode, image and drawable, in registration order. Numbers,
// integers and booleans are held as double; text and choices as strings.
using Value = std::variant<double, std::string>;
enum class Kind { layer, number, integer, boolean, choice, text };
// How a dialog shows a parameter: the widget its kind implies, or a row of its own.
enum class Widget {
  standard,
  seed_with_new_button,  // the number and kNewSeedLabel's button (random_seed())
  device_chooser,        // "Automatic" and each Vulkan device (device_choices())
  style_with_weight,     // a further style layer ("None" or a layer), its weight beside it
  in_style_row,          // a further style layer's weight: shown in that layer's row
};

struct Parameter {
  const char* name;    // PDB name: "style-strength"
  const char* label;   // dialog label, with a mnemonic no other label, kAdvancedLabel,
                       // kNewSeedLabel nor GIMP 3's dialog buttons (OK, Cancel, Load/Save
                       // settings) take
  const char* help;    // PDB description and tooltip
  Kind kind;
  double min = 0, max = 0;           // number, integer
  double slider_max = 0;             // a dialog slider's end (typing reaches max); 0: max
  std::vector<std::string> choices;  // choice: the values the PDB takes
  std::vector<std::string> choice_labels;  // and what a dialog shows for each
  bool advanced = false;             // folded away in the dialog
  Value (*get)(const Settings&) = nullptr;
  void (*set)(Settings&, const Value&) = nullptr;
  Widget widget = Widget::standard;
};

// The label without its mnemonic mark, for messages: "Steps".
std::string plain_label(const Parameter& p);

// The style layer's parameter: the table's first, the one the adapters hold themselves.
inline constexpr const char* kStyleParameter = "style-drawable";

// The style layers blended with the first (Kind::layer, none allowed: the adapters hold
// them), each with its weight setting. They close the table, after every parameter of
// the procedure's first signature, so that calls written for that signature keep working
// (GIMP 3 fills trailing arguments left out with their defaults; GIMP 2.10's Script-Fu
// refuses a call with fewer arguments than declared, so there they make a second
// procedure, kBlendProcedureName, and kProcedureName keeps its first signature).
struct BlendParameter {
  const char* layer;
  const char* weight;
};
inline constexpr BlendParameter kBlendParameters[] = {{"style-drawable-2", "style-weight-2"},
                                                      {"style-drawable-3", "style-weight-3"}};
inline constexpr size_t kStyleLayers = 1 + std::size(kBlendParameters);
inline constexpr const char* kBlendProcedureName = "plug-in-neural-style-transfer-blend";
inline constexpr const char* kBlendProcedureBlurb =
    "Repaint a layer in a blend of up to three styles (neural style transfer)";

// "style-drawable" (Kind::layer, no get/set: the adapters hold the style layer) first,
// then every setting, then kBlendParameters' layers and weights.
const std::vector<Parameter>& parameters();
const Parameter& parameter(std::string_view name);
// Which style layer a Kind::layer parameter holds: 0 for kStyleParameter, then 1, 2 for
// kBlendParameters' (filter.h's StyleLayers); nothing for another name.
std::optional<size_t> style_slot(std::string_view name);
// How many of the table's parameters the first signature (kProcedureName on GIMP 2.10) has:
// all but kBlendParameters'.
size_t first_signature_parameters();
// The table in the order the dialogs show it: the further style layers right after the
// first, their weights in their rows (Widget::in_style_row).
const std::vector<const Parameter*>& dialog_parameters();

// Throws PluginError naming the parameter and its range for a value out of range, an
// unknown choice, or malformed style layer weights. (Whether the weight file has the
// layers named is checked against the network: see job.h.)
void validate(const Settings& settings);

// "name=value" lines, for GIMP 2.10's gimp_set_data; parse() ignores unknown names,
// malformed lines and numbers out of range (last values from another version), keeping
// the defaults for them.
std::string serialise(const Settings& settings);
Settings parse(const std::string& text);

// The "name=value" lines of `text` by name (serialise()'s format, which the layer's record
// in record.h extends): lines without '=' or without a name are skipped; a later line wins.
std::map<std::string, std::string> name_values(const std::string& text);

}  // namespace nst::plugin
