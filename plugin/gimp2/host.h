#pragma once
// Every GIMP 2.10 call the plug-in makes about images and layers: reading the layers,
// refusing what cannot be stylised, and adding the result layer in one undo step. The
// settings dialog is in dialog.h; the procedure's registration and run modes in plugin.cpp.
#include <libgimp/gimp.h>

#include <optional>
#include <string>

#include "plugin/core/job.h"

namespace nst::plugin::gimp2 {

// Throws PluginError unless `content` is a layer of an RGB or grey image and `style` is
// another existing layer or drawable.
void check_layers(gint32 image, gint32 content, gint32 style);

// The drawable's pixels (plugin/core/job.h's read_pixels).
Image read_drawable(gint32 drawable);

// GIMP's name of a drawable ("starry_night.jpg").
std::string drawable_name(gint32 drawable);

// The style layer the dialog proposes: `last` while it exists and is not the content,
// else the top-most other layer of the content's image, else a layer of another open
// image, else nothing.
std::optional<gint32> default_style_layer(gint32 image, gint32 content, std::optional<gint32> last);

// Adds `result` (the content layer's size) as a new layer right above `content`, at its
// offsets, named `name`, in the image's base type (with alpha when `result` has it), with
// a layer mask from the selection when there is one; all in one undo step. Returns it.
gint32 add_result_layer(gint32 image, gint32 content, const Image& result, const std::string& name);

}  // namespace nst::plugin::gimp2
