#include "plugin/core/record.h"

#include <glib.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "image/image.h"

namespace nst::plugin {
namespace {

// One line per field: a newline in a layer's name must not start another field.
std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

}  // namespace

std::string layer_record(const Settings& settings, const std::vector<std::string>& style_layer_names,
                         const JobResult& result) {
  std::ostringstream out;
  out << "made-by=" << kPluginBinary << " " << NST_VERSION << "\n";
  for (size_t slot = 0; slot < style_layer_names.size(); ++slot) {
    if (style_layer_names[slot].empty()) continue;
    out << "style-layer";
    if (slot > 0) out << "-" << slot + 1;
    out << "=" << one_line(style_layer_names[slot]) << "\n";
  }
  out << "ran-on=" << one_line(result.device) << "\n"
      << "weights=" << one_line(result.weights_path) << "\n"
      << "weights-sha256=" << result.weights_sha256 << "\n"
      << "optimised-size=" << image::describe(result.optimised) << "\n"
      << "steps-run=" << result.steps << "\n"
      << "seconds=" << result.seconds << "\n"
      << serialise(settings);
  return out.str();
}

std::string file_sha256(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  GChecksum* checksum = g_checksum_new(G_CHECKSUM_SHA256);
  std::vector<char> buffer(1 << 20);
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
    g_checksum_update(checksum, reinterpret_cast<const guchar*>(buffer.data()), static_cast<gssize>(in.gcount()));
  }
  std::string hex = g_checksum_get_string(checksum);
  g_checksum_free(checksum);
  return hex;
}

}  // namespace nst::plugin
