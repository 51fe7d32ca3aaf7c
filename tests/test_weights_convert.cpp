// The converter without a device: Keras' HDF5 file → read_keras_h5 → write_weights
// (safetensors, fp32 or fp16) → read_weights, on the real partial file from ../shared, on
// damaged copies of it and on HDF5 files made to order. The engine's loader has its own
// test (test_weights.cpp), and so has the fetch script (weights_fetch_test.py).
#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "support/weight_files.h"
#include "vgg/layers.h"
#include "vgg/safetensors.h"
#include "vgg/weights.h"
#include "weights/keras_h5.h"

namespace nst::test {
namespace {

using vgg::kConvolutions;

// ---------------------------------------------------------------------------- helpers

// The converter's two steps; `out` appears only when both succeed.
void convert(const std::string& in, const std::string& out, vgg::Precision precision = vgg::Precision::fp32) {
  vgg::write_weights(out, nst::weights::read_keras_h5(in), precision);
}

// ---------------------------------------------------------------------------- the real partial file

TEST(KerasH5, ReadsThePartialFileAsEightLayers) {
  const vgg::WeightFile& weights = partial_weights();
  ASSERT_EQ(weights.layers.size(), 8u);
  for (size_t i = 0; i < weights.layers.size(); ++i) {
    const vgg::ConvSpec& conv = kConvolutions[i];
    const ops::ConvKernel& kernel = weights.layers[i].kernel;
    EXPECT_EQ(weights.layers[i].name, conv.name);
    EXPECT_EQ(kernel.cin, conv.cin);
    EXPECT_EQ(kernel.cout, conv.cout);
    EXPECT_EQ(kernel.hwio.size(), size_t{9} * conv.cin * conv.cout);
    EXPECT_EQ(kernel.bias.size(), conv.cout);
  }
  EXPECT_TRUE(weights.partial());
  EXPECT_EQ(weights.available_layers(), "relu1_1, relu1_2, relu2_1, relu2_2, relu3_1, relu3_2, relu3_3, relu3_4");
  const vgg::DefaultLayers defaults = vgg::default_layers(weights);
  EXPECT_EQ(defaults.style, (std::vector<std::string>{"relu1_1", "relu2_1", "relu3_1"}));
  EXPECT_EQ(defaults.content, (std::vector<std::string>{"relu3_2"}));
}

// Values printed by `h5dump -m %.9g -d /block1_conv1/block1_conv1_W_1:0 -s 0,0,0,0 -c 1,1,3,4`
// (and the like): %.9g round-trips fp32, so they must match exactly.
TEST(KerasH5, SpotValuesMatchH5dump) {
  const auto& conv1_1 = partial_weights().layers[0].kernel;
  const float kernel_000[3][4] = {{0.341195226f, 0.0956311151f, 0.0177448951f, 0.289807528f},
                                  {0.464183718f, 0.0335566774f, 0.102450453f, 0.435352564f},
                                  {0.394167036f, -0.0841970667f, -0.0363131389f, 0.394052029f}};
  for (size_t ci = 0; ci < 3; ++ci)
    for (size_t co = 0; co < 4; ++co) EXPECT_EQ(conv1_1.hwio[ci * 64 + co], kernel_000[ci][co]) << ci << "," << co;
  EXPECT_EQ(conv1_1.bias[0], 0.730177581f);
  EXPECT_EQ(conv1_1.bias[1], 0.0649362877f);
  EXPECT_EQ(conv1_1.bias[2], 0.0342884697f);
  EXPECT_EQ(conv1_1.bias[3], 0.826038599f);

  // conv2_1 [1][2][63][127]: HWIO index ((ky·3 + kx)·cin + ci)·cout + co.
  EXPECT_EQ(partial_weights().layers[2].kernel.hwio[((1 * 3 + 2) * 64 + 63) * 128 + 127], 0.0296544544f);
  const auto& conv3_4 = partial_weights().layers[7].kernel;
  const float kernel_22_255[4] = {-0.0088651143f, -0.0112701943f, -0.0206156466f, -0.00698319497f};
  const float bias_252[4] = {0.0471229628f, 0.0270974319f, 0.00164253381f, -0.0167787727f};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(conv3_4.hwio[((2 * 3 + 2) * 256 + 255) * 256 + 252 + i], kernel_22_255[i]);
    EXPECT_EQ(conv3_4.bias[252 + i], bias_252[i]);
  }
}

TEST(Converter, Fp32RoundTripIsExact) {
  TempDir dir;
  const std::string out = dir.file("vgg19.safetensors");
  vgg::write_weights(out, partial_weights(), vgg::Precision::fp32);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"vgg19.safetensors"});  // no .partial left

  const vgg::WeightFile read = vgg::read_weights(out);
  EXPECT_EQ(read.path, out);
  EXPECT_EQ(read.precision, vgg::Precision::fp32);
  ASSERT_EQ(names_of(read), names_of(partial_weights()));
  for (size_t i = 0; i < read.layers.size(); ++i) {
    const auto& want = partial_weights().layers[i].kernel;
    const auto& got = read.layers[i].kernel;
    EXPECT_EQ(got.cin, want.cin);
    EXPECT_EQ(got.cout, want.cout);
    EXPECT_EQ(0, std::memcmp(got.hwio.data(), want.hwio.data(), want.hwio.size() * 4)) << read.layers[i].name;
    EXPECT_EQ(0, std::memcmp(got.bias.data(), want.bias.data(), want.bias.size() * 4)) << read.layers[i].name;
  }
  EXPECT_TRUE(read.partial());
}

// fp16: each value rounded once to the nearest half, so within half an fp16 step of the
// original (relative 2^-11 for normal halves, absolute 2^-25 below 2^-14).
TEST(Converter, Fp16RoundTripIsWithinHalfRounding) {
  TempDir dir;
  const std::string out = dir.file("vgg19-fp16.safetensors");
  convert(partial_h5(), out, vgg::Precision::fp16);
  const vgg::WeightFile read = vgg::read_weights(out);
  EXPECT_EQ(read.precision, vgg::Precision::fp16);
  ASSERT_EQ(read.layers.size(), 8u);
  for (size_t i = 0; i < read.layers.size(); ++i) {
    const auto& want = partial_weights().layers[i].kernel.hwio;
    const auto& got = read.layers[i].kernel.hwio;
    ASSERT_EQ(got.size(), want.size());
    size_t wrong = 0;
    for (size_t j = 0; j < want.size(); ++j) {
      const double bound = std::max(std::abs(double(want[j])) * std::ldexp(1.0, -11), std::ldexp(1.0, -25));
      wrong += got[j] != vgg::half_to_float(vgg::float_to_half(want[j])) || std::abs(got[j] - want[j]) > bound;
    }
    EXPECT_EQ(wrong, 0u) << read.layers[i].name;
  }
}

TEST(Converter, FileSizeIsHeaderPlusValues) {
  TempDir dir;
  const std::string out = dir.file("w.safetensors");
  vgg::write_weights(out, partial_weights(), vgg::Precision::fp32);
  size_t values = 0;
  for (const auto& layer : partial_weights().layers) values += layer.kernel.hwio.size() + layer.kernel.bias.size();
  const std::string bytes = read_bytes(out);
  uint64_t header = 0;
  std::memcpy(&header, bytes.data(), 8);
  EXPECT_EQ((8 + header) % 8, 0u) << "the data section starts 8-byte aligned";
  EXPECT_EQ(bytes.size(), 8 + header + 4 * values);
  EXPECT_TRUE(mentions(bytes.substr(8, header), {"\"format\":\"nst-vgg19\"",
                                                 "\"layers\":\"conv1_1,conv1_2,conv2_1,conv2_2,conv3_1,conv3_2,"
                                                 "conv3_3,conv3_4\""}));
}

// ---------------------------------------------------------------------------- damaged HDF5 copies

class DamagedH5 : public ::testing::Test {
 protected:
  // Converts `damaged` (written into the folder) and returns the error; checks that no
  // output, not even a temporary one, is left.
  std::string convert_damaged(const std::string& damaged) {
    const std::string in = dir.file("damaged.h5"), out = dir.file("out.safetensors");
    write_bytes(in, damaged);
    const std::string message = error_of([&] { convert(in, out); });
    EXPECT_EQ(dir.entries(), std::vector<std::string>{"damaged.h5"});
    EXPECT_TRUE(mentions(message, {in})) << "the error names the file";
    return message;
  }
  std::string original = read_bytes(partial_h5());
  TempDir dir;
};

TEST_F(DamagedH5, TruncatedToHalf) {
  EXPECT_TRUE(mentions(convert_damaged(original.substr(0, original.size() / 2)), {"damaged HDF5", "truncated"}));
}

TEST_F(DamagedH5, TruncatedInsideTheMetadata) {
  EXPECT_TRUE(mentions(convert_damaged(original.substr(0, 3000)), {"damaged HDF5"}));
}

TEST_F(DamagedH5, NotHdf5) {
  EXPECT_TRUE(mentions(convert_damaged("this is a text file, not weights\n"), {"not an HDF5 file"}));
}

TEST_F(DamagedH5, Empty) { EXPECT_TRUE(mentions(convert_damaged(""), {"not an HDF5 file"})); }

TEST_F(DamagedH5, SignatureFlipped) {
  original[1] = char(original[1] ^ 0xff);
  EXPECT_TRUE(mentions(convert_damaged(original), {"not an HDF5 file"}));
}

TEST_F(DamagedH5, SuperblockFlipped) {
  for (size_t i = 8; i < 96; ++i) original[i] = char(original[i] ^ 0xff);
  EXPECT_TRUE(mentions(convert_damaged(original), {"damaged HDF5"}));
}

// A flipped byte in a stored layer name: the name is no VGG-19 layer (shown printable).
TEST_F(DamagedH5, LayerNameFlipped) {
  const size_t name = original.find("block2_conv1");
  ASSERT_NE(name, std::string::npos);
  original[name + 2] = char(original[name + 2] ^ 0xe0);
  EXPECT_TRUE(mentions(convert_damaged(original), {"unknown layer 'bl\\x8fck2_conv1'"}));
}

// A single flipped byte anywhere in the metadata before the first weights (offset 8192):
// the reader either refuses the file cleanly or, where the byte was unused, reads valid
// VGG-19 weights; it never crashes or allocates what a damaged size claims.
TEST_F(DamagedH5, AnyFlippedHeaderByteIsRefusedOrHarmless) {
  const std::string in = dir.file("flipped.h5");
  size_t refused = 0, read = 0;
  for (size_t offset = 3; offset < 8192; offset += 41) {
    std::string damaged = original;
    damaged[offset] = char(damaged[offset] ^ 0x5a);
    write_bytes(in, damaged);
    try {
      const vgg::WeightFile weights = nst::weights::read_keras_h5(in);
      EXPECT_EQ(weights.layers.size(), 8u) << "offset " << offset;
      ++read;
    } catch (const std::runtime_error& error) {
      EXPECT_TRUE(mentions(error.what(), {in})) << "offset " << offset;
      ++refused;
    }
  }
  EXPECT_GT(refused, 10u);  // the flips did reach structures that matter
  RecordProperty("refused", int(refused));
  RecordProperty("harmless", int(read));
}

TEST(KerasH5, MissingFile) {
  EXPECT_TRUE(mentions(error_of([] { nst::weights::read_keras_h5("/nonexistent/vgg19.h5"); }),
                       {"/nonexistent/vgg19.h5", "cannot open"}));
}

// ---------------------------------------------------------------------------- HDF5 files made to order

// What write_keras_file writes: Keras' layout, with the deviations a test asks for.
struct KerasLayout {
  // (Every member initialised: designated initialisers name only what a test changes.)
  std::vector<std::string> layers{};   // layer_names, in order
  bool with_layer_names = true;
  bool keras2 = false;                 // "<layer>/kernel:0" in a subgroup, variable-length names
  std::string without_weight_names{};  // a layer whose group lacks the attribute
  std::string without_group{};         // a listed layer with no group
  std::string weights_on{};            // a layer that is no convolution, given conv1_1-shaped weights
  std::map<std::string, std::vector<hsize_t>> kernel_dims{};  // instead of VGG-19's
  bool nan_in_kernel = false;
};

// Distinct, exactly representable values, so that a read can be checked value by value.
float pattern_value(size_t index) { return float(int(index % 101) - 50) / 64.0f; }

// An HDF5 identifier closed at the end of the scope.
struct Closing {
  hid_t id;
  herr_t (*close)(hid_t);
  ~Closing() { close(id); }
};

void write_names(hid_t object, const char* attribute, const std::vector<std::string>& names, bool variable) {
  Closing type{H5Tcopy(H5T_C_S1), H5Tclose};
  const hsize_t count = names.size();
  Closing space{H5Screate_simple(1, &count, nullptr), H5Sclose};
  if (variable) {
    H5Tset_size(type.id, H5T_VARIABLE);
    std::vector<const char*> pointers;
    for (const auto& name : names) pointers.push_back(name.c_str());
    Closing written{H5Acreate2(object, attribute, type.id, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
    H5Awrite(written.id, type.id, pointers.data());
    return;
  }
  size_t size = 1;
  for (const auto& name : names) size = std::max(size, name.size());
  H5Tset_size(type.id, size);
  H5Tset_strpad(type.id, H5T_STR_NULLPAD);  // as h5py writes numpy byte strings
  std::vector<char> buffer(size * names.size(), '\0');
  for (size_t i = 0; i < names.size(); ++i) std::memcpy(buffer.data() + i * size, names[i].data(), names[i].size());
  Closing written{H5Acreate2(object, attribute, type.id, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
  H5Awrite(written.id, type.id, buffer.data());
}

// Keras' marker for a layer without weights: an empty float64 array.
void write_no_weight_names(hid_t group) {
  const hsize_t zero = 0;
  Closing space{H5Screate_simple(1, &zero, nullptr), H5Sclose};
  Closing attribute{H5Acreate2(group, "weight_names", H5T_IEEE_F64LE, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
}

void write_dataset(hid_t group, const std::string& name, const std::vector<hsize_t>& dims, bool nan_first) {
  size_t count = 1;
  for (hsize_t extent : dims) count *= size_t(extent);
  std::vector<float> values(count);
  for (size_t i = 0; i < count; ++i) values[i] = pattern_value(i);
  if (nan_first) values[0] = std::nanf("");
  Closing links{H5Pcreate(H5P_LINK_CREATE), H5Pclose};
  H5Pset_create_intermediate_group(links.id, 1);  // Keras 2 nests "<layer>/kernel:0"
  Closing space{H5Screate_simple(int(dims.size()), dims.data(), nullptr), H5Sclose};
  Closing dataset{H5Dcreate2(group, name.c_str(), H5T_IEEE_F32LE, space.id, links.id, H5P_DEFAULT, H5P_DEFAULT),
                  H5Dclose};
  H5Dwrite(dataset.id, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
}

void write_layer(hid_t file, const std::string& layer, const KerasLayout& layout) {
  if (layer == layout.without_group) return;
  Closing group{H5Gcreate2(file, layer.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose};
  const auto conv = vgg::find_convolution(layer);
  const vgg::ConvSpec& spec = kConvolutions[conv.value_or(0)];
  if (layer == layout.without_weight_names) return;
  if (!conv && layer != layout.weights_on) return write_no_weight_names(group.id);
  const std::string kernel = layout.keras2 ? layer + "/kernel:0" : layer + "_W_1:0";
  const std::string bias = layout.keras2 ? layer + "/bias:0" : layer + "_b_1:0";
  write_names(group.id, "weight_names", {kernel, bias}, layout.keras2);
  const auto dims = layout.kernel_dims.find(layer);
  write_dataset(group.id, kernel,
                dims != layout.kernel_dims.end() ? dims->second : std::vector<hsize_t>{3, 3, spec.cin, spec.cout},
                layout.nan_in_kernel);
  write_dataset(group.id, bias, {spec.cout}, false);
}

void write_keras_file(const std::string& path, const KerasLayout& layout) {
  Closing file{H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose};
  if (layout.with_layer_names) write_names(file.id, "layer_names", layout.layers, layout.keras2);
  for (const std::string& layer : layout.layers) write_layer(file.id, layer, layout);
}

class MadeH5 : public ::testing::Test {
 protected:
  vgg::WeightFile read(const KerasLayout& layout) {
    write_keras_file(path, layout);
    return nst::weights::read_keras_h5(path);
  }
  std::string refusal(const KerasLayout& layout) {
    return error_of([&] { read(layout); });
  }
  TempDir dir;
  std::string path = dir.file("made.h5");
  std::vector<std::string> block1 = {"input_1", "block1_conv1", "block1_conv2", "block1_pool"};
};

TEST_F(MadeH5, ReadsKerasOneLayout) {
  const vgg::WeightFile weights = read({.layers = block1});
  ASSERT_EQ(names_of(weights), (std::vector<std::string>{"conv1_1", "conv1_2"}));
  const auto& kernel = weights.layers[1].kernel;
  ASSERT_EQ(kernel.hwio.size(), size_t{9} * 64 * 64);
  for (size_t i = 0; i < kernel.hwio.size(); i += 997) EXPECT_EQ(kernel.hwio[i], pattern_value(i));
  EXPECT_EQ(kernel.bias[63], pattern_value(63));
}

TEST_F(MadeH5, ReadsKerasTwoLayoutWithNestedWeights) {
  const vgg::WeightFile weights = read({.layers = block1, .keras2 = true});
  ASSERT_EQ(weights.layers.size(), 2u);
  EXPECT_EQ(weights.layers[0].kernel.hwio[1727], pattern_value(1727));
}

TEST_F(MadeH5, UnknownLayer) {
  EXPECT_TRUE(mentions(refusal({.layers = {"input_1", "block1_conv1", "fc1"}}), {path, "unknown layer 'fc1'"}));
}

TEST_F(MadeH5, ConvolutionVggLacks) {
  EXPECT_TRUE(mentions(refusal({.layers = {"block1_conv1", "block1_conv2", "block1_conv3"}}),
                       {"not VGG-19", "'block1_conv3'"}));
}

TEST_F(MadeH5, OtherChannelCounts) {
  EXPECT_TRUE(mentions(refusal({.layers = block1, .kernel_dims = {{"block1_conv2", {3, 3, 64, 32}}}}),
                       {"not VGG-19", "block1_conv2", "3×3×64×32", "3×3×64×64"}));
}

TEST_F(MadeH5, OtherKernelSize) {
  EXPECT_TRUE(mentions(refusal({.layers = block1, .kernel_dims = {{"block1_conv1", {5, 5, 3, 64}}}}),
                       {"not VGG-19", "5×5×3×64"}));
}

TEST_F(MadeH5, ConvolutionsOutOfOrder) {
  EXPECT_TRUE(mentions(refusal({.layers = {"input_1", "block1_conv2", "block1_conv1"}}),
                       {"order", "block1_conv2", "block1_conv1"}));
}

TEST_F(MadeH5, ConvolutionTwice) {
  EXPECT_TRUE(mentions(refusal({.layers = {"block1_conv1", "block1_conv1"}}), {"order", "twice"}));
}

TEST_F(MadeH5, NoConvolutions) {
  EXPECT_TRUE(mentions(refusal({.layers = {"input_1", "block1_pool"}}), {path, "no convolution"}));
}

TEST_F(MadeH5, MissingLayerNames) {
  EXPECT_TRUE(mentions(refusal({.layers = block1, .with_layer_names = false}), {path, "layer_names"}));
}

TEST_F(MadeH5, MissingWeightNames) {
  EXPECT_TRUE(mentions(refusal({.layers = block1, .without_weight_names = "block1_conv2"}),
                       {"block1_conv2", "no attribute 'weight_names'"}));
}

TEST_F(MadeH5, MissingGroup) {
  EXPECT_TRUE(mentions(refusal({.layers = block1, .without_group = "block1_conv1"}), {"block1_conv1", "no group"}));
}

TEST_F(MadeH5, PoolingLayerWithWeights) {
  EXPECT_TRUE(mentions(refusal({.layers = block1, .weights_on = "block1_pool"}), {"block1_pool", "has weights"}));
}

TEST_F(MadeH5, NonFiniteWeight) {
  EXPECT_TRUE(mentions(refusal({.layers = block1, .nan_in_kernel = true}), {"block1_conv1", "non-finite"}));
}

}  // namespace
}  // namespace nst::test
