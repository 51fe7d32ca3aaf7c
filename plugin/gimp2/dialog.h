#pragma once
// The settings dialog of GIMP 2.10 (libgimpui), built from plugin/core's parameter table:
// the style layer chooser and two more for a blend (each with its weight), the main settings, the seed with a "New seed" button, the
// device chooser, and the advanced settings folded away.
#include <libgimp/gimp.h>

#include "plugin/core/filter.h"
#include "plugin/core/settings.h"

namespace nst::plugin::gimp2 {

struct DialogChoice {
  Settings settings;
  StyleLayers styles = kNoStyleLayers;
};

// Shows the dialog for stylising the host's content layer, starting from `choice` (its
// styles: the ones to propose), with a live preview (plugin/gtk/preview_panel.h). Returns
// false when the user cancels. When no weights are installed, the dialog says so and
// offers their download (plugin/gtk/download_panel.h); OK waits until they are in place.
bool run_dialog(const Host& host, DialogChoice& choice);

}  // namespace nst::plugin::gimp2
