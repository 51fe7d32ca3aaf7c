// The record on the result layer (plugin/core/record.h): its fields, the settings read
// back from it, and the weight file's hash.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "plugin/core/record.h"

namespace nst::plugin {
namespace {

JobResult finished_run() {
  JobResult result;
  result.optimised = {160, 120};
  result.steps = 12;
  result.seconds = 3.5;
  result.device = "llvmpipe (LLVM 15.0.6, 256 bits)";
  result.weights_path = "/home/u/.local/share/neural-style-transfer/vgg19.safetensors";
  result.weights_sha256 = std::string(64, 'a');
  return result;
}

TEST(Record, HoldsHowTheLayerWasMadeAndTheSettings) {
  Settings settings;
  settings.strength = 37.5;
  settings.steps = 12;
  settings.seed = 4242;
  settings.optimizer = "adam";
  settings.style_layers = "relu1_1,relu2_1:0.5";
  const std::string record = layer_record(settings, {"Starry night"}, finished_run());
  const auto fields = name_values(record);
  EXPECT_EQ(fields.at("made-by"), std::string("neural-style-transfer ") + NST_VERSION);
  EXPECT_EQ(fields.at("style-layer"), "Starry night");
  EXPECT_EQ(fields.at("ran-on"), "llvmpipe (LLVM 15.0.6, 256 bits)");
  EXPECT_EQ(fields.at("weights"), "/home/u/.local/share/neural-style-transfer/vgg19.safetensors");
  EXPECT_EQ(fields.at("weights-sha256"), std::string(64, 'a'));
  EXPECT_EQ(fields.at("optimised-size"), "160×120");
  EXPECT_EQ(fields.at("steps-run"), "12");
  EXPECT_EQ(fields.at("seed"), "4242");
  EXPECT_EQ(fields.at("style-layers"), "relu1_1,relu2_1:0.5");
  const Settings back = parse(record);
  EXPECT_EQ(serialise(back), serialise(settings)) << "the settings read back from the record";
}

TEST(Record, NamesEachBlendedStyleLayerBySlotWithTheWeights) {
  Settings settings;
  settings.style_weight_3 = 0.25;
  const std::string record = layer_record(settings, {"Starry", "", "Scream"}, finished_run());
  const auto fields = name_values(record);
  EXPECT_EQ(fields.at("style-layer"), "Starry");
  EXPECT_EQ(fields.count("style-layer-2"), 0u) << "not blended";
  EXPECT_EQ(fields.at("style-layer-3"), "Scream");
  EXPECT_EQ(fields.at("style-weight-3"), "0.25");
  EXPECT_EQ(parse(record).style_weight_3, 0.25);
}

TEST(Record, ALayerNameWithNewlinesStaysOneField) {
  const auto fields = name_values(layer_record(Settings(), {"two\nlines\r"}, finished_run()));
  EXPECT_EQ(fields.at("style-layer"), "two lines ");
  EXPECT_EQ(fields.count("lines"), 0u);
}

TEST(Record, FieldsIgnoreLinesWithoutAName) {
  const auto fields = name_values("a=1\n=2\nno equals\nb=x=y\n");
  EXPECT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields.at("b"), "x=y");
}

TEST(Record, Sha256OfAFile) {
  const auto path = std::filesystem::temp_directory_path() / ("nst-record-" + std::to_string(::getpid()));
  std::ofstream(path) << "abc";
  EXPECT_EQ(file_sha256(path.string()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::filesystem::remove(path);
  EXPECT_EQ(file_sha256(path.string()), "") << "an unreadable file has no hash";
}

}  // namespace
}  // namespace nst::plugin
