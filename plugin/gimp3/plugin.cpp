// The GIMP 3 plug-in: a GimpPlugIn subclass registering plug-in-neural-style-transfer
// (Filters ▸ Artistic ▸ Neural Style Transfer…) as an image procedure whose arguments come
// from plugin/core's parameter table (the further style layers of a blend last: a call
// written before them leaves them out, and GIMP 3 gives them their default, none);
// GimpProcedureConfig keeps the last values and
// GimpProcedureDialog (dialog.h) builds the dialog from the declared arguments. The run
// itself is plugin/core/filter.h's, as on GIMP 2.10.
#include <libgimp/gimp.h>

#include <optional>
#include <string>

#include "image/gegl_session.h"
#include "plugin/core/filter.h"
#include "plugin/gimp3/dialog.h"
#include "plugin/gimp3/host.h"

namespace nst::plugin::gimp3 {
namespace {

constexpr GParamFlags kArgument = G_PARAM_READWRITE;

// The table's choice as a GimpChoice: the values as nicks, with the dialog's labels.
GimpChoice* choice_of(const Parameter& p) {
  GimpChoice* choice = gimp_choice_new();
  for (size_t i = 0; i < p.choices.size(); ++i) {
    gimp_choice_add(choice, p.choices[i].c_str(), static_cast<gint>(i), p.choice_labels[i].c_str(), nullptr);
  }
  return choice;
}

void add_argument(GimpProcedure* procedure, const Parameter& p, const Settings& defaults) {
  if (p.kind == Kind::layer) {
    gimp_procedure_add_drawable_argument(procedure, p.name, p.label, p.help, TRUE, kArgument);
    return;
  }
  const Value value = p.get(defaults);
  switch (p.kind) {
    case Kind::number:
      gimp_procedure_add_double_argument(procedure, p.name, p.label, p.help, p.min, p.max, std::get<double>(value),
                                         kArgument);
      break;
    case Kind::integer:
      gimp_procedure_add_int_argument(procedure, p.name, p.label, p.help, static_cast<gint>(p.min),
                                      static_cast<gint>(p.max), static_cast<gint>(std::get<double>(value)), kArgument);
      break;
    case Kind::boolean:
      gimp_procedure_add_boolean_argument(procedure, p.name, p.label, p.help, std::get<double>(value) != 0, kArgument);
      break;
    case Kind::choice:
      gimp_procedure_add_choice_argument(procedure, p.name, p.label, p.help, choice_of(p),
                                         std::get<std::string>(value).c_str(), kArgument);
      break;
    case Kind::text:
      gimp_procedure_add_string_argument(procedure, p.name, p.label, p.help, std::get<std::string>(value).c_str(),
                                         kArgument);
      break;
    case Kind::layer: break;
  }
}

// The settings a config holds, read by the table's names and kinds.
Settings settings_from(GimpProcedureConfig* config) {
  Settings settings;
  for (const Parameter& p : parameters()) {
    if (p.kind == Kind::layer) continue;
    GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(config), p.name);
    GValue value = G_VALUE_INIT;
    g_value_init(&value, spec->value_type);
    g_object_get_property(G_OBJECT(config), p.name, &value);
    switch (p.kind) {
      case Kind::number: p.set(settings, g_value_get_double(&value)); break;
      case Kind::integer: p.set(settings, double(g_value_get_int(&value))); break;
      case Kind::boolean: p.set(settings, g_value_get_boolean(&value) ? 1.0 : 0.0); break;
      case Kind::choice:
      case Kind::text: {
        const gchar* text = g_value_get_string(&value);
        p.set(settings, std::string(text ? text : ""));
        break;
      }
      case Kind::layer: break;
    }
    g_value_unset(&value);
  }
  return settings;
}

ItemId layer_in(GimpProcedureConfig* config, const char* name) {
  GimpDrawable* layer = nullptr;
  g_object_get(config, name, &layer, nullptr);
  if (!layer) return kNoLayer;
  const ItemId id = gimp_item_get_id(GIMP_ITEM(layer));
  g_object_unref(layer);
  return id;
}

// The style layers a config holds, by the table's layer parameters.
StyleLayers styles_in(GimpProcedureConfig* config) {
  StyleLayers styles = kNoStyleLayers;
  for (const Parameter& p : parameters()) {
    if (p.kind == Kind::layer) styles[*style_slot(p.name)] = layer_in(config, p.name);
  }
  return styles;
}

void set_styles(GimpProcedureConfig* config, const StyleLayers& styles) {
  for (const Parameter& p : parameters()) {
    if (p.kind != Kind::layer) continue;
    const ItemId id = styles[*style_slot(p.name)];
    g_object_set(config, p.name, id == kNoLayer ? nullptr : gimp_item_get_by_id(id), nullptr);
  }
}

GimpValueArray* failure(GimpProcedure* procedure, GimpPDBStatusType status, const std::string& message) {
  return gimp_procedure_new_return_values(procedure, status, g_error_new_literal(G_FILE_ERROR, 0, message.c_str()));
}

GimpValueArray* run(GimpProcedure* procedure, GimpRunMode mode, GimpImage* image, GimpDrawable** drawables,
                    GimpProcedureConfig* config, gpointer) {
  prepare_engine_environment();
  try {
    if (!drawables || !drawables[0] || drawables[1]) {
      throw PluginError("Select exactly one layer, the content, to stylise.");
    }
    const image::GeglSession gegl(image::GeglSession::Owner::host);  // for the style's resampling
    const std::unique_ptr<Host> host = make_host(image, drawables[0]);
    set_styles(config, styles_for_run(*host, mode == GIMP_RUN_NONINTERACTIVE, styles_in(config)));
    const auto current = [config] { return PreviewChoice{settings_from(config), styles_in(config)}; };
    if (mode == GIMP_RUN_INTERACTIVE && !run_dialog(procedure, config, *host, current)) {
      return gimp_procedure_new_return_values(procedure, GIMP_PDB_CANCEL, nullptr);
    }
    const StyleLayers chosen = styles_in(config);
    if (chosen[0] == kNoLayer) throw PluginError("No style layer given: pick a layer of an open image as the style.");
    gimp_progress_init(kProgressTitle);
    // GIMP's progress bar has a Cancel button that ends this plug-in at once; the image is
    // touched only after the run, so it then stays as it was.
    const ItemId layer = run_filter(*host, chosen, settings_from(config));
    if (mode == GIMP_RUN_INTERACTIVE) gimp_displays_flush();
    GimpValueArray* values = gimp_procedure_new_return_values(procedure, GIMP_PDB_SUCCESS, nullptr);
    GIMP_VALUES_SET_LAYER(values, 1, GIMP_LAYER(gimp_item_get_by_id(layer)));
    return values;
  } catch (const style::Cancelled&) {
    return gimp_procedure_new_return_values(procedure, GIMP_PDB_CANCEL, nullptr);
  } catch (const std::exception& e) {
    // GIMP shows the message itself: in an error dialog interactively, on stderr in batch.
    return failure(procedure, GIMP_PDB_EXECUTION_ERROR, e.what());
  }
}

GimpProcedure* create_procedure(GimpPlugIn* plug_in, const gchar* name) {
  if (g_strcmp0(name, kProcedureName) != 0) return nullptr;
  GimpProcedure* procedure = gimp_image_procedure_new(plug_in, name, GIMP_PDB_PROC_TYPE_PLUGIN, run, nullptr, nullptr);
  gimp_procedure_set_image_types(procedure, kImageTypes);
  gimp_procedure_set_sensitivity_mask(procedure, GIMP_PROCEDURE_SENSITIVE_DRAWABLE);
  gimp_procedure_set_menu_label(procedure, kMenuLabel);
  gimp_procedure_add_menu_path(procedure, kMenuPath);
  gimp_procedure_set_documentation(procedure, kProcedureBlurb, kProcedureHelp, name);
  gimp_procedure_set_attribution(procedure, kAuthors, kLicence, kYear);
  const Settings defaults;
  for (const Parameter& p : parameters()) add_argument(procedure, p, defaults);
  gimp_procedure_add_layer_return_value(procedure, "layer", "Layer", "The new layer", FALSE, kArgument);
  return procedure;
}

GList* query_procedures(GimpPlugIn*) { return g_list_append(nullptr, g_strdup(kProcedureName)); }

}  // namespace
}  // namespace nst::plugin::gimp3

// The GObject type GIMP 3 instantiates: a GimpPlugIn whose class names the procedures.
struct NstPlugIn {
  GimpPlugIn parent_instance;
};
struct NstPlugInClass {
  GimpPlugInClass parent_class;
};

G_DEFINE_TYPE(NstPlugIn, nst_plug_in, GIMP_TYPE_PLUG_IN)

static void nst_plug_in_class_init(NstPlugInClass* klass) {
  GimpPlugInClass* plug_in = GIMP_PLUG_IN_CLASS(klass);
  plug_in->query_procedures = nst::plugin::gimp3::query_procedures;
  plug_in->create_procedure = nst::plugin::gimp3::create_procedure;
  plug_in->set_i18n = nullptr;
}

static void nst_plug_in_init(NstPlugIn*) {}

GIMP_MAIN(nst_plug_in_get_type())
