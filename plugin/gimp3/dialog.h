#pragma once
// The GIMP 3 dialog: GimpProcedureDialog generated from the procedure's declared
// arguments (plugin/core's table), with custom widgets only where the generated ones fall
// short: a "New seed" button beside the seed, and a chooser listing the Vulkan devices.
// The advanced arguments are folded into an expander.
#include <libgimp/gimp.h>

#include <functional>

#include "plugin/core/filter.h"
#include "plugin/core/preview.h"

namespace nst::plugin::gimp3 {

// Shows the dialog over `config` for the host's content layer, with a live preview
// (plugin/gtk/preview_panel.h) of what `current` reads from the config; false when the
// user cancels. Without installed weights (or without a Vulkan driver) the dialog says so
// and how to fix it, and offers only Cancel.
bool run_dialog(GimpProcedure* procedure, GimpProcedureConfig* config, const Host& host,
                const std::function<PreviewChoice()>& current);

}  // namespace nst::plugin::gimp3
