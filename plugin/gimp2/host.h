#pragma once
// plugin/core's Host on GIMP 2.10: one libgimp call per member. The filter's rules are in
// plugin/core/filter.h; the registration and run modes in plugin.cpp.
#include <libgimp/gimp.h>

#include <memory>

#include "plugin/core/filter.h"

namespace nst::plugin::gimp2 {

// The Host of one call of the procedure: `image`, with `content` as the content layer.
std::unique_ptr<Host> make_host(gint32 image, gint32 content);

}  // namespace nst::plugin::gimp2
