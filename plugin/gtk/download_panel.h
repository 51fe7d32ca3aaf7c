#pragma once
// The weights download in the dialogs of both GIMPs: a button (Download / Stop / Resume /
// Try again), a progress bar and a status line, showing plugin/core's DownloadView. The
// same source is compiled against GTK 2 (GIMP 2.10) and GTK 3 (GIMP 3).
#include <gtk/gtk.h>

#include <functional>
#include <memory>

#include "plugin/core/download.h"
#include "plugin/core/fetch_process.h"
#include "plugin/core/filter.h"

namespace nst::plugin {

class DownloadPanel {
 public:
  // `installed` runs once the weights are in place (the dialog then checks again and
  // allows OK).
  explicit DownloadPanel(std::function<void()> installed);
  // Stops a running download (the partial file stays for a resume).
  ~DownloadPanel() = default;
  DownloadPanel(const DownloadPanel&) = delete;
  DownloadPanel& operator=(const DownloadPanel&) = delete;

  GtkWidget* widget() const { return box_; }

 private:
  static void on_clicked(GtkButton* button, gpointer self);
  void show(const DownloadView& view);

  GtkWidget* box_;
  GtkWidget* button_;
  GtkWidget* bar_;
  GtkWidget* status_;
  std::function<void()> installed_;
  std::unique_ptr<FetchProcess> download_;  // last: destroyed (stopped) before anything it shows into
};

// Once the download installed the weights: OK when nothing else is missing (the problem's
// `row` hidden), else the next problem (no device) in `problem_label`.
void recheck_after_download(GtkWidget* dialog, GtkWidget* problem_label, GtkWidget* row, const DeviceChoices& devices);

}  // namespace nst::plugin
