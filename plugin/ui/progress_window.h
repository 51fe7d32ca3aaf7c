#pragma once
// The window an interactive run shows: what step it is at, the time left, and a Cancel
// button. Written against the GTK API common to GTK 2 (GIMP 2.10) and GTK 3 (GIMP 3),
// so both adapters build it.
#include <gtk/gtk.h>

#include <string>

namespace nst::plugin {

class ProgressWindow {
 public:
  explicit ProgressWindow(const std::string& title);
  ~ProgressWindow();
  ProgressWindow(const ProgressWindow&) = delete;
  ProgressWindow& operator=(const ProgressWindow&) = delete;

  void update(double fraction, const std::string& text);
  // Cancel pressed or the window closed; the window then says it is stopping.
  bool cancel_requested() const { return cancel_requested_; }

 private:
  static void on_response(GtkDialog* dialog, gint response, gpointer self);

  GtkWidget* dialog_;
  GtkWidget* label_;
  GtkWidget* bar_;
  bool cancel_requested_ = false;
};

}  // namespace nst::plugin
