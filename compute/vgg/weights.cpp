#include "vgg/weights.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "vgg/layers.h"
#include "vgg/safetensors.h"

namespace nst::vgg {
namespace {

constexpr const char* kFormat = "nst-vgg19";

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  throw std::runtime_error(path + ": " + problem);
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string text;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) text += separator;
    text += items[i];
  }
  return text;
}

std::string trim(const std::string& text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> items;
  size_t begin = 0;
  while (begin <= text.size()) {
    const size_t end = std::min(text.find(',', begin), text.size());
    items.push_back(trim(text.substr(begin, end - begin)));
    begin = end + 1;
  }
  return items;
}

// `names` must be kConvolutions' first names.size() names, in order.
void check_vgg_prefix(const std::string& path, const std::vector<std::string>& names) {
  if (names.empty()) fail(path, "holds no layers");
  if (names.size() > kConvolutions.size()) {
    fail(path, std::to_string(names.size()) + " layers, VGG-19 has " + std::to_string(kConvolutions.size()));
  }
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] != kConvolutions[i].name) {
      fail(path, "layers '" + join(names, ",") + "' are not a prefix of VGG-19: layer " + std::to_string(i + 1) +
                     " is '" + names[i] + "', VGG-19's is " + kConvolutions[i].name);
    }
  }
}

std::vector<std::string> layers_from_metadata(const std::string& path, const safetensors::Metadata& metadata) {
  const auto format = metadata.find("format");
  if (format == metadata.end() || format->second != kFormat) {
    fail(path, std::string("not an nst-vgg19 weight file (metadata \"format\" is ") +
                   (format == metadata.end() ? "missing" : "'" + format->second + "'") +
                   "); convert Keras' file with nst-weights");
  }
  const auto layers = metadata.find("layers");
  if (layers == metadata.end()) fail(path, "metadata \"layers\" is missing");
  const std::vector<std::string> names = split_commas(layers->second);
  check_vgg_prefix(path, names);
  return names;
}

std::string weight_name(const ConvSpec& conv) { return std::string(conv.name) + ".weight"; }
std::string bias_name(const ConvSpec& conv) { return std::string(conv.name) + ".bias"; }
std::vector<uint64_t> kernel_shape(const ConvSpec& conv) { return {3, 3, conv.cin, conv.cout}; }

// Every tensor must belong to one of the first `layers` convolutions, so that a file
// with an extra or misnamed tensor is refused rather than half-used.
void check_no_unknown_tensors(const safetensors::Reader& reader, size_t layers) {
  for (const safetensors::TensorView& tensor : reader.tensors()) {
    bool known = false;
    for (size_t i = 0; i < layers && !known; ++i) {
      known = tensor.name == weight_name(kConvolutions[i]) || tensor.name == bias_name(kConvolutions[i]);
    }
    if (!known) {
      fail(reader.path(), "unknown tensor '" + tensor.name + "' (the file's layers are conv1_1 … " +
                              kConvolutions[layers - 1].name + ")");
    }
  }
}

Precision stored_precision(const safetensors::Reader& reader) {
  const auto& tensors = reader.tensors();
  const safetensors::DType first = tensors.empty() ? safetensors::DType::f32 : tensors.front().dtype;
  for (const safetensors::TensorView& tensor : tensors) {
    if (tensor.dtype != first) {
      fail(reader.path(), "mixes F32 and F16 tensors ('" + tensors.front().name + "' is " + dtype_name(first) +
                              ", '" + tensor.name + "' " + dtype_name(tensor.dtype) + ")");
    }
  }
  return first == safetensors::DType::f16 ? Precision::fp16 : Precision::fp32;
}

// NaN or Inf in a weight turns every loss and the image into NaN: refused on reading and
// before writing (a pass over 80 MB, about 20 ms).
void check_finite(const std::string& path, const std::string& tensor, const std::vector<float>& values) {
  const auto bad = std::find_if(values.begin(), values.end(), [](float v) { return !std::isfinite(v); });
  if (bad != values.end()) {
    fail(path, "tensor '" + tensor + "' holds " + std::to_string(*bad) + " at index " +
                   std::to_string(bad - values.begin()) + ": weights must be finite");
  }
}

std::vector<float> read_tensor(const safetensors::Reader& reader, const std::string& name,
                               const std::vector<uint64_t>& shape, const ConvSpec& conv) {
  const safetensors::TensorView* tensor = reader.find(name);
  if (!tensor) fail(reader.path(), "tensor '" + name + "' is missing");
  if (tensor->shape != shape) {
    fail(reader.path(), "tensor '" + name + "' has shape " + safetensors::shape_text(tensor->shape) + ", VGG-19's " + conv.name +
                            " needs " + safetensors::shape_text(shape));
  }
  std::vector<float> values = tensor->to_floats();
  check_finite(reader.path(), name, values);
  return values;
}

LayerWeights read_layer(const safetensors::Reader& reader, const ConvSpec& conv) {
  LayerWeights layer{conv.name, {conv.cin, conv.cout, {}, {}}};
  layer.kernel.hwio = read_tensor(reader, weight_name(conv), kernel_shape(conv), conv);
  layer.kernel.bias = read_tensor(reader, bias_name(conv), {conv.cout}, conv);
  return layer;
}

// In-memory weights must fit VGG-19 before they are written, so that no file the
// reader would refuse is ever produced.
void check_writable(const std::string& path, const WeightFile& weights) {
  std::vector<std::string> names;
  for (const LayerWeights& layer : weights.layers) names.push_back(layer.name);
  check_vgg_prefix(path, names);
  for (size_t i = 0; i < weights.layers.size(); ++i) {
    const ConvSpec& conv = kConvolutions[i];
    const ops::ConvKernel& kernel = weights.layers[i].kernel;
    if (kernel.cin != conv.cin || kernel.cout != conv.cout || kernel.hwio.size() != size_t{9} * conv.cin * conv.cout ||
        kernel.bias.size() != conv.cout) {
      fail(path, std::string("layer ") + conv.name + ": " + std::to_string(kernel.hwio.size()) + " kernel and " +
                     std::to_string(kernel.bias.size()) + " bias values for " + std::to_string(kernel.cin) + "→" +
                     std::to_string(kernel.cout) + " channels; VGG-19's is 3×3×" + std::to_string(conv.cin) + "×" +
                     std::to_string(conv.cout));
    }
    check_finite(path, weight_name(conv), kernel.hwio);
    check_finite(path, bias_name(conv), kernel.bias);
  }
}

// The tensors of `weights` as the writer takes them; fp16 values are narrowed into
// `halves`, which must outlive the result.
std::vector<safetensors::TensorToWrite> tensors_to_write(const WeightFile& weights, Precision precision,
                                                         std::vector<std::vector<uint16_t>>& halves) {
  halves.reserve(2 * weights.layers.size());  // no reallocation: the spans point into it
  auto encode = [&](const std::vector<float>& values) -> std::span<const std::byte> {
    if (precision == Precision::fp32) return std::as_bytes(std::span(values));
    std::vector<uint16_t>& narrowed = halves.emplace_back(values.size());
    for (size_t i = 0; i < values.size(); ++i) narrowed[i] = float_to_half(values[i]);
    return std::as_bytes(std::span(narrowed));
  };
  const auto dtype = precision == Precision::fp32 ? safetensors::DType::f32 : safetensors::DType::f16;
  std::vector<safetensors::TensorToWrite> tensors;
  for (size_t i = 0; i < weights.layers.size(); ++i) {
    const ConvSpec& conv = kConvolutions[i];
    const ops::ConvKernel& kernel = weights.layers[i].kernel;
    tensors.push_back({weight_name(conv), dtype, kernel_shape(conv), encode(kernel.hwio)});
    tensors.push_back({bias_name(conv), dtype, {conv.cout}, encode(kernel.bias)});
  }
  return tensors;
}

// $XDG_DATA_HOME when set to an absolute path (the XDG rule), else ~/.local/share.
std::filesystem::path data_home() {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  if (xdg && xdg[0] == '/') return xdg;
  const char* home = std::getenv("HOME");
  if (!home || !*home) {
    const passwd* user = ::getpwuid(::getuid());
    home = user ? user->pw_dir : nullptr;
  }
  if (!home || !*home) {
    throw std::runtime_error("no default weights path: neither NST_WEIGHTS, XDG_DATA_HOME nor HOME is set");
  }
  return std::filesystem::path(home) / ".local" / "share";
}

bool first_in_block(size_t conv) { return conv == 0 || kConvolutions[conv - 1].block != kConvolutions[conv].block; }
bool second_in_block(size_t conv) { return conv > 0 && !first_in_block(conv) && first_in_block(conv - 1); }

}  // namespace

const char* precision_name(Precision precision) { return precision == Precision::fp32 ? "fp32" : "fp16"; }

bool WeightFile::partial() const { return layers.size() < kConvolutions.size(); }

std::string WeightFile::available_layers() const {
  std::vector<std::string> relus;
  for (size_t i = 0; i < layers.size() && i < kConvolutions.size(); ++i) relus.push_back(kConvolutions[i].relu);
  return join(relus, ", ");
}

WeightFile read_weights(const std::string& path) {
  const safetensors::Reader reader(path);
  const std::vector<std::string> names = layers_from_metadata(path, reader.metadata());
  check_no_unknown_tensors(reader, names.size());
  WeightFile weights{path, {}, stored_precision(reader)};
  for (size_t i = 0; i < names.size(); ++i) weights.layers.push_back(read_layer(reader, kConvolutions[i]));
  return weights;
}

void write_weights(const std::string& path, const WeightFile& weights, Precision precision) {
  check_writable(path, weights);
  std::vector<std::vector<uint16_t>> halves;
  const auto tensors = tensors_to_write(weights, precision, halves);
  std::vector<std::string> names;
  for (const LayerWeights& layer : weights.layers) names.push_back(layer.name);
  const safetensors::Metadata metadata{{"format", kFormat}, {"layers", join(names, ",")}};

  const std::string temporary = path + ".partial";
  try {
    safetensors::write(temporary, tensors, metadata);
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
      fail(path, "cannot rename " + temporary + " into place: " + std::strerror(errno));
    }
  } catch (...) {
    std::remove(temporary.c_str());
    throw;
  }
}

std::string default_weights_path() {
  const char* explicit_path = std::getenv("NST_WEIGHTS");
  if (explicit_path && *explicit_path) return explicit_path;
  return (data_home() / "neural-style-transfer" / "vgg19.safetensors").string();
}

DefaultLayers default_layers(const WeightFile& weights) {
  DefaultLayers defaults;
  const size_t present = std::min(weights.layers.size(), kConvolutions.size());
  if (present == 0) return defaults;
  for (size_t i = 0; i < present; ++i) {
    if (first_in_block(i)) defaults.style.push_back(kConvolutions[i].relu);
  }
  if (!weights.partial()) {
    defaults.content = {"relu4_2"};
    return defaults;
  }
  size_t content = present - 1;  // the deepest ReLU, unless a block has a second one
  for (size_t i = 0; i < present; ++i) {
    if (second_in_block(i)) content = i;
  }
  defaults.content = {kConvolutions[content].relu};
  return defaults;
}

}  // namespace nst::vgg
