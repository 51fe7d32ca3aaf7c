// The dialogs' weights download without GIMP, for tests/plugin_download_test.py: the same
// FetchProcess and fetch_command() (so NST_FETCH_WEIGHTS, NST_WEIGHTS_MANIFEST and
// NST_WEIGHTS steer it) run in a GLib main loop as the dialog's would.
//
//   download_driver [--stop-at F | --close-at F]
//
// Prints every view as "phase<TAB>fraction<TAB>button<TAB>status". --stop-at presses Stop
// once the bar shows at least the fraction F; --close-at destroys the download there, as
// closing the dialog does. Exit status: 0 installed, 1 failed, 3 stopped, 4 closed.
#include <glib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "plugin/core/download.h"
#include "plugin/core/fetch_process.h"
#include "plugin/core/settings.h"

namespace {

const char* name_of(nst::plugin::DownloadPhase phase) {
  using nst::plugin::DownloadPhase;
  switch (phase) {
    case DownloadPhase::idle: return "idle";
    case DownloadPhase::downloading: return "downloading";
    case DownloadPhase::verifying: return "verifying";
    case DownloadPhase::converting: return "converting";
    case DownloadPhase::stopping: return "stopping";
    case DownloadPhase::stopped: return "stopped";
    case DownloadPhase::failed: return "failed";
    case DownloadPhase::installed: return "installed";
  }
  return "?";
}

struct Driver {
  Driver() = default;
  ~Driver() { g_main_loop_unref(loop); }
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  GMainLoop* loop = g_main_loop_new(nullptr, FALSE);
  std::unique_ptr<nst::plugin::FetchProcess> download;
  double stop_at = 2, close_at = 2;
  bool stop_pressed = false, closed = false;
  nst::plugin::DownloadPhase last = nst::plugin::DownloadPhase::idle;
};

gboolean close_download(gpointer data) {
  auto* driver = static_cast<Driver*>(data);
  driver->download.reset();
  driver->closed = true;
  g_main_loop_quit(driver->loop);
  return G_SOURCE_REMOVE;
}

void show(Driver& driver, const nst::plugin::DownloadView& view) {
  std::printf("%s\t%.4f\t%s\t%s\n", name_of(view.phase), view.fraction, view.button.c_str(), view.status.c_str());
  std::fflush(stdout);
  driver.last = view.phase;
  if (!view.running) {
    g_main_loop_quit(driver.loop);
  } else if (view.fraction >= driver.stop_at && !driver.stop_pressed) {
    driver.stop_pressed = true;
    g_idle_add([](gpointer data) {
      static_cast<Driver*>(data)->download->stop();
      return G_SOURCE_REMOVE;
    }, &driver);
  } else if (view.fraction >= driver.close_at && !driver.closed) {
    driver.closed = true;
    g_idle_add(close_download, &driver);  // not from inside the download's own callback
  }
}

}  // namespace

int main(int argc, char** argv) {
  Driver driver;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--stop-at") == 0) driver.stop_at = std::atof(argv[i + 1]);
    if (std::strcmp(argv[i], "--close-at") == 0) driver.close_at = std::atof(argv[i + 1]);
  }
  try {
    driver.download = std::make_unique<nst::plugin::FetchProcess>(
        nst::plugin::fetch_command(), [&driver](const nst::plugin::DownloadView& view) { show(driver, view); });
  } catch (const nst::plugin::PluginError& e) {
    std::printf("no-command\t0\t-\t%s\n", e.what());
    std::fflush(stdout);
    return 1;
  }
  if (driver.download->running()) g_main_loop_run(driver.loop);
  if (driver.closed) return 4;
  switch (driver.last) {
    case nst::plugin::DownloadPhase::installed: return 0;
    case nst::plugin::DownloadPhase::stopped: return 3;
    default: return 1;
  }
}
