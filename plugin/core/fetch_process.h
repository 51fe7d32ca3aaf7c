#pragma once
// nst-fetch-weights as a child process of the plug-in, driven by GLib's main loop (the
// one GTK runs while a dialog is open, or a plain GMainLoop in tests): its stdout lines
// and exit status go into a DownloadState, and every change is passed on to `changed`.
// Stopping sends SIGTERM (the script keeps the partial download for a resume); the
// destructor stops a running download and waits for the script to end, so that closing
// the dialog never leaves it behind.
#include <glib.h>

#include <functional>
#include <string>
#include <vector>

#include "plugin/core/download.h"

namespace nst::plugin {

class FetchProcess {
 public:
  using Changed = std::function<void(const DownloadView&)>;

  // Starts `command` (fetch_command()'s); a command that cannot start shows as failed.
  FetchProcess(const std::vector<std::string>& command, Changed changed);
  ~FetchProcess();
  FetchProcess(const FetchProcess&) = delete;
  FetchProcess& operator=(const FetchProcess&) = delete;

  void stop();
  bool running() const { return pid_ != 0; }
  const DownloadState& state() const { return state_; }

 private:
  static gboolean on_output(GIOChannel* channel, GIOCondition condition, gpointer self);
  static void on_exit(GPid pid, gint wait_status, gpointer self);
  void read_lines();
  void finish(int exit_status);
  void notify() const;

  DownloadState state_;
  Changed changed_;
  GPid pid_ = 0;
  GIOChannel* output_ = nullptr;
  guint output_watch_ = 0;
  guint exit_watch_ = 0;
};

}  // namespace nst::plugin
