// plugin/core/filter: the filter's rules, on a host that records what it is asked to do,
// and the result layer's name.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "plugin/core/filter.h"
#include "plugin/core/job.h"
#include "plugin/core/record.h"
#include "plugin/core/settings.h"
#include "plugin_core/plugin_core_test.h"
#include "support/kernel_test.h"

namespace nst::plugin {
namespace {

using test_support::contains;
using test_support::job_input;
using test_support::PluginEnvironment;
using test_support::WeightsAt;

TEST(Names, ResultLayer) {
  EXPECT_EQ(result_layer_name({"starry_night.jpg"}), "starry_night.jpg (style transfer)");
  EXPECT_EQ(result_layer_name({"starry", "", "scream"}), "starry + scream (style transfer)");
  EXPECT_EQ(result_layer_name({"a", "b", "c"}), "a + b + c (style transfer)");
}

// One style layer, none blended with it.
StyleLayers only(ItemId style) { return {style, kNoLayer, kNoLayer}; }

class FakeHost : public Host {
 public:
  // An image holding `layers` (top-most first), one of which is the content.
  FakeHost(std::vector<ItemId> layers, ItemId content) : layers_(std::move(layers)), content_(content) {}

  bool indexed = false;
  bool selection = false;
  bool fail_to_write = false;
  std::set<ItemId> groups;
  std::vector<ItemId> other_images_layers;
  std::map<ItemId, Image> pixels;
  std::map<ItemId, std::string> records;
  std::vector<std::string> calls;  // what the filter did, in order
  std::vector<std::pair<double, std::string>> reported;

  bool image_is_indexed() const override { return indexed; }
  bool is_layer(ItemId item) const override { return exists(item); }
  bool is_drawable(ItemId item) const override { return exists(item); }
  bool is_group(ItemId item) const override { return groups.count(item) > 0; }
  ItemId content() const override { return content_; }
  std::vector<ItemId> layers_of_image() const override { return layers_; }
  std::vector<ItemId> layers_of_other_images() const override { return other_images_layers; }
  std::string name(ItemId item) const override { return "layer " + std::to_string(item); }
  Image read(ItemId drawable) const override { return pixels.at(drawable); }
  Offsets offsets(ItemId drawable) const override { return {drawable, 2 * drawable}; }
  bool has_selection() const override { return selection; }
  std::optional<Region> selection_bounds() const override {
    return selection ? std::optional<Region>(Region{1, 1, 2, 2}) : std::nullopt;
  }

  void begin_undo_group() override { calls.push_back("begin undo"); }
  void end_undo_group() override { calls.push_back("end undo"); }
  ItemId new_layer(const std::string& name, uint32_t width, uint32_t height, bool alpha) override {
    calls.push_back("new " + name + " " + std::to_string(width) + "x" + std::to_string(height) + (alpha ? " alpha" : ""));
    return 99;
  }
  void insert_above_content(ItemId layer) override { calls.push_back("insert " + std::to_string(layer)); }
  void set_offsets(ItemId layer, Offsets o) override {
    calls.push_back("offsets " + std::to_string(layer) + " " + std::to_string(o.x) + "," + std::to_string(o.y));
  }
  void write(ItemId layer, const Image& image) override {
    if (fail_to_write) throw PluginError("no pixels");
    calls.push_back("write " + std::to_string(layer));
    pixels[layer] = image;
  }
  void add_selection_mask(ItemId layer) override { calls.push_back("mask " + std::to_string(layer)); }
  void attach_record(ItemId layer, const std::string& text) override {
    calls.push_back("record " + std::to_string(layer));
    records[layer] = text;
  }
  void discard_layer(ItemId layer) override { calls.push_back("discard " + std::to_string(layer)); }
  void progress(double fraction, const std::string& text) override { reported.emplace_back(fraction, text); }

 private:
  bool exists(ItemId item) const {
    return std::find(layers_.begin(), layers_.end(), item) != layers_.end() ||
           std::find(other_images_layers.begin(), other_images_layers.end(), item) != other_images_layers.end();
  }
  std::vector<ItemId> layers_;
  ItemId content_;
};

std::string message_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const PluginError& e) {
    return e.what();
  }
  return "(no PluginError)";
}

TEST(Filter, CheckLayersExplainsEachRefusal) {
  FakeHost host({1, 2}, 2);
  EXPECT_NO_THROW(check_layers(host, only(1), Settings()));
  EXPECT_TRUE(contains(message_of([&] { check_layers(host, only(2), Settings()); }), "The style layer is the content layer"));
  EXPECT_TRUE(contains(message_of([&] { check_layers(host, only(7), Settings()); }), "does not exist"));
  host.indexed = true;
  EXPECT_TRUE(contains(message_of([&] { check_layers(host, only(1), Settings()); }), "Indexed images cannot be stylised"));
  FakeHost no_content({1}, 5);
  EXPECT_TRUE(contains(message_of([&] { check_layers(no_content, only(1), Settings()); }), "must be a layer"));
}

TEST(Filter, TheBlendTakesEachFurtherStyleLayerSetWithAWeightAboveZero) {
  Settings settings;
  EXPECT_EQ(blended_styles(only(4), settings), (std::vector<BlendedStyle>{{0, 4, 1.0}}));
  settings.style_weight_2 = 0.5;
  settings.style_weight_3 = 3;
  EXPECT_EQ(blended_styles({4, 5, 6}, settings), (std::vector<BlendedStyle>{{0, 4, 1.0}, {1, 5, 0.5}, {2, 6, 3.0}}));
  EXPECT_EQ(blended_styles({4, kNoLayer, 6}, settings), (std::vector<BlendedStyle>{{0, 4, 1.0}, {2, 6, 3.0}}));
  settings.style_weight_2 = 0;  // weighed out: left out, whatever the layer
  EXPECT_EQ(blended_styles({4, 42, kNoLayer}, settings), (std::vector<BlendedStyle>{{0, 4, 1.0}}));
}

TEST(Filter, CheckLayersNamesTheFurtherStyleLayerItRefuses) {
  FakeHost host({1, 2, 3}, 2);
  Settings settings;
  EXPECT_NO_THROW(check_layers(host, {1, 3, kNoLayer}, settings));
  EXPECT_TRUE(contains(message_of([&] { check_layers(host, {1, 7, kNoLayer}, settings); }),
                       "Style 2 (style-drawable-2) does not exist"));
  EXPECT_TRUE(contains(message_of([&] { check_layers(host, {1, 3, 2}, settings); }),
                       "Style 3 (style-drawable-3) is the content layer"));
  settings.style_weight_2 = 0;  // a layer weighed out is not looked at
  EXPECT_NO_THROW(check_layers(host, {1, 7, kNoLayer}, settings));
}

TEST(Filter, FurtherStylesAreKeptAsGivenInBatchAndWhileUsableInTheDialog) {
  FakeHost host({1, 2, 3}, 2);
  EXPECT_EQ(styles_for_run(host, true, {1, 7, 2}), (StyleLayers{1, 7, 2}));  // refused later, with a message
  EXPECT_EQ(styles_for_run(host, false, {1, 7, 2}), (StyleLayers{1, kNoLayer, kNoLayer}));  // gone; the content
  EXPECT_EQ(styles_for_run(host, false, {kNoLayer, 3, kNoLayer}), (StyleLayers{1, 3, kNoLayer}));
  EXPECT_EQ(styles_for_run(host, true, kNoStyleLayers), kNoStyleLayers);
}

TEST(Filter, DefaultStyleIsTheLastOneElseTheTopMostOtherLayerElseAnotherImages) {
  FakeHost host({1, 2, 3}, 1);
  host.other_images_layers = {8};
  EXPECT_EQ(default_style_layer(host, 3), 3);             // the last one, still there
  EXPECT_EQ(default_style_layer(host, 8), 8);             // even in another image
  EXPECT_EQ(default_style_layer(host, 1), 2);             // not the content: the top-most other
  EXPECT_EQ(default_style_layer(host, 42), 2);            // gone
  EXPECT_EQ(default_style_layer(host, std::nullopt), 2);  // none yet
  FakeHost alone({1}, 1);
  alone.other_images_layers = {8, 9};
  EXPECT_EQ(default_style_layer(alone, std::nullopt), 8);
  FakeHost nothing({1}, 1);
  EXPECT_EQ(default_style_layer(nothing, std::nullopt), std::nullopt);
}

TEST(Filter, ResultLayerGoesAboveTheContentAtItsOffsetsInOneUndoStep) {
  FakeHost host({1, 2}, 2);
  const Image result{4, 3, std::vector<float>(36, 0.5f), {}};
  EXPECT_EQ(add_result_layer(host, result, {"starry"}, "made-by=x"), 99);
  EXPECT_EQ(host.calls, (std::vector<std::string>{"begin undo", "new starry (style transfer) 4x3", "insert 99",
                                                  "offsets 99 2,4", "write 99", "record 99", "end undo"}));
  EXPECT_EQ(host.records.at(99), "made-by=x");
  FakeHost selected({1, 2}, 2);
  selected.selection = true;
  const Image with_alpha{4, 3, std::vector<float>(36, 0.5f), std::vector<float>(12, 0.25f)};
  add_result_layer(selected, with_alpha, {"starry"}, "made-by=x");
  EXPECT_EQ(selected.calls, (std::vector<std::string>{"begin undo", "new starry (style transfer) 4x3 alpha",
                                                      "insert 99", "offsets 99 2,4", "write 99", "mask 99",
                                                      "record 99", "end undo"}));
  EXPECT_EQ(selected.pixels.at(99).alpha, with_alpha.alpha);
}

TEST(Filter, GroupsAreNotProposedAsTheStyle) {
  FakeHost host({1, 2, 3}, 3);
  host.groups = {1};  // e.g. the group holding the content
  EXPECT_EQ(default_style_layer(host, std::nullopt), 2);
}

TEST(Filter, NonInteractiveCallsKeepTheirStyleOthersGetOneProposed) {
  FakeHost host({1, 2}, 2);
  EXPECT_EQ(style_for_run(host, true, std::nullopt), std::nullopt);
  EXPECT_EQ(style_for_run(host, true, 2), 2);  // refused later, with its message
  EXPECT_EQ(style_for_run(host, false, std::nullopt), 1);  // last values without a style (GIMP 3)
  EXPECT_EQ(style_for_run(host, false, 2), 1);
}

TEST(Filter, AFailureWhileAddingTheLayerDiscardsIt) {
  FakeHost host({1, 2}, 2);
  host.fail_to_write = true;
  const Image result{4, 3, std::vector<float>(36, 0.5f), {}};
  EXPECT_THROW(add_result_layer(host, result, {"starry"}, "made-by=x"), PluginError);
  EXPECT_EQ(host.calls, (std::vector<std::string>{"begin undo", "new starry (style transfer) 4x3", "insert 99",
                                                  "offsets 99 2,4", "discard 99", "end undo"}));
}

TEST(Filter, DeviceChoicesStartWithAutomaticAndMapBackToTheSetting) {
  const DeviceChoices automatic = device_choices("");
  ASSERT_GE(automatic.labels.size(), 2u);  // lavapipe at least
  EXPECT_EQ(automatic.labels.front(), kAutomaticDevice);
  EXPECT_EQ(automatic.active, 0);
  EXPECT_TRUE(automatic.problem.empty());
  EXPECT_EQ(device_choices("0").active, 1);
  EXPECT_EQ(device_choices("99").active, 0);     // a device no longer there: Automatic
  EXPECT_EQ(device_choices("llvm").active, 0);   // a name part from a script: Automatic
  EXPECT_EQ(device_setting(0), "");
  EXPECT_EQ(device_setting(1), "0");
  EXPECT_EQ(device_setting(3), "2");
  EXPECT_EQ(dialog_problem(automatic), "");
  DeviceChoices none;
  none.problem = "No Vulkan device: install mesa-vulkan-drivers";
  EXPECT_EQ(dialog_problem(none), none.problem);
  {
    const WeightsAt at((PluginEnvironment::folder() / "missing.safetensors").string());
    EXPECT_TRUE(contains(dialog_problem(none), "No usable VGG-19 weights"));  // weights first
  }
}

TEST(Filter, NewSeedsStayInTheSeedsRange) {
  const Parameter& seed = parameter("seed");
  std::set<int> seen;
  for (int i = 0; i < 20; ++i) {
    const int value = random_seed();
    EXPECT_GE(value, seed.min);
    EXPECT_LE(value, seed.max);
    seen.insert(value);
  }
  EXPECT_GT(seen.size(), 1u);
}

class FilterRun : public test::KernelTest {};

TEST_F(FilterRun, RunsTheJobReportsProgressAndAddsTheResult) {
  FakeHost host({1, 2}, 2);
  const JobInput input = job_input(40, 30, 3, /*with_alpha=*/true);
  host.pixels[2] = input.content;
  host.pixels[1] = input.styles[0].image;
  EXPECT_EQ(run_filter(host, only(1), input.settings), 99);
  ASSERT_FALSE(host.reported.empty());
  EXPECT_EQ(host.reported.back().first, 1.0);
  EXPECT_TRUE(contains(host.reported.back().second, "Step 3 of 3")) << host.reported.back().second;
  EXPECT_EQ(host.calls.front(), "begin undo");
  EXPECT_EQ(host.calls[1], "new layer 1 (style transfer) 40x30 alpha");
  EXPECT_EQ(host.pixels.at(99).alpha, input.content.alpha);
  // The layer's record: how it was made, and the settings a script can run again.
  const auto fields = name_values(host.records.at(99));
  EXPECT_EQ(fields.at("style-layer"), "layer 1");
  EXPECT_EQ(fields.at("weights"), PluginEnvironment::weights_path());
  EXPECT_EQ(fields.at("weights-sha256"), file_sha256(PluginEnvironment::weights_path()));
  EXPECT_EQ(fields.at("weights-sha256").size(), 64u);
  EXPECT_EQ(fields.at("steps-run"), "3");
  EXPECT_FALSE(fields.at("ran-on").empty());
  EXPECT_EQ(serialise(parse(host.records.at(99))), serialise(input.settings));
}

TEST_F(FilterRun, RefusalsChangeNothing) {
  FakeHost host({1, 2}, 2);
  const JobInput input = job_input(40, 30, 3);
  host.pixels[2] = input.content;
  host.pixels[1] = input.styles[0].image;
  EXPECT_THROW(run_filter(host, only(2), input.settings), PluginError);  // the content as style
  Settings bad = input.settings;
  bad.steps = 0;
  EXPECT_THROW(run_filter(host, only(1), bad), PluginError);
  {
    const WeightsAt at((PluginEnvironment::folder() / "missing.safetensors").string());
    EXPECT_THROW(run_filter(host, only(1), input.settings), PluginError);
  }
  EXPECT_TRUE(host.calls.empty());
  EXPECT_TRUE(host.reported.empty());
}

TEST_F(FilterRun, ADeviceFailingMidRunChangesNothing) {
  // Through the environment, as a user's GIMP would meet it: the engine's error becomes the
  // plug-in's, and the image gets no new layer and no undo step.
  FakeHost host({1, 2}, 2);
  const JobInput input = job_input(40, 30, 3);
  host.pixels[2] = input.content;
  host.pixels[1] = input.styles[0].image;
  for (const char* fault : {"NST_FAIL_ALLOCATION", "NST_LOSE_DEVICE_AT_SUBMISSION"}) {
    SCOPED_TRACE(fault);
    ::setenv(fault, "12", 1);
    EXPECT_THROW(run_filter(host, only(1), input.settings), PluginError);
    ::unsetenv(fault);
    EXPECT_TRUE(host.calls.empty());
  }
  EXPECT_EQ(run_filter(host, only(1), input.settings), 99) << "the next run, without the fault, works";
}

}  // namespace
}  // namespace nst::plugin
