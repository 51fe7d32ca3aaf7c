#include "plugin/gimp2/dialog.h"

#include <libgimp/gimpui.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "plugin/core/filter.h"
#include "plugin/core/job.h"
#include "plugin/gtk/download_panel.h"
#include "plugin/gtk/preview_panel.h"

namespace nst::plugin::gimp2 {
namespace {

// Reads a widget's value back into the settings when the user presses OK.
using Reader = std::function<void(Settings&)>;

// A GtkTable filled row by row: a label (with the tooltip) and a control.
class Rows {
 public:
  Rows() : table_(gtk_table_new(1, 3, FALSE)) {
    gtk_table_set_col_spacings(GTK_TABLE(table_), 6);
    gtk_table_set_row_spacings(GTK_TABLE(table_), 6);
  }
  GtkWidget* table() const { return table_; }
  GtkTable* gtk() const { return GTK_TABLE(table_); }
  int next() { return row_++; }

  // `focus`: what the label's mnemonic focuses, when not `control` itself (a box).
  void add(const Parameter& p, GtkWidget* control, GtkWidget* focus = nullptr) {
    const int row = next();
    GtkWidget* label = gtk_label_new_with_mnemonic(p.label);
    gtk_misc_set_alignment(GTK_MISC(label), 0.0, 0.5);
    gtk_label_set_mnemonic_widget(GTK_LABEL(label), focus ? focus : control);
    gtk_table_attach(gtk(), label, 0, 1, row, row + 1, GTK_FILL, GTK_FILL, 0, 0);
    gtk_table_attach(gtk(), control, 1, 3, row, row + 1, GtkAttachOptions(GTK_EXPAND | GTK_FILL), GTK_FILL, 0, 0);
    gimp_help_set_help_data(control, p.help, nullptr);
    gimp_help_set_help_data(label, p.help, nullptr);
  }

 private:
  GtkWidget* table_;
  int row_ = 0;
};

Reader add_slider(Rows& rows, const Parameter& p, double value) {
  const bool integer = p.kind == Kind::integer;
  const double upper = p.slider_max > 0 ? p.slider_max : p.max;
  const double step = integer ? 1 : (upper - p.min) / 100;
  GtkObject* adjustment = gimp_scale_entry_new(rows.gtk(), 0, rows.next(), p.label, 200, 6, value, p.min, upper, step,
                                               step * 10, integer ? 0 : 2, p.slider_max <= 0, p.min, p.max, p.help,
                                               nullptr);
  GtkAdjustment* adj = GTK_ADJUSTMENT(adjustment);
  return [&p, adj](Settings& s) { p.set(s, gtk_adjustment_get_value(adj)); };
}

Reader add_check(Rows& rows, const Parameter& p, bool value) {
  GtkWidget* check = gtk_check_button_new_with_mnemonic(p.label);
  gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(check), value);
  gimp_help_set_help_data(check, p.help, nullptr);
  const int row = rows.next();
  gtk_table_attach(rows.gtk(), check, 0, 3, row, row + 1, GTK_FILL, GTK_FILL, 0, 0);
  return [&p, check](Settings& s) { p.set(s, gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(check)) ? 1.0 : 0.0); };
}

Reader add_choice(Rows& rows, const Parameter& p, const std::string& value) {
  GtkWidget* combo = gtk_combo_box_text_new();
  for (size_t i = 0; i < p.choices.size(); ++i) {
    gtk_combo_box_text_append_text(GTK_COMBO_BOX_TEXT(combo), p.choice_labels[i].c_str());
    if (p.choices[i] == value) gtk_combo_box_set_active(GTK_COMBO_BOX(combo), static_cast<gint>(i));
  }
  rows.add(p, combo);
  return [&p, combo](Settings& s) {
    const gint active = gtk_combo_box_get_active(GTK_COMBO_BOX(combo));
    if (active >= 0) p.set(s, p.choices[static_cast<size_t>(active)]);
  };
}

Reader add_entry(Rows& rows, const Parameter& p, const std::string& value) {
  GtkWidget* entry = gtk_entry_new();
  gtk_entry_set_text(GTK_ENTRY(entry), value.c_str());
  rows.add(p, entry);
  return [&p, entry](Settings& s) { p.set(s, std::string(gtk_entry_get_text(GTK_ENTRY(entry)))); };
}

void on_new_seed(GtkButton*, gpointer spin) {
  gtk_spin_button_set_value(GTK_SPIN_BUTTON(spin), random_seed());
}

// The seed, with a "New seed" button beside it (as on GIMP 3).
Reader add_seed(Rows& rows, const Parameter& p, int seed) {
  GtkWidget* box = gtk_hbox_new(FALSE, 6);
  GtkWidget* spin = gtk_spin_button_new_with_range(p.min, p.max, 1);
  gtk_spin_button_set_value(GTK_SPIN_BUTTON(spin), seed);
  GtkWidget* button = gtk_button_new_with_mnemonic(kNewSeedLabel);
  gimp_help_set_help_data(button, "A new random seed for the noise start", nullptr);
  g_signal_connect(button, "clicked", G_CALLBACK(on_new_seed), spin);
  gtk_box_pack_start(GTK_BOX(box), spin, TRUE, TRUE, 0);
  gtk_box_pack_start(GTK_BOX(box), button, FALSE, FALSE, 0);
  rows.add(p, box, spin);
  return [&p, spin](Settings& s) { p.set(s, gtk_spin_button_get_value(GTK_SPIN_BUTTON(spin))); };
}

// plugin/core's device choices; the chosen entry back as the setting.
Reader add_device(Rows& rows, const Parameter& p, const DeviceChoices& devices) {
  GtkWidget* combo = gtk_combo_box_text_new();
  for (const std::string& label : devices.labels) gtk_combo_box_text_append_text(GTK_COMBO_BOX_TEXT(combo), label.c_str());
  gtk_combo_box_set_active(GTK_COMBO_BOX(combo), devices.active);
  rows.add(p, combo);
  return [&p, combo](Settings& s) { p.set(s, device_setting(gtk_combo_box_get_active(GTK_COMBO_BOX(combo)))); };
}

gboolean any_other_drawable(gint32, gint32 item, gpointer content) { return item != GPOINTER_TO_INT(content); }

// A combo of every drawable but the content, `none` (if any) first.
GtkWidget* layer_combo(gint32 content, gint32 active, const char* none) {
  GtkWidget* combo = gimp_layer_combo_box_new(any_other_drawable, GINT_TO_POINTER(content));
  if (none) {
    gimp_int_combo_box_prepend(GIMP_INT_COMBO_BOX(combo), GIMP_INT_STORE_VALUE, kNoLayer, GIMP_INT_STORE_LABEL, none, -1);
  }
  if (active != kNoLayer || none) gimp_int_combo_box_set_active(GIMP_INT_COMBO_BOX(combo), active);
  return combo;
}

Reader read_layer(GtkWidget* combo, gint32& chosen) {
  return [combo, &chosen](Settings&) {
    gint value = kNoLayer;
    if (gimp_int_combo_box_get_active(GIMP_INT_COMBO_BOX(combo), &value)) chosen = value;
  };
}

Reader add_style_chooser(Rows& rows, const Parameter& p, gint32 content, gint32& chosen) {
  GtkWidget* combo = layer_combo(content, chosen, nullptr);
  rows.add(p, combo);
  return read_layer(combo, chosen);
}

// A further style layer ("None" or a layer) with its weight beside it.
Reader add_further_style(Rows& rows, const Parameter& p, const Parameter& weight, gint32 content, gint32& chosen,
                         double weight_value) {
  GtkWidget* box = gtk_hbox_new(FALSE, 6);
  GtkWidget* combo = layer_combo(content, chosen, "None");
  GtkWidget* spin = gtk_spin_button_new_with_range(weight.min, weight.max, 0.1);
  gtk_spin_button_set_value(GTK_SPIN_BUTTON(spin), weight_value);
  gimp_help_set_help_data(spin, weight.help, nullptr);
  gtk_box_pack_start(GTK_BOX(box), combo, TRUE, TRUE, 0);
  gtk_box_pack_start(GTK_BOX(box), gtk_label_new("Weight"), FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(box), spin, FALSE, FALSE, 0);
  rows.add(p, box, combo);
  const Reader layer = read_layer(combo, chosen);
  return [layer, &weight, spin](Settings& s) {
    layer(s);
    weight.set(s, gtk_spin_button_get_value(GTK_SPIN_BUTTON(spin)));
  };
}

// The widgets for every parameter of the table in the dialog's order; the style layers',
// seed's and device's custom.
std::vector<Reader> add_controls(Rows& main_rows, Rows& advanced_rows, gint32 content, DialogChoice& choice,
                                 const DeviceChoices& devices) {
  std::vector<Reader> readers;
  for (const Parameter* shown : dialog_parameters()) {
    const Parameter& p = *shown;
    Rows& rows = p.advanced ? advanced_rows : main_rows;
    if (p.widget == Widget::in_style_row) continue;
    if (p.widget == Widget::style_with_weight) {
      const size_t slot = *style_slot(p.name);
      const Parameter& weight = parameter(kBlendParameters[slot - 1].weight);
      readers.push_back(add_further_style(rows, p, weight, content, choice.styles[slot],
                                          std::get<double>(weight.get(choice.settings))));
      continue;
    }
    if (p.kind == Kind::layer) {
      readers.push_back(add_style_chooser(rows, p, content, choice.styles[0]));
      continue;
    }
    const Value value = p.get(choice.settings);
    if (p.widget == Widget::seed_with_new_button) {
      readers.push_back(add_seed(rows, p, choice.settings.seed));
    } else if (p.widget == Widget::device_chooser) {
      readers.push_back(add_device(rows, p, devices));
    } else if (p.kind == Kind::boolean) {
      readers.push_back(add_check(rows, p, std::get<double>(value) != 0));
    } else if (p.kind == Kind::choice) {
      readers.push_back(add_choice(rows, p, std::get<std::string>(value)));
    } else if (p.kind == Kind::text) {
      readers.push_back(add_entry(rows, p, std::get<std::string>(value)));
    } else {
      readers.push_back(add_slider(rows, p, std::get<double>(value)));
    }
  }
  return readers;
}

// A warning line at the top of the dialog; returns its label (the text changes once
// downloaded weights leave another problem, or none).
GtkWidget* add_problem(GtkWidget* box, const std::string& problem) {
  GtkWidget* hbox = gtk_hbox_new(FALSE, 6);
  GtkWidget* icon = gtk_image_new_from_stock(GIMP_STOCK_WARNING, GTK_ICON_SIZE_DIALOG);
  GtkWidget* label = gtk_label_new(problem.c_str());
  gtk_label_set_line_wrap(GTK_LABEL(label), TRUE);
  gtk_label_set_selectable(GTK_LABEL(label), TRUE);
  gtk_widget_set_size_request(label, 420, -1);
  gtk_box_pack_start(GTK_BOX(hbox), icon, FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(hbox), label, TRUE, TRUE, 0);
  gtk_box_pack_start(GTK_BOX(box), hbox, FALSE, FALSE, 0);
  return label;
}

}  // namespace

bool run_dialog(const Host& host, DialogChoice& choice) {
  const gint32 content = host.content();
  gimp_ui_init(kPluginBinary, FALSE);
  GtkWidget* dialog = gimp_dialog_new("Neural Style Transfer", kPluginBinary, nullptr, GtkDialogFlags(0),
                                      gimp_standard_help_func, kProcedureName, "_Cancel", GTK_RESPONSE_CANCEL, "_OK",
                                      GTK_RESPONSE_OK, nullptr);
  gtk_dialog_set_alternative_button_order(GTK_DIALOG(dialog), GTK_RESPONSE_OK, GTK_RESPONSE_CANCEL, -1);
  gimp_window_set_transient(GTK_WINDOW(dialog));

  GtkWidget* box = gtk_vbox_new(FALSE, 12);
  gtk_container_set_border_width(GTK_CONTAINER(box), 12);
  gtk_box_pack_start(GTK_BOX(gtk_dialog_get_content_area(GTK_DIALOG(dialog))), box, TRUE, TRUE, 0);

  Rows main_rows, advanced_rows;
  const DeviceChoices devices = device_choices(choice.settings.device);
  const std::vector<Reader> readers = add_controls(main_rows, advanced_rows, content, choice, devices);
  const std::string problem = dialog_problem(devices);
  std::unique_ptr<DownloadPanel> download;  // destroyed (the download stopped) before the dialog
  if (!problem.empty()) {
    GtkWidget* problem_label = add_problem(box, problem);
    if (weights_problem()) {
      GtkWidget* problem_row = gtk_widget_get_parent(problem_label);  // the icon and the label
      download = std::make_unique<DownloadPanel>(
          [=, &devices] { recheck_after_download(dialog, problem_label, problem_row, devices); });
      gtk_box_pack_start(GTK_BOX(box), download->widget(), FALSE, FALSE, 0);
    }
  }
  std::unique_ptr<PreviewPanel> preview;  // destroyed (its run stopped) before the dialog
  if (problem.empty()) {
    const auto current = [&readers, &choice] {
      PreviewChoice now{choice.settings, choice.styles};
      for (const Reader& read : readers) read(now.settings);  // the style choosers' set choice.styles
      now.styles = choice.styles;
      return now;
    };
    preview = std::make_unique<PreviewPanel>(content, host.selection_bounds(), current,
                                             [&host](ItemId layer) { return host.read(layer); });
    gtk_box_pack_start(GTK_BOX(box), preview->widget(), FALSE, FALSE, 0);
  }
  gtk_box_pack_start(GTK_BOX(box), main_rows.table(), FALSE, FALSE, 0);
  GtkWidget* expander = gtk_expander_new_with_mnemonic(kAdvancedLabel);
  gtk_container_add(GTK_CONTAINER(expander), advanced_rows.table());
  gtk_box_pack_start(GTK_BOX(box), expander, FALSE, FALSE, 0);
  gtk_dialog_set_response_sensitive(GTK_DIALOG(dialog), GTK_RESPONSE_OK, problem.empty());

  gtk_widget_show_all(dialog);
  const bool ok = gimp_dialog_run(GIMP_DIALOG(dialog)) == GTK_RESPONSE_OK;
  if (ok) {
    for (const Reader& read : readers) read(choice.settings);
  }
  preview.reset();
  download.reset();
  gtk_widget_destroy(dialog);
  return ok;
}

}  // namespace nst::plugin::gimp2
