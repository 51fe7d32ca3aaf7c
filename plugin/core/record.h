#pragma once
// The record the filter leaves on its result layer: a parasite (GIMP's per-item metadata,
// kept in XCF files) holding, as readable "name=value" lines, how the layer was made —
// the program and version, the style layers' names (style-layer, and style-layer-2 and -3
// for those blended with it), the device it ran on (`ran-on`: the
// `device` setting may say only "Automatic"), the weight file and its SHA-256, what the
// run did, and every setting under its PDB name (serialise()'s lines, so that parse()
// reads the settings back and a script can run the same again; name_values() reads every
// field).
#include <string>
#include <vector>

#include "plugin/core/job.h"
#include "plugin/core/settings.h"

namespace nst::plugin {

inline constexpr const char* kRecordParasite = "neural-style-transfer";

// `style_layer_names` by slot (filter.h's StyleLayers); empty: not blended.
std::string layer_record(const Settings& settings, const std::vector<std::string>& style_layer_names,
                         const JobResult& result);

// The SHA-256 of a file, in hexadecimal; empty when it cannot be read.
std::string file_sha256(const std::string& path);

}  // namespace nst::plugin
