// The GIMP 2.10 plug-in: registers plug-in-neural-style-transfer (Filters ▸ Artistic ▸
// Neural Style Transfer…) from plugin/core's parameter table, and beside it
// plug-in-neural-style-transfer-blend (the same with up to three style layers, for
// scripts), and runs them in the three run modes. The image is touched only once the result is ready: a failure or a Cancel leaves
// it exactly as it was.
#include <libgimp/gimp.h>

#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "image/gegl_session.h"
#include "plugin/core/filter.h"
#include "plugin/gimp2/dialog.h"
#include "plugin/gimp2/host.h"

namespace nst::plugin::gimp2 {
namespace {

// The first three arguments every image procedure takes; the table's follow.
constexpr int kFixedArguments = 3;

GimpPDBArgType pdb_type(Kind kind) {
  switch (kind) {
    case Kind::layer: return GIMP_PDB_DRAWABLE;
    case Kind::number: return GIMP_PDB_FLOAT;
    case Kind::integer:
    case Kind::boolean: return GIMP_PDB_INT32;
    case Kind::choice:
    case Kind::text: return GIMP_PDB_STRING;
  }
  return GIMP_PDB_STRING;
}

// "Style strength (0 … 100) …: help" as the PDB browser shows it.
std::string pdb_help(const Parameter& p) {
  std::string help = p.help;
  if (p.kind == Kind::choice) {
    help += " {";
    for (size_t i = 0; i < p.choices.size(); ++i) help += (i ? ", " : "") + p.choices[i];
    help += "}";
  }
  if (p.kind == Kind::boolean) help += " (TRUE or FALSE)";
  return help;
}

// One procedure over the table's first `count` parameters; `menu_label` null: none.
void install(const char* name, const char* blurb, size_t count, const char* menu_label) {
  static const char run_mode[] = "run-mode", image[] = "image", drawable[] = "drawable";
  std::vector<std::string> helps;
  for (const Parameter& p : parameters()) helps.push_back(pdb_help(p));
  std::vector<GimpParamDef> arguments{
      {GIMP_PDB_INT32, const_cast<gchar*>(run_mode), const_cast<gchar*>("The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1), RUN-WITH-LAST-VALS (2) }")},
      {GIMP_PDB_IMAGE, const_cast<gchar*>(image), const_cast<gchar*>("The image")},
      {GIMP_PDB_DRAWABLE, const_cast<gchar*>(drawable), const_cast<gchar*>("The content layer")}};
  for (size_t i = 0; i < count; ++i) {
    const Parameter& p = parameters()[i];
    arguments.push_back({pdb_type(p.kind), const_cast<gchar*>(p.name), const_cast<gchar*>(helps[i].c_str())});
  }
  GimpParamDef results[] = {{GIMP_PDB_LAYER, const_cast<gchar*>("layer"), const_cast<gchar*>("The new layer")}};
  gimp_install_procedure(name, blurb, kProcedureHelp, kAuthors, kLicence, kYear, menu_label, kImageTypes, GIMP_PLUGIN,
                         static_cast<gint>(arguments.size()), 1, arguments.data(), results);
}

// The menu's procedure keeps its first signature, which scripts call with exactly that
// many arguments (GIMP 2.10's Script-Fu refuses any other count); the blend procedure
// adds the further style layers (settings.h: kBlendParameters).
void query() {
  install(kProcedureName, kProcedureBlurb, first_signature_parameters(), kMenuLabel);
  gimp_plugin_menu_register(kProcedureName, kMenuPath);
  install(kBlendProcedureName, kBlendProcedureBlurb, parameters().size(), nullptr);
}

size_t arguments_of(const std::string& procedure) {
  return kFixedArguments + (procedure == kBlendProcedureName ? parameters().size() : first_signature_parameters());
}

// Last values: the settings as text, and the style layers, under the menu procedure's
// name. The style layers' IDs follow the settings on a line of their own, after this
// marker, comma-separated (an older version wrote the first alone).
constexpr std::string_view kStyleMarker = "\nstyle-drawable-id=";

struct LastValues {
  Settings settings;
  StyleLayers styles = kNoStyleLayers;
};

LastValues load_last_values() {
  LastValues last;
  const gint size = gimp_get_data_size(kProcedureName);
  if (size <= 0) return last;
  std::string text(static_cast<size_t>(size), '\0');
  gimp_get_data(kProcedureName, text.data());
  last.settings = parse(text);
  const auto marker = text.find(kStyleMarker);
  if (marker == std::string::npos) return last;
  const char* ids = text.c_str() + marker + kStyleMarker.size();
  for (ItemId& style : last.styles) {
    char* end = nullptr;
    const long id = std::strtol(ids, &end, 10);
    if (end == ids) break;
    style = static_cast<ItemId>(id);
    if (*end != ',') break;
    ids = end + 1;
  }
  return last;
}

void save_last_values(const Settings& settings, const StyleLayers& styles) {
  std::ostringstream ids;
  for (size_t i = 0; i < styles.size(); ++i) ids << (i ? "," : "") << styles[i];
  const std::string text = serialise(settings) + std::string(kStyleMarker) + ids.str() + "\n";
  gimp_set_data(kProcedureName, text.c_str(), static_cast<guint32>(text.size() + 1));
}

// The table's arguments of a non-interactive call (`count` of them: either signature).
DialogChoice from_arguments(const GimpParam* param, size_t count) {
  DialogChoice choice;
  for (size_t i = 0; i < count; ++i) {
    const Parameter& p = parameters()[i];
    const GimpParam& value = param[kFixedArguments + i];
    switch (p.kind) {
      case Kind::number: p.set(choice.settings, value.data.d_float); break;
      case Kind::integer:
      case Kind::boolean: p.set(choice.settings, double(value.data.d_int32)); break;
      case Kind::choice:
      case Kind::text: p.set(choice.settings, std::string(value.data.d_string ? value.data.d_string : "")); break;
      case Kind::layer: choice.styles[*style_slot(p.name)] = value.data.d_drawable; break;
    }
  }
  return choice;
}

// The procedure's return values: the status, then the new layer or the error message.
// GIMP reads them after run() returns, so they live in storage that outlives it.
struct ReturnValues {
  GimpParam values[2];
  std::string message;
};

void run(const gchar* procedure, gint count, const GimpParam* param, gint* return_count, GimpParam** return_values) {
  static ReturnValues returned;  // GIMP 2.10's protocol: read after run() returns
  returned.values[0].type = GIMP_PDB_STATUS;
  *return_values = returned.values;
  *return_count = 1;
  const auto fail = [&](GimpPDBStatusType status, const std::string& message) {
    returned.values[0].data.d_status = status;
    returned.message = message;
    returned.values[1].type = GIMP_PDB_STRING;
    returned.values[1].data.d_string = const_cast<gchar*>(returned.message.c_str());
    *return_count = 2;
  };

  prepare_engine_environment();
  const auto mode = static_cast<GimpRunMode>(param[0].data.d_int32);
  const gint32 image = param[1].data.d_image, content = param[2].data.d_drawable;
  try {
    const image::GeglSession gegl(image::GeglSession::Owner::host);  // for GIMP's buffers and resampling
    const std::unique_ptr<Host> host = make_host(image, content);
    DialogChoice choice;
    if (mode == GIMP_RUN_NONINTERACTIVE) {
      const size_t expected = arguments_of(procedure);
      if (count != static_cast<gint>(expected)) {
        return fail(GIMP_PDB_CALLING_ERROR,
                    std::string(procedure) + " takes " + std::to_string(expected) + " arguments");
      }
      choice = from_arguments(param, expected - kFixedArguments);
    } else {
      const LastValues last = load_last_values();
      choice.settings = last.settings;
      choice.styles = styles_for_run(*host, false, last.styles);
      if (mode == GIMP_RUN_INTERACTIVE && !run_dialog(*host, choice)) {
        returned.values[0].data.d_status = GIMP_PDB_CANCEL;
        return;
      }
    }
    gimp_progress_init(kProgressTitle);
    // GIMP's progress bar has a Cancel button that ends this plug-in at once; the image is
    // touched only after the run, so it then stays as it was.
    const gint32 layer = run_filter(*host, choice.styles, choice.settings);
    save_last_values(choice.settings, choice.styles);  // as GIMP's own filters do, in every mode
    if (mode == GIMP_RUN_INTERACTIVE) gimp_displays_flush();
    returned.values[0].data.d_status = GIMP_PDB_SUCCESS;
    returned.values[1].type = GIMP_PDB_LAYER;
    returned.values[1].data.d_layer = layer;
    *return_count = 2;
  } catch (const style::Cancelled&) {
    returned.values[0].data.d_status = GIMP_PDB_CANCEL;
  } catch (const std::exception& e) {
    // GIMP shows the message itself: in an error dialog interactively, on stderr in batch.
    fail(GIMP_PDB_EXECUTION_ERROR, e.what());
  }
}

}  // namespace
}  // namespace nst::plugin::gimp2

// GIMP 2.10's entry points: a constant table, as libgimp requires.
const GimpPlugInInfo PLUG_IN_INFO = {nullptr, nullptr, nst::plugin::gimp2::query, nst::plugin::gimp2::run};

MAIN()
