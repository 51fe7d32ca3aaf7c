#pragma once
// The command line of `nst`: what the user asked for, parsed and checked, before any
// image is read or any device is touched.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "image/decode.h"
#include "style/parse.h"
#include "style/run.h"
#include "vgg/network.h"

namespace nst::cli {

// A mistake in the command line: reported with the usage text, exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Options {
  enum class Command { stylise, eval, list_devices, help, version } command = Command::stylise;
  std::string image;                // eval: the image x the objective is evaluated at
  std::string content;
  std::vector<std::string> styles;
  std::string output;               // -o
  uint32_t size = 512;              // longest side of the working image
  style::ObjectiveChoices objective;  // α, β (at 256×256 px), γ, the layer lists
  std::vector<float> style_blend;           // one per style image; empty: equal
  float style_scale = 1.0f;         // the style's longest side is size·style_scale
  vgg::Pooling pooling = vgg::Pooling::max;
  uint32_t steps = 500;             // evaluations of the objective and its gradient, per scale
  uint32_t scales = 1;              // coarse-to-fine: sizes, each the next one halved
  uint32_t refine_steps = 0;        // steps at each scale after the first; 0: --steps
  bool preserve_colors = false;     // the content's colours, the style's luminance
  bool keep_partial = false;        // on Ctrl-C, write the image reached so far
  style::OptimizerKind optimizer = style::OptimizerKind::lbfgs;
  float learning_rate = 10.0f;      // Adam's, in the network space's 0..255 units
  std::string init = "content";     // content | noise | a path
  uint64_t seed = 0;
  uint64_t max_pixels = image::kDefaultMaxPixels;  // per image read, and per image at --size
  uint32_t memory_limit_mib = 0;    // device memory the run may hold; 0: the device's budget
  std::string device;               // name substring or index
  std::string weights;              // empty: vgg::default_weights_path()
  std::string json;                 // summary file
  std::string grad_out;             // eval: the gradient as .npy
};

// Throws UsageError for unknown options, missing or malformed values, or missing images.
// --help (-h) or --version anywhere an option may stand wins over everything else.
Options parse_arguments(const std::vector<std::string>& arguments);

// The synopsis, printed with every usage error.
const char* usage();
// `nst --help`: what nst does, the synopsis and every option (also the man page's text).
std::string help();
// `nst --version`: "nst 0.1.0", the project's version from meson.build.
std::string version();

}  // namespace nst::cli
