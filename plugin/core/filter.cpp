#include "plugin/core/filter.h"

#include <cstdio>
#include <random>

#include "plugin/core/record.h"

namespace nst::plugin {
namespace {

// Ends the host's undo group however the scope is left.
class UndoGroup {
 public:
  explicit UndoGroup(Host& host) : host_(host) { host_.begin_undo_group(); }
  ~UndoGroup() { host_.end_undo_group(); }
  UndoGroup(const UndoGroup&) = delete;
  UndoGroup& operator=(const UndoGroup&) = delete;

 private:
  Host& host_;
};

JobResult run_job(Host& host, JobInput input) {
  BackgroundJob job(std::move(input));
  wait_for(job, [&host](BackgroundJob& running) {
    if (const auto p = running.progress()) host.progress(p->fraction(), progress_text(*p));
  });
  return job.result();
}

}  // namespace

std::vector<BlendedStyle> blended_styles(const StyleLayers& styles, const Settings& settings) {
  std::vector<BlendedStyle> blend{{0, styles[0], 1.0}};
  for (size_t i = 0; i < std::size(kBlendParameters); ++i) {
    const double weight = std::get<double>(parameter(kBlendParameters[i].weight).get(settings));
    if (styles[i + 1] != kNoLayer && weight > 0) blend.push_back({i + 1, styles[i + 1], weight});
  }
  return blend;
}

void check_layers(const Host& host, const StyleLayers& styles, const Settings& settings) {
  if (!host.is_layer(host.content())) {
    throw PluginError("The content must be a layer of an open image (not a channel or a mask).");
  }
  if (host.image_is_indexed()) {
    throw PluginError("Indexed images cannot be stylised: convert the image to RGB or Grayscale first (Image ▸ Mode).");
  }
  for (const BlendedStyle& style : blended_styles(styles, settings)) {
    const std::string which = style.slot == 0 ? std::string("The style layer")
                                              : "Style " + std::to_string(style.slot + 1) + " (" +
                                                    kBlendParameters[style.slot - 1].layer + ")";
    if (!host.is_drawable(style.layer)) {
      throw PluginError(which + " does not exist (any more): pick a layer of an open image as the style.");
    }
    if (style.layer == host.content()) {
      throw PluginError(which + " is the content layer: pick another layer as the style.");
    }
  }
}

std::optional<ItemId> default_style_layer(const Host& host, std::optional<ItemId> last) {
  if (last && *last != host.content() && host.is_drawable(*last)) return last;
  for (ItemId layer : host.layers_of_image()) {
    if (layer != host.content() && !host.is_group(layer)) return layer;
  }
  const auto others = host.layers_of_other_images();
  if (!others.empty()) return others.front();
  return std::nullopt;
}

std::optional<ItemId> style_for_run(const Host& host, bool non_interactive, std::optional<ItemId> given) {
  return non_interactive ? given : default_style_layer(host, given);
}

StyleLayers styles_for_run(const Host& host, bool non_interactive, const StyleLayers& given) {
  StyleLayers styles = given;
  const std::optional<ItemId> first = given[0] == kNoLayer ? std::nullopt : std::optional<ItemId>(given[0]);
  styles[0] = style_for_run(host, non_interactive, first).value_or(kNoLayer);
  if (non_interactive) return styles;
  for (size_t i = 1; i < styles.size(); ++i) {
    if (styles[i] == host.content() || !host.is_drawable(styles[i])) styles[i] = kNoLayer;
  }
  return styles;
}

DeviceChoices device_choices(const std::string& device) {
  DeviceChoices choices;
  choices.labels.push_back(kAutomaticDevice);
  try {
    for (const std::string& description : device_descriptions()) {
      if (device == std::to_string(choices.labels.size() - 1)) choices.active = static_cast<int>(choices.labels.size());
      choices.labels.push_back(description);
    }
  } catch (const PluginError& e) {
    choices.problem = e.what();
  }
  return choices;
}

std::string device_setting(int active) { return active <= 0 ? std::string() : std::to_string(active - 1); }

std::string dialog_problem(const DeviceChoices& devices) { return weights_problem().value_or(devices.problem); }

int random_seed() {
  std::random_device entropy;
  const Parameter& seed = parameter("seed");
  return std::uniform_int_distribution<int>(static_cast<int>(seed.min), static_cast<int>(seed.max))(entropy);
}

ItemId run_filter(Host& host, const StyleLayers& styles, const Settings& settings) {
  check_layers(host, styles, settings);
  validate(settings);
  JobInput input{host.read(host.content()), {}, settings};
  std::vector<std::string> names(kStyleLayers);  // by slot; empty: not blended
  for (const BlendedStyle& style : blended_styles(styles, settings)) {
    input.styles.push_back({host.read(style.layer), style.weight});
    names[style.slot] = host.name(style.layer);
  }
  JobResult result = run_job(host, std::move(input));
  std::fprintf(stderr, "%s\n", run_summary(result).c_str());
  return add_result_layer(host, result.image, names, layer_record(settings, names, result));
}

std::string result_layer_name(const std::vector<std::string>& style_layer_names) {
  std::string name;
  for (const std::string& style : style_layer_names) {
    if (!style.empty()) name += (name.empty() ? "" : " + ") + style;
  }
  return name + " (style transfer)";
}

ItemId add_result_layer(Host& host, const Image& result, const std::vector<std::string>& style_names,
                        const std::string& record) {
  const UndoGroup undo(host);
  const ItemId layer = host.new_layer(result_layer_name(style_names), result.width, result.height, !result.alpha.empty());
  try {
    host.insert_above_content(layer);
    host.set_offsets(layer, host.offsets(host.content()));
    host.write(layer, result);
    if (host.has_selection()) host.add_selection_mask(layer);
    host.attach_record(layer, record);
  } catch (...) {
    host.discard_layer(layer);
    throw;
  }
  return layer;
}

}  // namespace nst::plugin
