#include "plugin/gtk/download_panel.h"

#include <string>

#include "plugin/core/settings.h"
#include "plugin/gtk/widgets.h"

namespace nst::plugin {
namespace {

std::string percent(double fraction) { return std::to_string(static_cast<int>(fraction * 100)) + " %"; }

}  // namespace

DownloadPanel::DownloadPanel(std::function<void()> installed)
    : box_(new_box(true)),
      button_(gtk_button_new_with_mnemonic(kDownloadLabel)),
      bar_(gtk_progress_bar_new()),
      status_(new_text_label(460)),
      installed_(std::move(installed)) {
  GtkWidget* row = new_box(false);
  gtk_box_pack_start(GTK_BOX(row), button_, FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(row), bar_, TRUE, TRUE, 0);
#if GTK_CHECK_VERSION(3, 0, 0)
  gtk_progress_bar_set_show_text(GTK_PROGRESS_BAR(bar_), TRUE);  // GTK 2 shows a set text always
#endif
  gtk_widget_set_tooltip_text(button_,
                              "Downloads Keras' VGG-19 weights with nst-fetch-weights, checks their MD5 and installs "
                              "them; a stopped download resumes where it stopped");
  gtk_label_set_selectable(GTK_LABEL(status_), TRUE);
  gtk_box_pack_start(GTK_BOX(box_), row, FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(box_), status_, FALSE, FALSE, 0);
  g_signal_connect(button_, "clicked", G_CALLBACK(on_clicked), this);
  show(DownloadState().view());
  gtk_widget_show_all(box_);
  // The one thing to do in a dialog without weights: Enter or Space presses it.
  g_signal_connect(button_, "realize", G_CALLBACK(gtk_widget_grab_focus), nullptr);
}

void DownloadPanel::on_clicked(GtkButton*, gpointer data) {
  auto* self = static_cast<DownloadPanel*>(data);
  if (self->download_ && self->download_->running()) {
    self->download_->stop();
    return;
  }
  auto changed = [self](const DownloadView& view) { self->show(view); };
  try {
    self->download_ = std::make_unique<FetchProcess>(fetch_command(), changed);
  } catch (const PluginError& e) {
    DownloadState state;
    state.failed_to_start(e.what());
    self->show(state.view());
  }
}

void DownloadPanel::show(const DownloadView& view) {
  gtk_button_set_label(GTK_BUTTON(button_), view.button.c_str());
  gtk_button_set_use_underline(GTK_BUTTON(button_), TRUE);
  gtk_widget_set_sensitive(button_, view.button_sensitive);
  if (view.fraction >= 0) {
    gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(bar_), view.fraction);
    gtk_progress_bar_set_text(GTK_PROGRESS_BAR(bar_), percent(view.fraction).c_str());
  } else {
    gtk_progress_bar_pulse(GTK_PROGRESS_BAR(bar_));  // bytes arrive, their total unknown
  }
  gtk_label_set_text(GTK_LABEL(status_), view.status.c_str());
  if (view.phase == DownloadPhase::installed && installed_) installed_();
}

void recheck_after_download(GtkWidget* dialog, GtkWidget* problem_label, GtkWidget* row, const DeviceChoices& devices) {
  const std::string problem = dialog_problem(devices);
  if (problem.empty()) {
    gtk_widget_hide(row);
  } else {
    gtk_label_set_text(GTK_LABEL(problem_label), problem.c_str());
  }
  gtk_dialog_set_response_sensitive(GTK_DIALOG(dialog), GTK_RESPONSE_OK, problem.empty());
}

}  // namespace nst::plugin
