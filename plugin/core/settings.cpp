#include "plugin/core/settings.h"

#include "style/parse.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace nst::plugin {
namespace {

// Accessors for the table: a setting of each type read and written as a Value.
template <auto Field>
Value get_number(const Settings& s) {
  return static_cast<double>(s.*Field);
}
template <auto Field>
void set_number(Settings& s, const Value& v) {
  using T = std::remove_reference_t<decltype(s.*Field)>;
  const double d = std::get<double>(v);
  if constexpr (std::is_same_v<T, bool>) {
    s.*Field = d != 0;
  } else if constexpr (std::is_integral_v<T>) {
    s.*Field = static_cast<T>(std::lround(d));
  } else {
    s.*Field = d;
  }
}
template <auto Field>
Value get_text(const Settings& s) {
  return s.*Field;
}
template <auto Field>
void set_text(Settings& s, const Value& v) {
  s.*Field = std::get<std::string>(v);
}

template <auto Field>
Parameter number(const char* name, const char* label, const char* help, Kind kind, double min, double max,
                 bool advanced = false, double slider_max = 0) {
  return {name, label, help, kind, min, max, slider_max, {}, {}, advanced, &get_number<Field>, &set_number<Field>};
}
template <auto Field>
Parameter text(const char* name, const char* label, const char* help, Kind kind, std::vector<std::string> choices = {},
               std::vector<std::string> choice_labels = {}, bool advanced = true) {
  return {name,   label, help, kind, 0, 0, 0, std::move(choices), std::move(choice_labels), advanced, &get_text<Field>,
          &set_text<Field>};
}

Parameter shown_as(Widget widget, Parameter parameter) {
  parameter.widget = widget;
  return parameter;
}

// What the dialog and the PDB say of kBlendParameters' layers and weights.
struct BlendText {
  const char* layer_label;
  const char* layer_help;
  const char* weight_label;
  const char* weight_help;
};
constexpr BlendText kBlendTexts[std::size(kBlendParameters)] = {
    {"Style _2", "A second style layer blended with the first (any layer of any open image); none: the first style alone",
     "Weight of style 2", "Weight of the second style layer in the blend, the first style layer's being 1 (0: left out)"},
    {"Style _3", "A third style layer blended with the others (any layer of any open image); none: no third style",
     "Weight of style 3", "Weight of the third style layer in the blend, the first style layer's being 1 (0: left out)"},
};

// The `index`th further style layer (held by the adapters, as the first is) and its weight.
template <auto Weight>
void add_blend(std::vector<Parameter>& table, size_t index) {
  const BlendParameter& names = kBlendParameters[index];
  const BlendText& text = kBlendTexts[index];
  table.push_back({names.layer, text.layer_label, text.layer_help, Kind::layer, 0, 0, 0, {}, {}, false, nullptr,
                   nullptr, Widget::style_with_weight});
  table.push_back(shown_as(Widget::in_style_row, number<Weight>(names.weight, text.weight_label, text.weight_help,
                                                                Kind::number, 0, 10, false, 4)));
}

std::vector<Parameter> make_parameters() {
  std::vector<Parameter> table{
      {kStyleParameter, "St_yle", "The layer whose style is transferred: any layer of any open image", Kind::layer,
       0, 0, 0, {}, {}, false, nullptr, nullptr},
      number<&Settings::strength>("style-strength", "Style strengt_h",
                                  "How strongly the style repaints the image (0 … 100; every 25 is ten times the style "
                                  "weight, and the same value looks alike at every size)",
                                  Kind::number, 0, 100),
      number<&Settings::steps>("steps", "S_teps",
                               "Optimisation steps at the working size: more steps, a more finished result (and a "
                               "longer run); the larger sizes refine with a quarter as many",
                               Kind::integer, 1, 10000, false, 1000),
      number<&Settings::working_size>("working-size", "Wor_king size",
                                      "Longest side in pixels at which the style is worked out; larger layers are "
                                      "then refined at doubled sizes up to their full size where the device can hold "
                                      "it. Larger: finer style detail, slower",
                                      Kind::integer, 64, 8192, false, 2048),
      number<&Settings::preserve_colors>("preserve-colors", "Preserve colo_urs",
                                         "Keep the photo's colours and take only the style's strokes and textures "
                                         "(luminance transfer)",
                                         Kind::boolean, 0, 1),
      number<&Settings::style_scale>("style-scale", "Style sc_ale",
                                     "Size of the style's brush strokes and patterns relative to the image (the style "
                                     "is resized to this times the image's longest side)",
                                     Kind::number, 0.1, 4),
      shown_as(Widget::seed_with_new_button,
               number<&Settings::seed>("seed", "S_eed",
                                       "Random seed for the noise start (init = noise): the same seed, the same result",
                                       Kind::integer, 0, 2147483647)),
      text<&Settings::init>("init", "Start _from",
                            "The image the optimisation starts from: the content layer, or random noise (seed)",
                            Kind::choice, {"content", "noise"}, {"The content layer", "Random noise (seed)"}),
      text<&Settings::content_layers>("content-layers", "Co_ntent VGG layers",
                                      "VGG-19 layers whose features the result keeps from the photo, comma-separated "
                                      "(e.g. relu4_2); empty: the weight file's default",
                                      Kind::text),
      text<&Settings::style_layers>("style-layers", "Style V_GG layers",
                                    "VGG-19 layers whose Gram matrices the result takes from the style, "
                                    "comma-separated, each optionally with a weight (relu1_1:0.4,relu2_1); empty: the "
                                    "weight file's default",
                                    Kind::text),
      text<&Settings::optimizer>("optimizer", "Opt_imiser",
                                 "L-BFGS (fast, the classic choice) or Adam (steadier on very large images)",
                                 Kind::choice, {"lbfgs", "adam"}, {"L-BFGS", "Adam"}),
      number<&Settings::tv_weight>("tv-weight", "S_moothness (TV weight)",
                                   "Total-variation weight γ: larger values smooth away high-frequency noise",
                                   Kind::number, 0, 1000, true, 10),
      text<&Settings::pooling>("pooling", "_Pooling",
                               "VGG-19's pooling: max (as trained) or average (often smoother results)", Kind::choice,
                               {"max", "avg"}, {"Max", "Average"}),
      number<&Settings::scales>("scales", "Coa_rse scales",
                                "Coarse-to-fine scales up to the working size, each half the next (1: the working size "
                                "only); coarse scales give larger, more coherent structures",
                                Kind::integer, 1, 5, true),
      shown_as(Widget::device_chooser,
               text<&Settings::device>("device", "_Device",
                                       "Vulkan device, by index or part of its name; empty: the fastest one found",
                                       Kind::text, {}, {}, false)),
      number<&Settings::memory_limit>("memory-limit", "Memory limit (Mi_B)",
                                      "Device memory the run may hold, in MiB; 0: what the device has free. Layers "
                                      "whose objective does not fit are worked on in tiles, at their full size",
                                      Kind::integer, 0, 1048576, true, 65536),
  };
  add_blend<&Settings::style_weight_2>(table, 0);
  add_blend<&Settings::style_weight_3>(table, 1);
  return table;
}

std::string describe(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

void check_range(const Parameter& p, double value) {
  if (!(value >= p.min && value <= p.max)) {
    throw PluginError(plain_label(p) + " (" + p.name + ") must be between " + describe(p.min) + " and " +
                      describe(p.max) + ", not " + describe(value));
  }
}

void check_choice(const Parameter& p, const std::string& value) {
  if (std::find(p.choices.begin(), p.choices.end(), value) != p.choices.end()) return;
  std::string allowed;
  for (const auto& c : p.choices) allowed += (allowed.empty() ? "" : ", ") + c;
  throw PluginError(plain_label(p) + " (" + p.name + ") must be one of " + allowed + ", not '" + value + "'");
}

}  // namespace

std::string plain_label(const Parameter& p) {
  std::string label = p.label;
  std::erase(label, '_');
  return label;
}

const std::vector<Parameter>& parameters() {
  static const std::vector<Parameter> table = make_parameters();
  return table;
}

std::optional<size_t> style_slot(std::string_view name) {
  if (name == kStyleParameter) return 0;
  for (size_t i = 0; i < std::size(kBlendParameters); ++i) {
    if (name == kBlendParameters[i].layer) return i + 1;
  }
  return std::nullopt;
}

size_t first_signature_parameters() { return parameters().size() - 2 * std::size(kBlendParameters); }

const std::vector<const Parameter*>& dialog_parameters() {
  static const std::vector<const Parameter*> order = [] {
    std::vector<const Parameter*> shown;
    for (size_t i = 0; i < first_signature_parameters(); ++i) {
      shown.push_back(&parameters()[i]);
      if (i != 0) continue;
      for (const BlendParameter& blend : kBlendParameters) {
        shown.push_back(&parameter(blend.layer));
        shown.push_back(&parameter(blend.weight));
      }
    }
    return shown;
  }();
  return order;
}

const Parameter& parameter(std::string_view name) {
  for (const auto& p : parameters()) {
    if (name == p.name) return p;
  }
  throw std::out_of_range("no plug-in parameter '" + std::string(name) + "'");
}

void validate(const Settings& settings) {
  for (const auto& p : parameters()) {
    if (!p.get) continue;
    const Value value = p.get(settings);
    if (p.kind == Kind::choice) check_choice(p, std::get<std::string>(value));
    if (std::holds_alternative<double>(value)) check_range(p, std::get<double>(value));
  }
  try {
    style::parse_style_layers(style::split_list(settings.style_layers));
  } catch (const std::invalid_argument& e) {
    throw PluginError(std::string("Style layers: ") + e.what());
  }
  try {
    style::require_distinct(style::split_list(settings.content_layers), "content layer");
  } catch (const std::invalid_argument& e) {
    throw PluginError(std::string("Content layers: ") + e.what());
  }
}

std::string serialise(const Settings& settings) {
  std::ostringstream out;
  out.precision(17);
  for (const auto& p : parameters()) {
    if (!p.get) continue;
    const Value value = p.get(settings);
    out << p.name << '=';
    if (std::holds_alternative<double>(value)) {
      out << std::get<double>(value);
    } else {
      out << std::get<std::string>(value);
    }
    out << '\n';
  }
  return out.str();
}

std::map<std::string, std::string> name_values(const std::string& text) {
  std::map<std::string, std::string> fields;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const size_t equals = line.find('=');
    if (equals != std::string::npos && equals > 0) fields[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return fields;
}

Settings parse(const std::string& text) {
  Settings settings;
  for (const auto& [name, value] : name_values(text)) {
    for (const auto& p : parameters()) {
      if (name != p.name || !p.set) continue;
      if (p.kind == Kind::choice || p.kind == Kind::text) {
        p.set(settings, value);
        continue;
      }
      // A malformed or out-of-range number keeps the default.
      const std::optional<double> number = style::parse_number(value);
      if (number && *number >= p.min && *number <= p.max) p.set(settings, *number);
    }
  }
  return settings;
}

}  // namespace nst::plugin
