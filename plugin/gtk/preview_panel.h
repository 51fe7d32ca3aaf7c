#pragma once
// The live preview in the dialogs of both GIMPs: plugin/core's PreviewScheduler shown in a
// GimpPreviewArea, with an on/off check box, the preview's status and the full run's
// estimated time. A timer polls the dialog's current choice (so that every control, the
// generated ones of GIMP 3 too, restarts the preview without a signal of its own). The
// same source is compiled against GTK 2 (GIMP 2.10) and GTK 3 (GIMP 3).
#include <gtk/gtk.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "plugin/core/filter.h"
#include "plugin/core/preview.h"

namespace nst::plugin {

class PreviewPanel {
 public:
  using CurrentChoice = std::function<PreviewChoice()>;  // the dialog's settings and style layers now
  using ReadLayer = std::function<Image(ItemId)>;        // a layer's pixels (Host::read)

  // Reads `content` once (and each style layer chosen, once) on this, the host's thread;
  // nothing is ever written. `selection`: the selection's bounds in the content layer, which
  // the preview then shows (preview_area()).
  PreviewPanel(ItemId content, std::optional<Region> selection, CurrentChoice current, ReadLayer read);
  // Removes the timer, then stops the preview (waiting for the step in flight).
  ~PreviewPanel();
  PreviewPanel(const PreviewPanel&) = delete;
  PreviewPanel& operator=(const PreviewPanel&) = delete;

  GtkWidget* widget() const { return box_; }

 private:
  static gboolean on_tick(gpointer self);
  void tick();
  std::unique_ptr<PreviewWork> start(const PreviewChoice& choice);
  const Image& style_layer(ItemId style);
  void draw();
  void show_estimate(const Settings& settings);

  ReadLayer read_;
  CurrentChoice current_;
  Image content_;      // the part shown (preview_area()), shrunk to the preview's size
  double zoom_ = 1;    // the layer's longest side over the part's
  image::Size full_;   // the layer's own size, for the estimate
  std::map<ItemId, Image> styles_;  // each style layer read, shrunk (preview_style)
  std::optional<Image> picture_;  // at the preview's size, not yet drawn
  GtkWidget* box_;
  GtkWidget* area_;
  GtkWidget* toggle_;
  GtkWidget* status_;
  GtkWidget* estimate_;
  guint timer_ = 0;
  double opened_at_;          // for the time to the first stylised picture
  bool stylised_shown_ = false;
  bool was_running_ = false;  // at the last tick: for the log line at each run's end
  PreviewScheduler scheduler_;  // last: closed (its runs stopped) first
};

}  // namespace nst::plugin
