#pragma once
// plugin/core's Host on GIMP 3: one libgimp 3 call per member, items by their IDs. The
// filter's rules are in plugin/core/filter.h; the procedure in plugin.cpp.
#include <libgimp/gimp.h>

#include <memory>

#include "plugin/core/filter.h"

namespace nst::plugin::gimp3 {

// The Host of one call of the procedure: `image`, with `content` as the content layer.
std::unique_ptr<Host> make_host(GimpImage* image, GimpDrawable* content);

}  // namespace nst::plugin::gimp3
