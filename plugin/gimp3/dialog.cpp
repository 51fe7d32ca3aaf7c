#include "plugin/gimp3/dialog.h"

#include <libgimp/gimpui.h>

#include <memory>
#include <string>
#include <vector>

#include "plugin/core/job.h"
#include "plugin/gtk/download_panel.h"
#include "plugin/gtk/preview_panel.h"

namespace nst::plugin::gimp3 {
namespace {

// A horizontal box the dialog knows by `id`, holding the generated widgets of `properties`.
GtkWidget* row(GimpProcedureDialog* dialog, const char* id, const char* property) {
  GtkWidget* box = gimp_procedure_dialog_fill_box(dialog, id, property, nullptr);
  gtk_orientable_set_orientation(GTK_ORIENTABLE(box), GTK_ORIENTATION_HORIZONTAL);
  gtk_box_set_spacing(GTK_BOX(box), 6);
  return box;
}

void on_new_seed(GtkButton*, gpointer config) { g_object_set(config, "seed", random_seed(), nullptr); }

// The seed's generated spin button with a "New seed" button beside it.
const char* seed_row(GimpProcedureDialog* dialog, GimpProcedureConfig* config) {
  GtkWidget* box = row(dialog, "seed-row", "seed");
  GtkWidget* button = gtk_button_new_with_mnemonic(kNewSeedLabel);
  gtk_widget_set_tooltip_text(button, "A new random seed for the noise start");
  g_signal_connect(button, "clicked", G_CALLBACK(on_new_seed), config);
  gtk_box_pack_start(GTK_BOX(box), button, FALSE, FALSE, 0);
  gtk_widget_show(button);
  return "seed-row";
}

void on_device_changed(GtkComboBox* combo, gpointer config) {
  g_object_set(config, "device", device_setting(gtk_combo_box_get_active(combo)).c_str(), nullptr);
}

// plugin/core's device choices, writing the chosen entry to the "device" argument (also
// when a stored value matched no device: the chooser then shows, and runs, Automatic).
const char* device_row(GimpProcedureDialog* dialog, GimpProcedureConfig* config, const DeviceChoices& devices) {
  const Parameter& p = parameter("device");
  GtkWidget* label = gimp_procedure_dialog_get_label(dialog, "device-label", p.label, FALSE, TRUE);
  GtkWidget* box = row(dialog, "device-row", "device-label");
  GtkWidget* combo = gtk_combo_box_text_new();
  for (const std::string& text : devices.labels) gtk_combo_box_text_append_text(GTK_COMBO_BOX_TEXT(combo), text.c_str());
  gtk_combo_box_set_active(GTK_COMBO_BOX(combo), devices.active);
  on_device_changed(GTK_COMBO_BOX(combo), config);
  gtk_label_set_mnemonic_widget(GTK_LABEL(label), combo);
  gtk_widget_set_tooltip_text(combo, p.help);
  g_signal_connect(combo, "changed", G_CALLBACK(on_device_changed), config);
  gtk_box_pack_start(GTK_BOX(box), combo, TRUE, TRUE, 0);
  gtk_widget_show(combo);
  return "device-row";
}

gboolean other_than_content(GimpImage*, GimpItem* item, gpointer content) {
  return gimp_item_get_id(item) != GPOINTER_TO_INT(content);
}

// The config's property a further style layer's combo writes (set on the combo).
constexpr const char* kPropertyKey = "nst-property";

void on_further_style_changed(GimpIntComboBox* combo, gpointer config) {
  const auto* property = static_cast<const char*>(g_object_get_data(G_OBJECT(combo), kPropertyKey));
  gint id = kNoLayer;
  gimp_int_combo_box_get_active(combo, &id);
  g_object_set(config, property, id == kNoLayer ? nullptr : gimp_item_get_by_id(id), nullptr);
}

// A further style layer: "None" or any layer but the content (GIMP 3's generated drawable
// chooser cannot offer none), its weight's generated widget beside it. Returns the row's
// ID (kept in `ids`, which must outlive the dialog's filling).
const char* further_style_row(GimpProcedureDialog* dialog, GimpProcedureConfig* config, const Parameter& p,
                              ItemId content, ItemId active, std::vector<std::string>& ids) {
  const std::string label_id = std::string(p.name) + "-label";
  GtkWidget* label = gimp_procedure_dialog_get_label(dialog, label_id.c_str(), p.label, FALSE, TRUE);
  const char* weight = kBlendParameters[*style_slot(p.name) - 1].weight;
  ids.push_back(std::string(p.name) + "-row");
  GtkWidget* box = gimp_procedure_dialog_fill_box(dialog, ids.back().c_str(), label_id.c_str(), weight, nullptr);
  gtk_orientable_set_orientation(GTK_ORIENTABLE(box), GTK_ORIENTATION_HORIZONTAL);
  gtk_box_set_spacing(GTK_BOX(box), 6);
  GtkWidget* combo = gimp_layer_combo_box_new(other_than_content, GINT_TO_POINTER(content), nullptr);
  gimp_int_combo_box_prepend(GIMP_INT_COMBO_BOX(combo), GIMP_INT_STORE_VALUE, kNoLayer, GIMP_INT_STORE_LABEL, "None",
                             -1);
  gimp_int_combo_box_set_active(GIMP_INT_COMBO_BOX(combo), active);
  g_object_set_data(G_OBJECT(combo), kPropertyKey, const_cast<char*>(p.name));
  g_signal_connect(combo, "changed", G_CALLBACK(on_further_style_changed), config);
  gtk_label_set_mnemonic_widget(GTK_LABEL(label), combo);
  gtk_widget_set_tooltip_text(combo, p.help);
  gtk_box_pack_start(GTK_BOX(box), combo, TRUE, TRUE, 0);
  gtk_box_reorder_child(GTK_BOX(box), combo, 1);
  gtk_widget_show(combo);
  return ids.back().c_str();
}

// A slider with its entry for a number argument (the generated widget is a spin button);
// the slider spans slider_max where typing may go further.
void slider(GimpProcedureDialog* dialog, const Parameter& p) {
  GtkWidget* entry = gimp_procedure_dialog_get_scale_entry(dialog, p.name, 1.0);
  if (p.slider_max > 0) gimp_scale_entry_set_bounds(GIMP_SCALE_ENTRY(entry), p.min, p.slider_max, TRUE);
}

// The advanced arguments in an expander the dialog knows as "advanced".
const char* advanced_expander(GimpProcedureDialog* dialog) {
  GList* names = nullptr;
  for (const Parameter& p : parameters()) {
    if (!p.advanced) continue;
    if (p.kind == Kind::number || p.kind == Kind::integer) slider(dialog, p);
    names = g_list_append(names, const_cast<char*>(p.name));
  }
  gimp_procedure_dialog_fill_box_list(dialog, "advanced-box", names);
  g_list_free(names);
  gimp_procedure_dialog_get_label(dialog, "advanced-title", kAdvancedLabel, FALSE, TRUE);
  gimp_procedure_dialog_fill_expander(dialog, "advanced", "advanced-title", FALSE, "advanced-box");
  return "advanced";
}

}  // namespace

bool run_dialog(GimpProcedure* procedure, GimpProcedureConfig* config, const Host& host,
                const std::function<PreviewChoice()>& current) {
  gimp_ui_init(kPluginBinary);
  GtkWidget* widget = gimp_procedure_dialog_new(procedure, config, "Neural Style Transfer");
  auto* dialog = GIMP_PROCEDURE_DIALOG(widget);

  gchar* device = nullptr;
  g_object_get(config, "device", &device, nullptr);
  const DeviceChoices devices = device_choices(device ? device : "");
  g_free(device);
  const std::string problem = dialog_problem(devices);
  std::vector<const char*> shown;
  std::vector<std::string> row_ids;
  row_ids.reserve(std::size(kBlendParameters));  // the IDs' text stays where it is
  const StyleLayers styles = current().styles;
  for (const Parameter* listed : dialog_parameters()) {
    const Parameter& p = *listed;
    if (p.advanced || p.widget == Widget::in_style_row) continue;
    if (p.widget == Widget::style_with_weight) {
      shown.push_back(further_style_row(dialog, config, p, host.content(), styles[*style_slot(p.name)], row_ids));
    } else if (p.widget == Widget::seed_with_new_button) {
      shown.push_back(seed_row(dialog, config));
    } else if (p.widget == Widget::device_chooser) {
      shown.push_back(device_row(dialog, config, devices));
    } else {
      if (p.kind == Kind::number || p.kind == Kind::integer) slider(dialog, p);
      shown.push_back(p.name);
    }
  }
  shown.push_back(advanced_expander(dialog));
  std::unique_ptr<DownloadPanel> download;  // destroyed (the download stopped) before the dialog
  if (!problem.empty()) {
    GtkWidget* label = gimp_procedure_dialog_get_label(dialog, "problem", problem.c_str(), FALSE, FALSE);
    gtk_label_set_line_wrap(GTK_LABEL(label), TRUE);
    gtk_label_set_max_width_chars(GTK_LABEL(label), 60);
    GtkWidget* box = gimp_procedure_dialog_fill_box(dialog, "problem-box", "problem", nullptr);
    gtk_box_set_spacing(GTK_BOX(box), 6);
    if (weights_problem()) {
      download = std::make_unique<DownloadPanel>(
          [widget, label, &devices] { recheck_after_download(widget, label, label, devices); });
      gtk_box_pack_start(GTK_BOX(box), download->widget(), FALSE, FALSE, 0);
    }
    shown.insert(shown.begin(), "problem-box");
  }
  GList* list = nullptr;
  for (const char* id : shown) list = g_list_append(list, const_cast<char*>(id));
  gimp_procedure_dialog_fill_list(dialog, list);
  g_list_free(list);
  gtk_dialog_set_response_sensitive(GTK_DIALOG(dialog), GTK_RESPONSE_OK, problem.empty());
  std::unique_ptr<PreviewPanel> preview;  // destroyed (its run stopped) before the dialog
  if (problem.empty()) {
    preview = std::make_unique<PreviewPanel>(host.content(), host.selection_bounds(), current,
                                             [&host](ItemId layer) { return host.read(layer); });
    GtkWidget* content_area = gtk_dialog_get_content_area(GTK_DIALOG(dialog));
    gtk_box_pack_start(GTK_BOX(content_area), preview->widget(), FALSE, FALSE, 0);
    gtk_box_reorder_child(GTK_BOX(content_area), preview->widget(), 0);  // above the settings
  }

  const bool ok = gimp_procedure_dialog_run(dialog);
  preview.reset();
  download.reset();
  gtk_widget_destroy(widget);
  return ok;
}

}  // namespace nst::plugin::gimp3
