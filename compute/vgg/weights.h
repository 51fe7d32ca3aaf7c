#pragma once
// VGG-19 weights on the host: read from and written to the engine's safetensors file,
// validated against the shape of VGG-19 (vgg/layers.h). A file may hold a prefix of the
// network (e.g. conv1_1 … conv3_4): the engine then offers exactly those layers.
#include <string>
#include <vector>

#include "ops/conv.h"

namespace nst::vgg {

struct LayerWeights {
  std::string name;       // conv1_1, as in kConvolutions
  ops::ConvKernel kernel; // HWIO, as Keras stores it, in fp32 (fp16 files are widened)
};

struct WeightFile {
  std::string path;
  std::vector<LayerWeights> layers;  // in network order, a prefix of kConvolutions
  bool partial() const;              // fewer than all 16 convolutions
  // "relu1_1, relu1_2, …" of the layers present, for messages.
  std::string available_layers() const;
};

enum class Precision { fp32, fp16 };

// Reads and validates a safetensors file written by write_weights (memory-mapped).
// Throws std::runtime_error naming the file and the problem: unreadable, truncated,
// malformed header, unknown tensor, wrong shape, layers that are not a prefix of VGG-19.
WeightFile read_weights(const std::string& path);

// Writes `weights` as safetensors (metadata: the format, the layers present), to a
// temporary file renamed into place, so that a failure leaves no partial file.
void write_weights(const std::string& path, const WeightFile& weights, Precision precision);

// Where the engine looks when no path is given: $NST_WEIGHTS if set, else
// ${XDG_DATA_HOME:-~/.local/share}/neural-style-transfer/vgg19.safetensors.
std::string default_weights_path();

// The layers Gatys et al. use, cut to what `weights` holds: style — the first ReLU of
// each block present (relu1_1, relu2_1, …, relu5_1); content — relu4_2 for the full
// network, else the second ReLU of the deepest block present.
struct DefaultLayers {
  std::vector<std::string> content;
  std::vector<std::string> style;
};
DefaultLayers default_layers(const WeightFile& weights);

}  // namespace nst::vgg
