#include "plugin/ui/progress_window.h"

namespace nst::plugin {

ProgressWindow::ProgressWindow(const std::string& title)
    : dialog_(gtk_dialog_new_with_buttons(title.c_str(), nullptr, GtkDialogFlags(0), "_Cancel", GTK_RESPONSE_CANCEL,
                                          nullptr)),
      label_(gtk_label_new("Starting…")),
      bar_(gtk_progress_bar_new()) {
  GtkWidget* area = gtk_dialog_get_content_area(GTK_DIALOG(dialog_));
  gtk_container_set_border_width(GTK_CONTAINER(dialog_), 12);
  gtk_box_pack_start(GTK_BOX(area), label_, FALSE, FALSE, 6);
  gtk_box_pack_start(GTK_BOX(area), bar_, FALSE, FALSE, 6);
  gtk_widget_set_size_request(bar_, 360, -1);
  g_signal_connect(dialog_, "response", G_CALLBACK(on_response), this);
  gtk_widget_show_all(dialog_);
}

ProgressWindow::~ProgressWindow() { gtk_widget_destroy(dialog_); }

void ProgressWindow::update(double fraction, const std::string& text) {
  if (cancel_requested_) return;
  gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(bar_), fraction);
  gtk_label_set_text(GTK_LABEL(label_), text.c_str());
}

void ProgressWindow::on_response(GtkDialog*, gint, gpointer self) {
  auto* window = static_cast<ProgressWindow*>(self);
  window->cancel_requested_ = true;
  // A step in flight finishes first (seconds on a CPU device at large sizes): say so.
  gtk_label_set_text(GTK_LABEL(window->label_), "Cancelling after the current step…");
  gtk_dialog_set_response_sensitive(GTK_DIALOG(window->dialog_), GTK_RESPONSE_CANCEL, FALSE);
}

}  // namespace nst::plugin
