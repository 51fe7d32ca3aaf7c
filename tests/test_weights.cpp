// The engine's weight file without a device: the safetensors container (with fp16
// narrowing and widening), write_weights and read_weights on hand-made files for every
// check the loader makes (and on a converted copy of the real partial file from
// ../shared), the default layers and the default weights path. The converter has its own
// test (test_weights_convert.cpp), and so has the fetch script (weights_fetch_test.py).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "support/weight_files.h"
#include "vgg/layers.h"
#include "vgg/safetensors.h"
#include "vgg/weights.h"

namespace nst::test {
namespace {

namespace fs = std::filesystem;
using vgg::kConvolutions;
using vgg::safetensors::DType;

// ---------------------------------------------------------------------------- helpers

// The first `count` convolutions by name only: all default_layers looks at.
vgg::WeightFile names_only(size_t count) {
  vgg::WeightFile weights;
  for (size_t i = 0; i < count; ++i) weights.layers.push_back({kConvolutions[i].name, {}});
  return weights;
}

// A WeightFile of the first `count` convolutions, zero-filled.
vgg::WeightFile zero_weights(size_t count) {
  vgg::WeightFile weights;
  for (size_t i = 0; i < count; ++i) {
    const vgg::ConvSpec& conv = kConvolutions[i];
    weights.layers.push_back({conv.name,
                              {conv.cin, conv.cout, std::vector<float>(size_t{9} * conv.cin * conv.cout, 0.0f),
                               std::vector<float>(conv.cout, 0.0f)}});
  }
  return weights;
}

// ---------------------------------------------------------------------------- fp16 conversion

TEST(Half, EveryHalfSurvivesWideningAndNarrowing) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    const auto half = uint16_t(bits);
    const float wide = vgg::half_to_float(half);
    if (std::isnan(wide)) {
      EXPECT_TRUE(std::isnan(vgg::half_to_float(vgg::float_to_half(wide)))) << bits;
    } else {
      ASSERT_EQ(vgg::float_to_half(wide), half) << bits;
    }
  }
}

TEST(Half, KnownValues) {
  EXPECT_EQ(vgg::half_to_float(0x3c00), 1.0f);
  EXPECT_EQ(vgg::half_to_float(0xc000), -2.0f);
  EXPECT_EQ(vgg::half_to_float(0x7bff), 65504.0f);
  EXPECT_EQ(vgg::half_to_float(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(vgg::half_to_float(0x7c00), INFINITY);
  EXPECT_EQ(vgg::float_to_half(1.0f + std::ldexp(1.0f, -11)), 0x3c00);      // tie: to even (down)
  EXPECT_EQ(vgg::float_to_half(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);  // tie: to even (up)
  EXPECT_EQ(vgg::float_to_half(65519.0f), 0x7bff);
  EXPECT_EQ(vgg::float_to_half(65520.0f), 0x7c00);  // halfway to 65536: rounds to infinity
  EXPECT_EQ(vgg::float_to_half(-1e10f), 0xfc00);
  EXPECT_EQ(vgg::float_to_half(std::ldexp(1.0f, -25)), 0x0000);  // tie between 0 and the smallest: even
  EXPECT_EQ(vgg::float_to_half(std::nextafter(std::ldexp(1.0f, -25), 1.0f)), 0x0001);
  EXPECT_EQ(vgg::float_to_half(std::ldexp(3.0f, -25)), 0x0002);  // tie between 1 and 2 steps: even
  EXPECT_EQ(vgg::float_to_half(std::ldexp(1023.5f, -24)), 0x0400);  // rounds up into the normals
  EXPECT_EQ(vgg::float_to_half(-0.0f), 0x8000);
  EXPECT_EQ(vgg::float_to_half(1e-45f), 0x0000);
}

// Random floats across the half range: the result is the nearest half, ties to even.
TEST(Half, NarrowingRoundsToNearestEven) {
  std::mt19937 random(7);
  std::uniform_real_distribution<float> exponent(-26.0f, 15.9f);  // below 65504
  for (int i = 0; i < 200000; ++i) {
    const float value = std::exp2(exponent(random)) * (random() & 1 ? 1.0f : -1.0f);
    const uint16_t half = vgg::float_to_half(value);
    const double error = std::abs(double(vgg::half_to_float(half)) - value);
    for (int step : {-1, 1}) {
      const auto neighbour = uint16_t(half + step);
      if ((neighbour & 0x7c00) == 0x7c00 || (neighbour ^ half) & 0x8000) continue;  // beyond the finite halves
      const double other = std::abs(double(vgg::half_to_float(neighbour)) - value);
      ASSERT_TRUE(error < other || (error == other && (half & 1) == 0)) << value;
    }
  }
}

// ---------------------------------------------------------------------------- safetensors container

// The bytes of a safetensors file: the header's length (or `length` if given), then
// `header` and `data`.
std::string container(const std::string& header, const std::string& data,
                      std::optional<uint64_t> length = std::nullopt) {
  const uint64_t size = length.value_or(header.size());
  std::string bytes(8, '\0');
  std::memcpy(bytes.data(), &size, 8);
  return bytes + header + data;
}

class SafetensorsFile : public ::testing::Test {
 protected:
  // The error reading `bytes` gives; it names the file.
  std::string refusal(const std::string& bytes) {
    write_bytes(path, bytes);
    const std::string message = error_of([&] { vgg::safetensors::Reader reader(path); });
    EXPECT_TRUE(mentions(message, {path}));
    return message;
  }
  TempDir dir;
  std::string path = dir.file("t.safetensors");
  std::string two_floats = std::string(8, '\x11');
};

TEST_F(SafetensorsFile, ReadsWhatItWrites) {
  const std::vector<float> a{1.5f, -2.0f, 3.25f};
  const std::vector<uint16_t> b{vgg::float_to_half(0.5f), vgg::float_to_half(-4.0f)};
  vgg::safetensors::write(path,
                          {{"a", DType::f32, {3}, std::as_bytes(std::span(a))},
                           {"b", DType::f16, {1, 2}, std::as_bytes(std::span(b))}},
                          {{"key", "value"}});
  const vgg::safetensors::Reader reader(path);
  EXPECT_EQ(reader.metadata(), (vgg::safetensors::Metadata{{"key", "value"}}));
  ASSERT_EQ(reader.tensors().size(), 2u);
  ASSERT_NE(reader.find("a"), nullptr);
  EXPECT_EQ(reader.find("a")->to_floats(), a);
  EXPECT_EQ(reader.find("b")->shape, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(reader.find("b")->to_floats(), (std::vector<float>{0.5f, -4.0f}));
  EXPECT_EQ(reader.find("c"), nullptr);
}

TEST_F(SafetensorsFile, AcceptsAHandMadeFile) {
  write_bytes(path, container(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", two_floats));
  EXPECT_EQ(vgg::safetensors::Reader(path).tensors().size(), 1u);
}

TEST_F(SafetensorsFile, Empty) { EXPECT_TRUE(mentions(refusal(""), {"0 bytes", "too short"})); }

TEST_F(SafetensorsFile, ShorterThanTheHeaderLength) {
  EXPECT_TRUE(mentions(refusal(std::string("\x10\0\0", 3)), {"3 bytes", "too short"}));
}

TEST_F(SafetensorsFile, HeaderLengthBeyondTheFile) {
  EXPECT_TRUE(mentions(refusal(container("{}", "", 3)), {"header length 3", "beyond the file's 10 bytes"}));
  EXPECT_TRUE(mentions(refusal(container("{}", "", uint64_t{1} << 63)), {"beyond the file"}));
}

TEST_F(SafetensorsFile, MalformedJson) {
  EXPECT_TRUE(mentions(refusal(container(R"({"x": {"dtype": "F32",)", "")), {"malformed JSON header"}));
  EXPECT_TRUE(mentions(refusal(container("\xff\xfe", "")), {"malformed JSON header"}));
}

TEST_F(SafetensorsFile, HeaderNotAnObject) {
  EXPECT_TRUE(mentions(refusal(container("[1, 2]", "")), {"not an object"}));
}

TEST_F(SafetensorsFile, UnknownDtype) {
  EXPECT_TRUE(mentions(refusal(container(R"({"x":{"dtype":"BF16","shape":[4],"data_offsets":[0,8]}})", two_floats)),
                       {"'x'", "\"BF16\"", "only F32 and F16"}));
}

TEST_F(SafetensorsFile, MissingOrMistypedFields) {
  EXPECT_TRUE(mentions(refusal(container(R"({"x":{"shape":[2],"data_offsets":[0,8]}})", two_floats)), {"no dtype"}));
  EXPECT_TRUE(mentions(refusal(container(R"({"x":{"dtype":"F32","data_offsets":[0,8]}})", two_floats)),
                       {"no shape array"}));
  EXPECT_TRUE(mentions(refusal(container(R"({"x":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", two_floats)),
                       {"shape [-2]", "not a whole number"}));
  EXPECT_TRUE(mentions(refusal(container(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", two_floats)),
                       {"[begin, end]"}));
  EXPECT_TRUE(mentions(refusal(container(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"y":1}})", two_floats)),
                       {"unexpected field 'y'"}));
  EXPECT_TRUE(mentions(refusal(container(R"({"x":[]})", "")), {"'x'", "not an object"}));
}

TEST_F(SafetensorsFile, ShapeDisagreesWithByteSize) {
  EXPECT_TRUE(mentions(refusal(container(R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", two_floats)),
                       {"'x'", "hold 8 bytes", "shape [3] of F32 needs 12"}));
  EXPECT_TRUE(mentions(refusal(container(R"({"x":{"dtype":"F32","shape":[4294967296,4294967296],)"
                                         R"("data_offsets":[0,8]}})",
                                         two_floats)),
                       {"more than 2^64"}));
}

TEST_F(SafetensorsFile, OffsetsBeyondTheData) {
  EXPECT_TRUE(mentions(refusal(container(R"({"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", two_floats)),
                       {"[0,16]", "beyond the 8 data bytes"}));
}

TEST_F(SafetensorsFile, OffsetsReversed) {
  EXPECT_TRUE(mentions(refusal(container(R"({"x":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", two_floats)),
                       {"end before they begin"}));
}

TEST_F(SafetensorsFile, OffsetsOverlap) {
  EXPECT_TRUE(mentions(refusal(container(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                         R"("y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                                         two_floats)),
                       {"'x' and 'y' overlap"}));
}

TEST_F(SafetensorsFile, OffsetsLeaveAGap) {
  EXPECT_TRUE(mentions(refusal(container(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", two_floats)),
                       {"data bytes 0..4 belong to no tensor"}));
}

TEST_F(SafetensorsFile, TrailingGarbage) {
  EXPECT_TRUE(mentions(refusal(container(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                                         two_floats + "junk")),
                       {"4 bytes of trailing data"}));
}

TEST_F(SafetensorsFile, MetadataNotStrings) {
  EXPECT_TRUE(mentions(refusal(container(R"({"__metadata__":{"layers":3}})", "")), {"__metadata__", "'layers'"}));
  EXPECT_TRUE(mentions(refusal(container(R"({"__metadata__":"x"})", "")), {"__metadata__"}));
}

TEST_F(SafetensorsFile, MissingFileOrFolder) {
  EXPECT_TRUE(mentions(error_of([&] { vgg::safetensors::Reader reader(dir.file("absent")); }),
                       {"absent", "cannot open"}));
  fs::create_directory(dir.file("folder"));
  EXPECT_TRUE(mentions(error_of([&] { vgg::safetensors::Reader reader(dir.file("folder")); }),
                       {"folder", "not a regular file"}));
}

// ---------------------------------------------------------------------------- the engine's weight file

// A container holding zero-filled tensors of the given shapes.
struct TensorSpec {
  std::string name;
  std::vector<uint64_t> shape;
  DType dtype = DType::f32;
};

void write_container(const std::string& path, const std::vector<TensorSpec>& specs,
                     const vgg::safetensors::Metadata& metadata) {
  std::vector<std::vector<std::byte>> storage;
  storage.reserve(specs.size());
  std::vector<vgg::safetensors::TensorToWrite> tensors;
  for (const TensorSpec& spec : specs) {
    size_t bytes = vgg::safetensors::dtype_bytes(spec.dtype);
    for (uint64_t extent : spec.shape) bytes *= size_t(extent);
    tensors.push_back({spec.name, spec.dtype, spec.shape, storage.emplace_back(bytes)});
  }
  vgg::safetensors::write(path, tensors, metadata);
}

class WeightFileRead : public ::testing::Test {
 protected:
  std::string refusal(const std::vector<TensorSpec>& specs, const vgg::safetensors::Metadata& metadata) {
    write_container(path, specs, metadata);
    const std::string message = error_of([&] { vgg::read_weights(path); });
    EXPECT_TRUE(mentions(message, {path}));
    return message;
  }
  TempDir dir;
  std::string path = dir.file("w.safetensors");
  vgg::safetensors::Metadata metadata{{"format", "nst-vgg19"}, {"layers", "conv1_1"}};
  std::vector<TensorSpec> conv1_1{{"conv1_1.weight", {3, 3, 3, 64}}, {"conv1_1.bias", {64}}};
};

TEST_F(WeightFileRead, AcceptsOneLayer) {
  write_container(path, conv1_1, metadata);
  const vgg::WeightFile weights = vgg::read_weights(path);
  ASSERT_EQ(names_of(weights), std::vector<std::string>{"conv1_1"});
  EXPECT_EQ(weights.layers[0].kernel.hwio.size(), 1728u);
}

TEST_F(WeightFileRead, NotAnNstFile) {
  EXPECT_TRUE(mentions(refusal(conv1_1, {{"layers", "conv1_1"}}), {"not an nst-vgg19 weight file", "missing"}));
  EXPECT_TRUE(mentions(refusal(conv1_1, {{"format", "pt"}, {"layers", "conv1_1"}}), {"'pt'"}));
  EXPECT_TRUE(mentions(refusal(conv1_1, {{"format", "nst-vgg19"}}), {"\"layers\" is missing"}));
}

TEST_F(WeightFileRead, LayersNotAPrefixOfVgg) {
  EXPECT_TRUE(mentions(refusal(conv1_1, {{"format", "nst-vgg19"}, {"layers", "conv1_2"}}),
                       {"not a prefix of VGG-19", "'conv1_2'", "conv1_1"}));
  EXPECT_TRUE(mentions(refusal(conv1_1, {{"format", "nst-vgg19"}, {"layers", ""}}), {"not a prefix"}));
}

TEST_F(WeightFileRead, MissingTensor) {
  EXPECT_TRUE(mentions(refusal({conv1_1[0]}, metadata), {"'conv1_1.bias' is missing"}));
}

TEST_F(WeightFileRead, UnknownTensor) {
  auto specs = conv1_1;
  specs.push_back({"conv1_2.weight", {3, 3, 64, 64}});
  EXPECT_TRUE(mentions(refusal(specs, metadata), {"unknown tensor 'conv1_2.weight'"}));
}

TEST_F(WeightFileRead, WrongShape) {
  EXPECT_TRUE(mentions(refusal({{"conv1_1.weight", {3, 3, 3, 32}}, conv1_1[1]}, metadata),
                       {"'conv1_1.weight' has shape [3,3,3,32]", "needs [3,3,3,64]"}));
}

TEST_F(WeightFileRead, MixedPrecision) {
  EXPECT_TRUE(mentions(refusal({conv1_1[0], {"conv1_1.bias", {64}, DType::f16}}, metadata), {"mixes F32 and F16"}));
}

TEST_F(WeightFileRead, TruncatedConvertedFile) {
  vgg::write_weights(path, partial_weights(), vgg::Precision::fp16);
  const std::string bytes = read_bytes(path);
  write_bytes(path, bytes.substr(0, bytes.size() / 2));
  EXPECT_TRUE(mentions(error_of([&] { vgg::read_weights(path); }), {path, "beyond the", "truncated"}));
}

TEST_F(WeightFileRead, NonFiniteValuesInEitherPrecision) {
  // NaN or Inf in a weight made every loss NaN and Adam write a black image, exit 0.
  const std::pair<vgg::Precision, std::string> cases[] = {{vgg::Precision::fp32, std::string("\x00\x00\xc0\x7f", 4)},
                                                          {vgg::Precision::fp16, std::string("\x00\x7c", 2)}};
  for (const auto& [precision, non_finite] : cases) {
    vgg::write_weights(path, zero_weights(1), precision);
    std::string bytes = read_bytes(path);
    bytes.replace(bytes.size() - non_finite.size(), non_finite.size(), non_finite);  // the last value stored
    write_bytes(path, bytes);
    EXPECT_TRUE(mentions(error_of([&] { vgg::read_weights(path); }), {path, "must be finite"}))
        << vgg::precision_name(precision);
  }
}

// ---------------------------------------------------------------------------- writing

TEST(WriteWeights, RefusesNonFiniteValues) {
  TempDir dir;
  const std::string out = dir.file("w.safetensors");
  vgg::WeightFile weights = zero_weights(2);
  weights.layers[1].kernel.hwio[7] = std::numeric_limits<float>::infinity();
  EXPECT_TRUE(mentions(error_of([&] { vgg::write_weights(out, weights, vgg::Precision::fp32); }),
                       {out, "conv1_2.weight", "index 7", "must be finite"}));
  EXPECT_TRUE(dir.entries().empty());
}

TEST(WriteWeights, RefusesWeightsThatAreNotVgg) {
  TempDir dir;
  const std::string out = dir.file("w.safetensors");
  vgg::WeightFile weights = zero_weights(2);
  weights.layers[1].kernel.bias.pop_back();
  EXPECT_TRUE(mentions(error_of([&] { vgg::write_weights(out, weights, vgg::Precision::fp32); }),
                       {out, "conv1_2", "3×3×64×64"}));
  weights = zero_weights(2);
  std::swap(weights.layers[0], weights.layers[1]);
  EXPECT_TRUE(mentions(error_of([&] { vgg::write_weights(out, weights, vgg::Precision::fp32); }),
                       {"not a prefix"}));
  EXPECT_TRUE(mentions(error_of([&] { vgg::write_weights(out, vgg::WeightFile{}, vgg::Precision::fp32); }),
                       {"no layers"}));
  EXPECT_TRUE(dir.entries().empty());
}

TEST(WriteWeights, FailureLeavesNoFileAndKeepsTheOldOne) {
  TempDir dir;
  const std::string old_file = dir.file("old.safetensors");
  vgg::write_weights(old_file, zero_weights(1), vgg::Precision::fp16);
  const std::string old_bytes = read_bytes(old_file);
  vgg::WeightFile bad = zero_weights(1);
  bad.layers[0].kernel.hwio.resize(5);
  EXPECT_TRUE(mentions(error_of([&] { vgg::write_weights(old_file, bad, vgg::Precision::fp32); }), {"conv1_1"}));
  EXPECT_EQ(read_bytes(old_file), old_bytes);
  fs::remove(old_file);

  EXPECT_TRUE(mentions(error_of([&] { vgg::write_weights(dir.file("absent/w.safetensors"), zero_weights(1),
                                                         vgg::Precision::fp32); }),
                       {"absent/w.safetensors.partial", "cannot create"}));
  // Renaming onto a folder fails after the temporary was written: it is removed again.
  fs::create_directories(dir.file("taken/inside"));
  EXPECT_TRUE(mentions(error_of([&] { vgg::write_weights(dir.file("taken"), zero_weights(1), vgg::Precision::fp32); }),
                       {"cannot rename"}));
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"taken"});
}

// ---------------------------------------------------------------------------- defaults

TEST(DefaultLayers, FollowGatysCutToWhatIsPresent) {
  const auto full = vgg::default_layers(names_only(16));
  EXPECT_EQ(full.content, std::vector<std::string>{"relu4_2"});
  EXPECT_EQ(full.style, (std::vector<std::string>{"relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"}));
  EXPECT_FALSE(names_only(16).partial());

  const auto through_conv4_1 = vgg::default_layers(names_only(9));
  EXPECT_EQ(through_conv4_1.content, std::vector<std::string>{"relu3_2"});  // block 4 has no second ReLU yet
  EXPECT_EQ(through_conv4_1.style, (std::vector<std::string>{"relu1_1", "relu2_1", "relu3_1", "relu4_1"}));
  EXPECT_EQ(vgg::default_layers(names_only(15)).content, std::vector<std::string>{"relu5_2"});
  EXPECT_EQ(vgg::default_layers(names_only(2)).content, std::vector<std::string>{"relu1_2"});

  const auto one = vgg::default_layers(names_only(1));
  EXPECT_EQ(one.content, std::vector<std::string>{"relu1_1"});
  EXPECT_EQ(one.style, std::vector<std::string>{"relu1_1"});
  EXPECT_TRUE(vgg::default_layers(names_only(0)).content.empty());
}

// Sets (or with nullopt unsets) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    value ? ::setenv(name, value->c_str(), 1) : ::unsetenv(name);
  }
  ~ScopedEnv() { old_ ? ::setenv(name_, old_->c_str(), 1) : ::unsetenv(name_); }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(DefaultWeightsPath, FollowsNstWeightsThenXdg) {
  ScopedEnv home("HOME", "/home/someone");
  {
    ScopedEnv weights("NST_WEIGHTS", "/opt/w.safetensors");
    ScopedEnv xdg("XDG_DATA_HOME", "/data");
    EXPECT_EQ(vgg::default_weights_path(), "/opt/w.safetensors");
  }
  ScopedEnv no_weights("NST_WEIGHTS", std::nullopt);
  {
    ScopedEnv xdg("XDG_DATA_HOME", "/data");
    EXPECT_EQ(vgg::default_weights_path(), "/data/neural-style-transfer/vgg19.safetensors");
  }
  {
    ScopedEnv xdg("XDG_DATA_HOME", "relative/ignored");  // the XDG rule: only absolute paths count
    EXPECT_EQ(vgg::default_weights_path(), "/home/someone/.local/share/neural-style-transfer/vgg19.safetensors");
  }
  ScopedEnv no_xdg("XDG_DATA_HOME", std::nullopt);
  EXPECT_EQ(vgg::default_weights_path(), "/home/someone/.local/share/neural-style-transfer/vgg19.safetensors");
}

}  // namespace
}  // namespace nst::test
