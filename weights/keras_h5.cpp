#include "weights/keras_h5.h"

#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include "vgg/layers.h"

namespace nst::weights {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  throw std::runtime_error(path + ": " + problem);
}

// An HDF5 identifier closed by the function of its kind (H5Fclose, H5Gclose, …).
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, -1)), close_(other.close_) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle& operator=(Handle&&) = delete;

  hid_t id() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// The innermost message on HDF5's error stack ("truncated file: eof = …"), so that our
// error says what HDF5 found; the stack is cleared.
std::string hdf5_reason() {
  std::string reason;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned, const H5E_error2_t* error, void* data) -> herr_t {
        if (error->desc && *error->desc) *static_cast<std::string*>(data) = error->desc;
        return 0;
      },
      &reason);
  H5Eclear2(H5E_DEFAULT);
  return reason.empty() ? "no detail from libhdf5" : reason;
}

// A name as stored, without its padding (fixed-length strings are NUL-padded). Keras'
// names are ASCII: any other byte (a damaged file) is shown as \xNN, so that messages
// stay printable; such a name then matches nothing.
std::string without_padding(const std::string& stored) {
  std::string text;
  for (char c : std::string_view(stored.c_str())) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      text += c;
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      text += escaped;
    }
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

// Fixed-length strings (how Keras writes names) or variable-length ones.
std::vector<std::string> read_strings(hid_t attribute, hid_t type, size_t count) {
  std::vector<std::string> strings;
  if (H5Tis_variable_str(type) > 0) {
    Handle memory(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(memory.id(), H5T_VARIABLE);
    std::vector<char*> pointers(count, nullptr);
    if (H5Aread(attribute, memory.id(), pointers.data()) < 0) return {};
    for (char* pointer : pointers) strings.push_back(without_padding(pointer ? pointer : ""));
    Handle space(H5Aget_space(attribute), H5Sclose);
    H5Dvlen_reclaim(memory.id(), space.id(), H5P_DEFAULT, pointers.data());
    return strings;
  }
  // One byte more than stored: the C string type is NUL-terminated, and a name that
  // fills its field (block1_conv1 in 12 bytes) would otherwise lose its last letter.
  const size_t size = H5Tget_size(type) + 1;
  Handle memory(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(memory.id(), size);
  std::vector<char> buffer(count * size, '\0');
  if (H5Aread(attribute, memory.id(), buffer.data()) < 0) return {};
  for (size_t i = 0; i < count; ++i) strings.push_back(without_padding(std::string(buffer.data() + i * size, size)));
  return strings;
}

// The strings of attribute `name` of `object`. An empty array of any type reads as no
// strings: Keras writes an empty float64 array for layers without weights.
std::vector<std::string> read_string_list(const std::string& path, hid_t object, const char* name,
                                          const std::string& where) {
  if (H5Aexists(object, name) <= 0) fail(path, where + " has no attribute '" + name + "'");
  Handle attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  Handle space(H5Aget_space(attribute.id()), H5Sclose);
  Handle type(H5Aget_type(attribute.id()), H5Tclose);
  if (!attribute.valid() || !space.valid() || !type.valid()) {
    fail(path, "cannot read attribute '" + std::string(name) + "' of " + where + " (" + hdf5_reason() + ")");
  }
  const hssize_t count = H5Sget_simple_extent_npoints(space.id());
  if (count == 0) return {};
  if (count < 0 || H5Tget_class(type.id()) != H5T_STRING) {
    fail(path, "attribute '" + std::string(name) + "' of " + where + " is not a list of strings");
  }
  // VGG-19 lists 27 layers of short names: a damaged file must not make us allocate more.
  constexpr hssize_t kMostNames = 1024;
  constexpr size_t kLongestName = 1024;
  if (count > kMostNames || H5Tget_size(type.id()) > kLongestName) {
    fail(path, "attribute '" + std::string(name) + "' of " + where + " holds " + std::to_string(count) +
                   " strings of up to " + std::to_string(H5Tget_size(type.id())) + " bytes; at most " +
                   std::to_string(kMostNames) + " of " + std::to_string(kLongestName) + " expected");
  }
  std::vector<std::string> strings = read_strings(attribute.id(), type.id(), size_t(count));
  if (strings.size() != size_t(count)) {
    fail(path, "cannot read attribute '" + std::string(name) + "' of " + where + " (" + hdf5_reason() + ")");
  }
  return strings;
}

Handle open_file(const std::string& path) {
  if (::access(path.c_str(), R_OK) != 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 <= 0) {
    H5Eclear2(H5E_DEFAULT);
    fail(path, "not an HDF5 file (expected Keras' VGG-19 weights, e.g. "
               "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5)");
  }
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) fail(path, "damaged HDF5 file (" + hdf5_reason() + ")");
  return file;
}

// Where layer_names lives: the root of a weights file, or /model_weights of a file that
// Keras' model.save() wrote.
Handle open_weights_root(const std::string& path, hid_t file) {
  if (H5Aexists(file, "layer_names") > 0) return Handle(H5Gopen2(file, "/", H5P_DEFAULT), H5Gclose);
  if (H5Lexists(file, "model_weights", H5P_DEFAULT) > 0) {
    Handle group(H5Gopen2(file, "model_weights", H5P_DEFAULT), H5Gclose);
    if (group.valid() && H5Aexists(group.id(), "layer_names") > 0) return group;
  }
  H5Eclear2(H5E_DEFAULT);
  fail(path, "no attribute 'layer_names': not a Keras weight file");
}

enum class LayerKind { input, convolution, pooling };

// What a Keras VGG-19 layer name says it is; anything else is refused, naming it.
LayerKind classify_layer(const std::string& path, const std::string& layer) {
  if (vgg::find_convolution(layer)) return LayerKind::convolution;
  if (layer.starts_with("input")) return LayerKind::input;
  if (layer.size() == 11 && layer.starts_with("block") && layer.ends_with("_pool") && layer[5] >= '1' &&
      layer[5] <= '5') {
    return LayerKind::pooling;
  }
  if (layer.starts_with("block") && layer.find("_conv") != std::string::npos) {
    fail(path, "not VGG-19: layer '" + layer + "' is no convolution of VGG-19 (block1_conv1 … block5_conv4)");
  }
  fail(path, "unknown layer '" + layer +
                 "': VGG-19 without its classifier has only input_1, blockN_convM and blockN_pool layers "
                 "(use the _notop file)");
}

Handle open_layer_group(const std::string& path, hid_t root, const std::string& layer) {
  if (H5Lexists(root, layer.c_str(), H5P_DEFAULT) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    fail(path, "layer '" + layer + "' is listed in layer_names but has no group");
  }
  Handle group(H5Gopen2(root, layer.c_str(), H5P_DEFAULT), H5Gclose);
  if (!group.valid()) fail(path, "cannot open the group of layer '" + layer + "' (" + hdf5_reason() + ")");
  return group;
}

std::string dims_text(const std::vector<hsize_t>& dims) {
  if (dims.empty()) return "a scalar";
  std::string text;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) text += "×";
    text += std::to_string(dims[i]);
  }
  return text;
}

struct Weight {
  bool is_kernel;  // else the bias
  std::vector<float> values;
};

// Weight `name` of convolution `conv`: a kernel (rank 4, 3×3×cin×cout) or a bias (rank
// 1, cout) of floating point, converted to fp32 by libhdf5 and checked to be finite. The
// shape is checked before anything is allocated: a damaged file may claim any size.
Weight read_weight(const std::string& path, hid_t group, const std::string& layer, const std::string& name,
                   const vgg::ConvSpec& conv) {
  const std::string where = "layer '" + layer + "', weight '" + name + "'";
  Handle dataset(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset.valid()) fail(path, where + " is missing (" + hdf5_reason() + ")");
  Handle type(H5Dget_type(dataset.id()), H5Tclose);
  Handle space(H5Dget_space(dataset.id()), H5Sclose);
  if (!type.valid() || !space.valid() || H5Tget_class(type.id()) != H5T_FLOAT) {
    H5Eclear2(H5E_DEFAULT);
    fail(path, where + " is not floating point");
  }
  const int rank = H5Sget_simple_extent_ndims(space.id());
  std::vector<hsize_t> dims(size_t(std::clamp(rank, 0, 32)));
  H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
  const bool is_kernel = dims.size() == 4;
  const std::vector<hsize_t> expected =
      is_kernel ? std::vector<hsize_t>{3, 3, conv.cin, conv.cout} : std::vector<hsize_t>{conv.cout};
  if (dims != expected) {
    fail(path, "not VGG-19: " + where + " is " + dims_text(dims) + ", VGG-19's " + (is_kernel ? "kernel" : "bias") +
                   " there is " + dims_text(expected));
  }
  Weight weight{is_kernel, std::vector<float>(is_kernel ? size_t{9} * conv.cin * conv.cout : conv.cout)};
  if (H5Dread(dataset.id(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, weight.values.data()) < 0) {
    fail(path, "cannot read " + where + " (" + hdf5_reason() + ")");
  }
  for (float value : weight.values) {
    if (!std::isfinite(value)) fail(path, where + " holds a non-finite value (damaged file?)");
  }
  return weight;
}

// Kernel and bias of convolution `conv`, whatever order weight_names lists them in.
vgg::LayerWeights read_convolution(const std::string& path, hid_t group, const std::string& layer,
                                   const vgg::ConvSpec& conv) {
  const auto names = read_string_list(path, group, "weight_names", "layer '" + layer + "'");
  if (names.size() != 2) {
    fail(path, "layer '" + layer + "' has " + std::to_string(names.size()) +
                   " weights; a convolution has 2 (kernel, bias)");
  }
  vgg::LayerWeights weights{conv.name, {conv.cin, conv.cout, {}, {}}};
  for (const std::string& name : names) {
    Weight weight = read_weight(path, group, layer, name, conv);
    (weight.is_kernel ? weights.kernel.hwio : weights.kernel.bias) = std::move(weight.values);
  }
  if (weights.kernel.hwio.empty() || weights.kernel.bias.empty()) {
    fail(path, "layer '" + layer + "' needs one kernel and one bias");
  }
  return weights;
}

void check_no_weights(const std::string& path, hid_t group, const std::string& layer) {
  const auto names = read_string_list(path, group, "weight_names", "layer '" + layer + "'");
  if (!names.empty()) fail(path, "layer '" + layer + "' has weights, but VGG-19's input and pooling layers have none");
}

// The i-th convolution found must be VGG-19's i-th: the file holds a prefix of the network.
void check_next_convolution(const std::string& path, const std::string& layer, size_t found, size_t expected) {
  if (found == expected) return;
  if (found < expected) fail(path, "not VGG-19's order: layer '" + layer + "' comes twice or too late");
  fail(path, "not VGG-19's order: found layer '" + layer + "' where " + vgg::kConvolutions[expected].keras +
                 " should come");
}

}  // namespace

vgg::WeightFile read_keras_h5(const std::string& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors become our exceptions, not stderr noise
  Handle file = open_file(path);
  Handle root = open_weights_root(path, file.id());
  const auto layers = read_string_list(path, root.id(), "layer_names", "the file");

  vgg::WeightFile weights{path, {}, vgg::Precision::fp32};
  for (const std::string& layer : layers) {
    const LayerKind kind = classify_layer(path, layer);
    Handle group = open_layer_group(path, root.id(), layer);
    if (kind != LayerKind::convolution) {
      check_no_weights(path, group.id(), layer);
      continue;
    }
    const size_t index = *vgg::find_convolution(layer);
    check_next_convolution(path, layer, index, weights.layers.size());
    weights.layers.push_back(read_convolution(path, group.id(), layer, vgg::kConvolutions[index]));
  }
  if (weights.layers.empty()) fail(path, "holds no convolution layers: nothing to convert");
  return weights;
}

}  // namespace nst::weights
