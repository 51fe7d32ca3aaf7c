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

enum class Precision { fp32, fp16 };
const char* precision_name(Precision precision);  // "fp32", "fp16"

struct WeightFile {
  std::string path;
  std::vector<LayerWeights> layers;  // in network order, a prefix of kConvolutions
  // How the file stores the values (read_weights: every tensor's dtype; the values in
  // `layers` are fp32 either way).
  Precision precision = Precision::fp32;
  bool partial() const;  // fewer than all 16 convolutions
  // "relu1_1, relu1_2, …" of the layers present, for messages.
  std::string available_layers() const;
};

// Reads and validates a safetensors file written by write_weights (memory-mapped).
// Throws std::runtime_error naming the file and the problem: unreadable, truncated,
// malformed header, unknown tensor, wrong shape, layers that are not a prefix of VGG-19,
// F32 and F16 tensors mixed.
//
// The file: tensors "<conv>.weight" [3,3,cin,cout] (HWIO) and "<conv>.bias" [cout] for
// each convolution present, all F32 or all F16; metadata "format": "nst-vgg19" and
// "layers": "conv1_1,conv1_2,…" (a prefix of kConvolutions, in order).
WeightFile read_weights(const std::string& path);

// Writes `weights` as safetensors (metadata: the format, the layers present), fp16
// rounded to nearest even, to PATH.partial renamed into place, so that a failure leaves
// no partial file. Throws std::runtime_error naming the file (and the layer, for weights
// that do not fit VGG-19).
void write_weights(const std::string& path, const WeightFile& weights, Precision precision);

// Where the engine looks when no path is given: $NST_WEIGHTS if set, else
// ${XDG_DATA_HOME:-~/.local/share}/neural-style-transfer/vgg19.safetensors.
std::string default_weights_path();

// The layers Gatys et al. use, cut to what `weights` holds: style — the first ReLU of
// each block present (relu1_1, relu2_1, …, relu5_1); content — relu4_2 for the full
// network, else the second ReLU of the deepest block that has one (relu3_2 for conv1_1 …
// conv3_4; relu1_1 when only conv1_1 is present). Both empty for no layers.
struct DefaultLayers {
  std::vector<std::string> content;
  std::vector<std::string> style;
};
DefaultLayers default_layers(const WeightFile& weights);

}  // namespace nst::vgg
