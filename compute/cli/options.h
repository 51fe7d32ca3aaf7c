#pragma once
// The command line of `nst`: what the user asked for, parsed and checked, before any
// image is read or any device is touched.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace nst::cli {

// A mistake in the command line: reported with the usage text, exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Options {
  enum class Command { stylise, eval, list_devices } command = Command::stylise;
  std::string image;                // eval: the image x the objective is evaluated at
  std::string content;
  std::vector<std::string> styles;
  std::string output;               // -o
  uint32_t size = 512;              // longest side of the working image
  float content_weight = 1.0f;      // α
  float style_weight = 1e4f;        // β
  float tv_weight = 0.0f;           // γ
  std::vector<std::string> content_layers;  // empty: the weight file's defaults
  std::vector<std::string> style_layers;    // "relu1_1" or "relu1_1:0.3" (w_l)
  std::vector<float> style_blend;           // one per style image; empty: equal
  float style_scale = 1.0f;         // the style's longest side is size·style_scale
  std::string pooling = "max";      // max | avg
  uint32_t steps = 500;             // evaluations of the objective and its gradient, per scale
  uint32_t scales = 1;              // coarse-to-fine: sizes, each the next one halved
  bool preserve_colors = false;     // the content's colours, the style's luminance
  bool keep_partial = false;        // on Ctrl-C, write the image reached so far
  std::string optimizer = "lbfgs";  // lbfgs | adam
  float learning_rate = 10.0f;      // Adam's, in the network space's 0..255 units
  std::string init = "content";     // content | noise | a path
  uint64_t seed = 0;
  std::string device;               // name substring or index
  std::string weights;              // empty: vgg::default_weights_path()
  std::string json;                 // summary file
  std::string grad_out;             // eval: the gradient as .npy
};

// Throws UsageError for unknown options, missing or malformed values, or missing images.
Options parse_arguments(const std::vector<std::string>& arguments);

const char* usage();

}  // namespace nst::cli
