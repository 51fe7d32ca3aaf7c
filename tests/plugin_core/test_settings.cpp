// plugin/core, the host-free heart of the GIMP plug-in: the settings and their PDB
// parameter table, validation, last-values text, how the friendly controls map onto the
// engine, progress text, pixels in and out of GEGL buffers, and the job itself (on the
// calling thread and on a worker thread, with cancellation). The runs use a synthetic
// weight file (VGG-19's first two blocks, random weights) and tiny synthetic images.
#include <gegl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "plugin/core/filter.h"
#include "plugin/core/job.h"
#include "plugin/core/settings.h"
#include "support/kernel_test.h"
#include "vgg/layers.h"
#include "vgg/weights.h"

namespace nst::plugin {
namespace {

namespace fs = std::filesystem;

// conv1_1 … conv2_2 with random weights, as test_run builds them.
vgg::WeightFile synthetic_weights() {
  vgg::WeightFile file;
  for (size_t i = 0; i < 4; ++i) {
    const auto& spec = vgg::kConvolutions[i];
    const float bound = std::sqrt(6.0f / (9.0f * spec.cin));
    file.layers.push_back({spec.name,
                           {spec.cin, spec.cout,
                            test::random_values(size_t{9} * spec.cin * spec.cout, 80 + uint32_t(i), -bound, bound),
                            test::random_values(spec.cout, 90 + uint32_t(i), -0.1f, 0.1f)}});
  }
  return file;
}

// One GEGL session for the process (a second one is refused), and the synthetic weight
// file in a temporary folder, named by NST_WEIGHTS for the whole run.
class PluginEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    session_ = std::make_unique<cli::GeglSession>();
    folder_ = fs::temp_directory_path() / ("nst-test-plugin-core-" + std::to_string(getpid()));
    fs::create_directories(folder_);
    weights_path_ = (folder_ / "vgg19-partial.safetensors").string();
    vgg::write_weights(weights_path_, synthetic_weights(), vgg::Precision::fp32);
    setenv("NST_WEIGHTS", weights_path_.c_str(), 1);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(folder_, ignored);
    session_.reset();
  }
  static const std::string& weights_path() { return weights_path_; }
  static const fs::path& folder() { return folder_; }

 private:
  std::unique_ptr<cli::GeglSession> session_;
  static inline fs::path folder_;
  static inline std::string weights_path_;
};
[[maybe_unused]] const auto* const environment = ::testing::AddGlobalTestEnvironment(new PluginEnvironment);

// Points NST_WEIGHTS elsewhere for one test, and back when it ends.
class WeightsAt {
 public:
  explicit WeightsAt(const std::string& path) { setenv("NST_WEIGHTS", path.c_str(), 1); }
  ~WeightsAt() { setenv("NST_WEIGHTS", PluginEnvironment::weights_path().c_str(), 1); }
  WeightsAt(const WeightsAt&) = delete;
  WeightsAt& operator=(const WeightsAt&) = delete;
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The PluginError's message `f` throws; fails the test if it throws nothing or something else.
template <typename F>
std::string plugin_error(F&& f) {
  try {
    f();
  } catch (const PluginError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw something other than a PluginError: " << e.what();
    return {};
  }
  ADD_FAILURE() << "threw nothing";
  return {};
}

// ---------------------------------------------------------------------------------------
// Settings: the controls' mapping onto the engine.

TEST(Strength, EachQuarterOfTheSliderIsTenTimesTheStyle) {
  const std::pair<double, double> cases[] = {{0, 1e2}, {25, 1e3}, {50, 1e4}, {75, 1e5}, {100, 1e6}};
  for (const auto& [strength, beta] : cases) {
    EXPECT_NEAR(style_weight_for_strength(strength) / beta, 1.0, 1e-12) << "strength " << strength;
  }
}

TEST(RefineSteps, AQuarterOfTheStepsAtLeastTenButNeverMoreThanTheSteps) {
  EXPECT_EQ(refine_steps(200), 50u);
  EXPECT_EQ(refine_steps(4), 4u);
  EXPECT_EQ(refine_steps(20), 10u);
  EXPECT_EQ(refine_steps(40), 10u);
  EXPECT_EQ(refine_steps(41), 11u);  // ceil(41 / 4)
  EXPECT_EQ(refine_steps(1), 1u);
  EXPECT_EQ(refine_steps(10), 10u);
}

TEST(Parameters, TheTableIsWellFormed) {
  const auto& table = parameters();
  ASSERT_GT(table.size(), 1u);
  std::set<std::string> names;
  for (const auto& p : table) EXPECT_TRUE(names.insert(p.name).second) << "duplicate parameter " << p.name;

  const Parameter& first = table.front();
  EXPECT_STREQ(first.name, "style-drawable");
  EXPECT_EQ(first.kind, Kind::layer);
  EXPECT_EQ(first.get, nullptr);
  EXPECT_EQ(first.set, nullptr);

  const Settings defaults;
  for (size_t i = 1; i < table.size(); ++i) {
    const Parameter& p = table[i];
    SCOPED_TRACE(p.name);
    EXPECT_NE(p.kind, Kind::layer);
    ASSERT_NE(p.get, nullptr);
    ASSERT_NE(p.set, nullptr);
    EXPECT_NE(std::string(p.label), "");
    EXPECT_NE(std::string(p.help), "");
    const Value value = p.get(defaults);
    switch (p.kind) {
      case Kind::number:
      case Kind::integer:
      case Kind::boolean:
        EXPECT_LT(p.min, p.max);
        if (p.slider_max != 0) {
          EXPECT_GT(p.slider_max, p.min);
          EXPECT_LE(p.slider_max, p.max);
        }
        EXPECT_TRUE(std::holds_alternative<double>(value));
        break;
      case Kind::choice:
        EXPECT_FALSE(p.choices.empty());
        EXPECT_EQ(p.choice_labels.size(), p.choices.size()) << p.name;
        ASSERT_TRUE(std::holds_alternative<std::string>(value));
        EXPECT_NE(std::find(p.choices.begin(), p.choices.end(), std::get<std::string>(value)), p.choices.end())
            << "the default is not one of the choices";
        break;
      case Kind::text:
        EXPECT_TRUE(std::holds_alternative<std::string>(value));
        break;
      case Kind::layer:
        break;
    }
  }
  const Parameter& boolean = parameter("preserve-colors");
  EXPECT_EQ(boolean.kind, Kind::boolean);
  EXPECT_EQ(boolean.min, 0);
  EXPECT_EQ(boolean.max, 1);
}

TEST(Parameters, MnemonicsAreDistinctAndLeaveGimpsDialogButtonsTheirs) {
  std::set<char> taken = {'o', 'c', 'l', 's'};  // GIMP 3's OK, Cancel, Load and Save settings
  std::vector<std::string> labels = {kAdvancedLabel, kNewSeedLabel};
  for (const auto& p : parameters()) {
    labels.push_back(p.label);
    EXPECT_EQ(plain_label(p).find('_'), std::string::npos);
  }
  for (const std::string& label : labels) {
    const auto mark = label.find('_');
    ASSERT_NE(mark, std::string::npos) << label;
    ASSERT_LT(mark + 1, label.size()) << label;
    EXPECT_EQ(label.find('_', mark + 1), std::string::npos) << label;
    const char letter = static_cast<char>(std::tolower(static_cast<unsigned char>(label[mark + 1])));
    EXPECT_TRUE(taken.insert(letter).second) << label << ": '" << letter << "' is taken";
  }
}

TEST(Parameters, LookUpByName) {
  const Parameter& steps = parameter("steps");
  EXPECT_STREQ(steps.name, "steps");
  EXPECT_EQ(steps.kind, Kind::integer);
  Settings s;
  steps.set(s, 37.0);
  EXPECT_EQ(s.steps, 37);
  EXPECT_EQ(std::get<double>(steps.get(s)), 37.0);
  EXPECT_THROW(parameter("nope"), std::out_of_range);
}

TEST(Validate, TheDefaultsPass) { EXPECT_NO_THROW(validate(Settings{})); }

TEST(Validate, NumbersOutOfRangeNameTheirParameter) {
  struct Case {
    const char* name;
    void (*change)(Settings&);
  };
  const Case cases[] = {
      {"style-strength", [](Settings& s) { s.strength = 101; }},
      {"style-strength", [](Settings& s) { s.strength = -0.5; }},
      {"style-strength", [](Settings& s) { s.strength = NAN; }},
      {"steps", [](Settings& s) { s.steps = 0; }},
      {"working-size", [](Settings& s) { s.working_size = 63; }},
      {"style-scale", [](Settings& s) { s.style_scale = 0; }},
      {"scales", [](Settings& s) { s.scales = 6; }},
      {"seed", [](Settings& s) { s.seed = -1; }},
      {"tv-weight", [](Settings& s) { s.tv_weight = -1; }},
  };
  for (const auto& c : cases) {
    Settings s;
    c.change(s);
    const std::string message = plugin_error([&] { validate(s); });
    EXPECT_TRUE(contains(message, c.name)) << c.name << ": " << message;
  }
  // The ends of each range are allowed.
  Settings edges;
  edges.strength = 100;
  edges.steps = 1;
  edges.working_size = 64;
  edges.style_scale = 0.1;
  edges.scales = 5;
  edges.seed = 2147483647;
  EXPECT_NO_THROW(validate(edges));
}

TEST(Validate, UnknownChoicesNameTheAllowedValues) {
  {
    Settings s;
    s.optimizer = "sgd";
    const std::string message = plugin_error([&] { validate(s); });
    EXPECT_TRUE(contains(message, "optimizer") && contains(message, "lbfgs") && contains(message, "adam") &&
                contains(message, "sgd"))
        << message;
  }
  {
    Settings s;
    s.pooling = "min";
    const std::string message = plugin_error([&] { validate(s); });
    EXPECT_TRUE(contains(message, "pooling") && contains(message, "max") && contains(message, "avg")) << message;
  }
  {
    Settings s;
    s.init = "x";
    const std::string message = plugin_error([&] { validate(s); });
    EXPECT_TRUE(contains(message, "init") && contains(message, "content") && contains(message, "noise")) << message;
  }
}

TEST(Validate, MalformedStyleLayerWeightsAreRefused) {
  for (const char* layers : {"relu1_1:-1", "relu1_1:2,relu2_1", "relu1_1:abc"}) {
    Settings s;
    s.style_layers = layers;
    const std::string message = plugin_error([&] { validate(s); });
    EXPECT_TRUE(contains(message, "Style layers")) << layers << ": " << message;
  }
  Settings good;
  good.style_layers = "relu1_1:0.25,relu2_1";
  EXPECT_NO_THROW(validate(good));
}

Settings everything_changed() {
  Settings s;
  s.strength = 62.5;
  s.steps = 333;
  s.working_size = 768;
  s.preserve_colors = true;
  s.style_scale = 0.7;
  s.seed = 123456;
  s.init = "noise";
  s.content_layers = "relu3_2";
  s.style_layers = "relu1_1,relu2_1:0.5";
  s.optimizer = "adam";
  s.tv_weight = 0.125;
  s.pooling = "avg";
  s.scales = 3;
  s.device = "1";
  return s;
}

void expect_same(const Settings& a, const Settings& b) {
  EXPECT_EQ(a.strength, b.strength);
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(a.working_size, b.working_size);
  EXPECT_EQ(a.preserve_colors, b.preserve_colors);
  EXPECT_EQ(a.style_scale, b.style_scale);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.init, b.init);
  EXPECT_EQ(a.content_layers, b.content_layers);
  EXPECT_EQ(a.style_layers, b.style_layers);
  EXPECT_EQ(a.optimizer, b.optimizer);
  EXPECT_EQ(a.tv_weight, b.tv_weight);
  EXPECT_EQ(a.pooling, b.pooling);
  EXPECT_EQ(a.scales, b.scales);
  EXPECT_EQ(a.device, b.device);
}

TEST(LastValues, SerialiseAndParseRoundTripEveryField) {
  const Settings changed = everything_changed();
  ASSERT_NO_THROW(validate(changed));
  const std::string text = serialise(changed);
  // One line per setting.
  EXPECT_EQ(size_t(std::count(text.begin(), text.end(), '\n')), parameters().size() - 1);
  EXPECT_TRUE(contains(text, "style-strength=62.5\n")) << text;
  expect_same(parse(text), changed);
  // Every field differs from its default, so a field the text lost would show.
  const Settings defaults;
  const std::string default_text = serialise(defaults);
  for (const auto& p : parameters()) {
    if (!p.get) continue;
    EXPECT_NE(p.get(changed), p.get(defaults)) << p.name << " is not changed by the test";
  }
  expect_same(parse(default_text), defaults);
}

TEST(LastValues, ParseKeepsDefaultsForWhatItCannotUse) {
  const Settings parsed = parse(
      "unknown-setting=5\n"
      "no equals sign here\n"
      "steps=abc\n"
      "style-strength=\n"
      "scales=2x\n"
      "seed=4294967301\n"
      "working-size=1024\n"
      "style-drawable=7\n"
      "\n"
      "device=\n");
  const Settings defaults;
  EXPECT_EQ(parsed.steps, defaults.steps);
  EXPECT_EQ(parsed.strength, defaults.strength);
  EXPECT_EQ(parsed.scales, defaults.scales);  // trailing junk
  EXPECT_EQ(parsed.seed, defaults.seed);      // beyond the range (and an int)
  EXPECT_EQ(parsed.working_size, 1024);  // the good line still counts
  EXPECT_EQ(parsed.device, "");
  expect_same(parse(""), defaults);
}

// ---------------------------------------------------------------------------------------
// The engine's objective and options.

TEST(ObjectiveSpec, EmptyLayerListsTakeTheWeightFilesDefaults) {
  const vgg::WeightFile weights = synthetic_weights();
  const vgg::DefaultLayers defaults = vgg::default_layers(weights);
  ASSERT_EQ(defaults.content, std::vector<std::string>{"relu2_2"});
  Settings s;
  s.strength = 75;
  s.tv_weight = 2.5;
  const style::ObjectiveSpec spec = objective_spec(s, weights);
  EXPECT_EQ(spec.content_layers, defaults.content);
  ASSERT_EQ(spec.style_layers.size(), defaults.style.size());
  for (size_t i = 0; i < spec.style_layers.size(); ++i) {
    EXPECT_EQ(spec.style_layers[i].layer, defaults.style[i]);
    EXPECT_FLOAT_EQ(spec.style_layers[i].weight, 1.0f / float(defaults.style.size()));
  }
  EXPECT_EQ(spec.content_weight, 1.0f);
  EXPECT_FLOAT_EQ(spec.style_weight, float(style_weight_for_strength(75)));
  EXPECT_EQ(spec.style_weight_reference_pixels, kStyleWeightReferencePixels);
  EXPECT_EQ(spec.style_weight_reference_pixels, 65536.0);
  EXPECT_FLOAT_EQ(spec.tv_weight, 2.5f);
}

TEST(ObjectiveSpec, GivenLayerListsAreUsed) {
  const vgg::WeightFile weights = synthetic_weights();
  Settings s;
  s.content_layers = "relu1_2,relu2_1";
  s.style_layers = "relu1_1:0.25,relu2_1";
  const style::ObjectiveSpec spec = objective_spec(s, weights);
  EXPECT_EQ(spec.content_layers, (std::vector<std::string>{"relu1_2", "relu2_1"}));
  ASSERT_EQ(spec.style_layers.size(), 2u);
  EXPECT_EQ(spec.style_layers[0].layer, "relu1_1");
  EXPECT_FLOAT_EQ(spec.style_layers[0].weight, 0.25f);
  EXPECT_EQ(spec.style_layers[1].layer, "relu2_1");
  EXPECT_FLOAT_EQ(spec.style_layers[1].weight, 0.75f);
  EXPECT_FLOAT_EQ(spec.style_weight, 1e4f);  // the default strength, 50
}

TEST(RunOptions, MapTheSettingsOntoTheEngine) {
  Settings s;
  s.steps = 40;
  s.working_size = 100;
  s.scales = 2;
  s.optimizer = "adam";
  s.init = "noise";
  s.seed = 7;
  s.preserve_colors = true;
  const style::Size full{300, 200};
  const style::RunOptions run = run_options(s, full);
  EXPECT_EQ(run.steps, 40u);
  ASSERT_TRUE(run.refine_steps.has_value());
  EXPECT_EQ(*run.refine_steps, refine_steps(40));
  EXPECT_EQ(run.schedule, style::working_size_schedule(full, 100, 2));
  EXPECT_EQ(run.schedule.back(), full);
  EXPECT_GT(run.schedule.size(), 2u);  // two scales up to 100 px, then refined to 300
  EXPECT_TRUE(run.refine_within_memory);
  EXPECT_EQ(run.optimizer, style::OptimizerKind::adam);
  EXPECT_EQ(run.init, style::Init::noise);
  EXPECT_EQ(run.seed, 7u);
  EXPECT_TRUE(run.preserve_colors);

  const style::RunOptions defaults = run_options(Settings{}, full);
  EXPECT_EQ(defaults.optimizer, style::OptimizerKind::lbfgs);
  EXPECT_EQ(defaults.init, style::Init::content);
  EXPECT_FALSE(defaults.preserve_colors);
  EXPECT_EQ(defaults.schedule, (std::vector<style::Size>{full}));  // 512 px working size: no refinement
}

TEST(Pooling, FollowsTheSetting) {
  Settings s;
  EXPECT_EQ(pooling(s), vgg::Pooling::max);
  s.pooling = "avg";
  EXPECT_EQ(pooling(s), vgg::Pooling::average);
}

TEST(Names, ResultLayer) { EXPECT_EQ(result_layer_name("starry_night.jpg"), "starry_night.jpg (style transfer)"); }

TEST(ProgressText, StepsSizesAndTimeLeft) {
  style::Progress p;
  p.step = 37;
  p.steps = 260;
  p.scale = 2;
  p.scales = 3;
  p.remaining_s = 130;
  EXPECT_EQ(progress_text(p), "Step 37 of 260 (size 2 of 3), about 2 min 10 s left");
  p.scale = 1;
  p.scales = 1;
  p.remaining_s = 5;
  EXPECT_EQ(progress_text(p), "Step 37 of 260, about 5 s left");
  p.remaining_s = 60.4;
  EXPECT_EQ(progress_text(p), "Step 37 of 260, about 1 min 0 s left");
}

// ---------------------------------------------------------------------------------------
// Pixels in and out of GEGL buffers.

GeglBuffer* new_buffer(int width, int height, const char* format) {
  const GeglRectangle area{0, 0, width, height};
  return gegl_buffer_new(&area, babl_format(format));
}

struct BufferDeleter {
  void operator()(GeglBuffer* buffer) const { g_object_unref(buffer); }
};
using Buffer = std::unique_ptr<GeglBuffer, BufferDeleter>;

template <typename T>
void fill(GeglBuffer* buffer, const char* format, const std::vector<T>& values) {
  gegl_buffer_set(buffer, gegl_buffer_get_extent(buffer), 0, babl_format(format), values.data(), GEGL_AUTO_ROWSTRIDE);
}

TEST(Pixels, RgbaFloatRoundTripsValuesAndAlpha) {
  constexpr int w = 5, h = 3;
  const std::vector<float> rgba = test::random_values(size_t{w} * h * 4, 11, 0.05f, 0.95f);
  Buffer buffer(new_buffer(w, h, "R'G'B'A float"));
  fill(buffer.get(), "R'G'B'A float", rgba);
  const Image image = read_pixels(buffer.get());
  ASSERT_EQ(image.width, uint32_t(w));
  ASSERT_EQ(image.height, uint32_t(h));
  ASSERT_EQ(image.rgb.size(), size_t{w} * h * 3);
  ASSERT_EQ(image.alpha.size(), size_t{w} * h);
  for (size_t p = 0; p < size_t{w} * h; ++p) {
    for (size_t c = 0; c < 3; ++c) EXPECT_NEAR(image.rgb[3 * p + c], rgba[4 * p + c], 1e-6) << "pixel " << p;
    EXPECT_NEAR(image.alpha[p], rgba[4 * p + 3], 1e-6) << "pixel " << p;
  }

  // Written back into a fresh buffer of the same format, the same values.
  Buffer copy(new_buffer(w, h, "R'G'B'A float"));
  write_pixels(image, copy.get());
  std::vector<float> back(rgba.size());
  gegl_buffer_get(copy.get(), nullptr, 1.0, babl_format("R'G'B'A float"), back.data(), GEGL_AUTO_ROWSTRIDE,
                  GEGL_ABYSS_NONE);
  for (size_t i = 0; i < rgba.size(); ++i) EXPECT_NEAR(back[i], rgba[i], 1e-6) << "value " << i;
}

TEST(Pixels, BufferWithoutAlphaGivesNoAlpha) {
  constexpr int w = 4, h = 2;
  std::vector<uint8_t> rgb(size_t{w} * h * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = uint8_t(i * 9 + 3);
  Buffer buffer(new_buffer(w, h, "R'G'B' u8"));
  fill(buffer.get(), "R'G'B' u8", rgb);
  const Image image = read_pixels(buffer.get());
  EXPECT_TRUE(image.alpha.empty());
  ASSERT_EQ(image.rgb.size(), rgb.size());
  for (size_t i = 0; i < rgb.size(); ++i) EXPECT_NEAR(image.rgb[i], rgb[i] / 255.0f, 1e-6) << "value " << i;
}

TEST(Pixels, GreyBufferReadsAsEqualChannels) {
  constexpr int w = 3, h = 3;
  const std::vector<float> grey = test::random_values(size_t{w} * h, 12, 0.0f, 1.0f);
  Buffer buffer(new_buffer(w, h, "Y' float"));
  fill(buffer.get(), "Y' float", grey);
  const Image image = read_pixels(buffer.get());
  EXPECT_TRUE(image.alpha.empty());
  ASSERT_EQ(image.rgb.size(), grey.size() * 3);
  for (size_t p = 0; p < grey.size(); ++p) {
    for (size_t c = 0; c < 3; ++c) EXPECT_NEAR(image.rgb[3 * p + c], grey[p], 1e-5) << "pixel " << p;
  }
}

TEST(Pixels, SixteenBitBufferKeepsSixteenBitPrecision) {
  constexpr uint32_t w = 6, h = 4;
  Image image{w, h, test::random_values(size_t{w} * h * 3, 13, 0.0f, 1.0f),
              test::random_values(size_t{w} * h, 14, 0.2f, 1.0f)};
  Buffer buffer(new_buffer(int(w), int(h), "R'G'B'A u16"));
  write_pixels(image, buffer.get());
  const Image back = read_pixels(buffer.get());
  ASSERT_EQ(back.rgb.size(), image.rgb.size());
  ASSERT_EQ(back.alpha.size(), image.alpha.size());
  constexpr float tolerance = 1.0f / 65535;
  for (size_t i = 0; i < image.rgb.size(); ++i) EXPECT_NEAR(back.rgb[i], image.rgb[i], tolerance) << "value " << i;
  for (size_t i = 0; i < image.alpha.size(); ++i) EXPECT_NEAR(back.alpha[i], image.alpha[i], tolerance) << "alpha " << i;
}

TEST(Pixels, WithoutAlphaTheBuffersAlphaBecomesOpaque) {
  constexpr uint32_t w = 3, h = 2;
  Buffer buffer(new_buffer(int(w), int(h), "R'G'B'A float"));
  fill(buffer.get(), "R'G'B'A float", std::vector<float>(size_t{w} * h * 4, 0.25f));  // alpha 0.25 before
  const Image image{w, h, test::random_values(size_t{w} * h * 3, 15, 0.0f, 1.0f), {}};
  write_pixels(image, buffer.get());
  const Image back = read_pixels(buffer.get());
  ASSERT_EQ(back.alpha.size(), size_t{w} * h);
  for (float a : back.alpha) EXPECT_EQ(a, 1.0f);
  for (size_t i = 0; i < image.rgb.size(); ++i) EXPECT_NEAR(back.rgb[i], image.rgb[i], 1e-6);
}

TEST(Pixels, GreyBufferGetsTheLuminance) {
  // One pure green pixel and one white, with alpha.
  const Image image{2, 1, {0.0f, 1.0f, 0.0f, 1.0f, 1.0f, 1.0f}, {0.5f, 1.0f}};
  Buffer buffer(new_buffer(2, 1, "Y'A float"));
  write_pixels(image, buffer.get());
  std::vector<float> ya(4);
  gegl_buffer_get(buffer.get(), nullptr, 1.0, babl_format("Y'A float"), ya.data(), GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  // babl's own luminance of pure green (about 0.86: Y = 0.7152 in linear light, encoded).
  const float green[3] = {0.0f, 1.0f, 0.0f};
  float luminance = 0;
  babl_process(babl_fish(babl_format("R'G'B' float"), babl_format("Y' float")), green, &luminance, 1);
  EXPECT_GT(luminance, 0.8f);
  EXPECT_LT(luminance, 0.9f);
  EXPECT_NEAR(ya[0], luminance, 1e-5);
  EXPECT_NEAR(ya[1], 0.5f, 1e-6);
  EXPECT_NEAR(ya[2], 1.0f, 1e-5);
  EXPECT_NEAR(ya[3], 1.0f, 1e-6);
  // And read back: grey with the alpha.
  const Image back = read_pixels(buffer.get());
  ASSERT_EQ(back.alpha.size(), 2u);
  EXPECT_NEAR(back.rgb[0], luminance, 1e-5);
  EXPECT_NEAR(back.rgb[1], luminance, 1e-5);
  EXPECT_NEAR(back.rgb[2], luminance, 1e-5);
  EXPECT_NEAR(back.alpha[0], 0.5f, 1e-6);
}

// ---------------------------------------------------------------------------------------
// The job.

Image content_image(uint32_t w, uint32_t h, bool with_alpha) {
  Image image{w, h, {}, {}};
  for (uint32_t y = 0; y < h; ++y) {
    for (uint32_t x = 0; x < w; ++x) {
      image.rgb.insert(image.rgb.end(), {x / float(w), y / float(h), 0.5f});
      if (with_alpha) image.alpha.push_back((x + y) % 4 == 0 ? 0.0f : 0.25f + 0.75f * float(x) / float(w));
    }
  }
  return image;
}

Image style_image(uint32_t w, uint32_t h) {
  Image image{w, h, {}, {}};
  for (uint32_t y = 0; y < h; ++y) {
    for (uint32_t x = 0; x < w; ++x) {
      const float stripe = (x + y) % 6 < 3 ? 0.9f : 0.1f;
      image.rgb.insert(image.rgb.end(), {stripe, 0.2f, 1.0f - stripe});
    }
  }
  return image;
}

JobInput job_input(uint32_t width, uint32_t height, int steps, bool with_alpha = false) {
  JobInput input;
  input.content = content_image(width, height, with_alpha);
  input.style = style_image(30, 20);
  input.settings.steps = steps;
  input.settings.working_size = 64;  // the smallest allowed
  return input;
}

uint32_t expected_steps(const JobInput& input) {
  const style::RunOptions run = run_options(input.settings, {input.content.width, input.content.height});
  return run.steps + *run.refine_steps * uint32_t(run.schedule.size() - 1);
}

void expect_valid_result(const JobResult& result, const JobInput& input) {
  EXPECT_EQ(result.image.width, input.content.width);
  EXPECT_EQ(result.image.height, input.content.height);
  ASSERT_EQ(result.image.rgb.size(), size_t{input.content.width} * input.content.height * 3);
  for (float v : result.image.rgb) ASSERT_TRUE(v >= 0.0f && v <= 1.0f) << v;
  EXPECT_EQ(result.image.alpha, input.content.alpha);
  EXPECT_EQ(result.optimised, (style::Size{input.content.width, input.content.height}));
  EXPECT_EQ(result.steps, expected_steps(input));
  EXPECT_FALSE(result.device.empty());
  EXPECT_GT(result.seconds, 0.0);
}

class Job : public test::KernelTest {};

TEST_F(Job, WeightsProblemIsNothingWithGoodWeights) { EXPECT_EQ(weights_problem(), std::nullopt); }

TEST_F(Job, WeightsProblemNamesTheFileAndTheInstallCommand) {
  const std::string missing = (PluginEnvironment::folder() / "missing.safetensors").string();
  const WeightsAt at(missing);
  const std::optional<std::string> problem = weights_problem();
  ASSERT_TRUE(problem.has_value());
  EXPECT_TRUE(contains(*problem, missing)) << *problem;
  EXPECT_TRUE(contains(*problem, "nst-fetch-weights")) << *problem;
}

TEST_F(Job, DevicesAreListed) {
  const std::vector<std::string> devices = device_descriptions();
  ASSERT_FALSE(devices.empty());
  EXPECT_EQ(devices.front().rfind("0: ", 0), 0u) << devices.front();
}

TEST_F(Job, StylisesWithCoarseToFineScalesAndCarriesTheAlpha) {
  JobInput input = job_input(40, 30, 3, /*with_alpha=*/true);
  input.settings.scales = 2;  // 21×16, then 40×30
  ASSERT_EQ(run_options(input.settings, {40, 30}).schedule.size(), 2u);
  std::vector<style::Progress> seen;
  const JobResult result =
      stylise_layer(input, [&](const style::Progress& p) { seen.push_back(p); }, style::CancelToken());
  expect_valid_result(result, input);
  EXPECT_EQ(result.steps, 6u);  // 3, then refine_steps(3) = 3
  ASSERT_EQ(seen.size(), size_t{result.steps});
  EXPECT_EQ(seen.back().step, result.steps);
  EXPECT_EQ(seen.back().scale, 2u);
  EXPECT_EQ(seen.back().scales, 2u);
  // The result is not the content handed back.
  EXPECT_NE(result.image.rgb, input.content.rgb);
}

TEST_F(Job, RefinesFromTheWorkingSizeUpToTheFullSize) {
  const JobInput input = job_input(80, 60, 3);  // working size 64: 64×48, then 80×60
  ASSERT_EQ(run_options(input.settings, {80, 60}).schedule,
            (std::vector<style::Size>{{64, 48}, {80, 60}}));
  const JobResult result = stylise_layer(input, nullptr, style::CancelToken());
  expect_valid_result(result, input);
  EXPECT_TRUE(result.image.alpha.empty());
  EXPECT_EQ(result.steps, 6u);
}

TEST_F(Job, InvalidSettingsAreRefusedBeforeAnyWork) {
  JobInput input = job_input(40, 30, 3);
  input.settings.working_size = 20;
  const std::string message = plugin_error([&] { stylise_layer(input, nullptr, style::CancelToken()); });
  EXPECT_TRUE(contains(message, "working-size")) << message;
}

TEST_F(Job, MissingWeightsNameTheFileAndTheInstallCommand) {
  const std::string missing = (PluginEnvironment::folder() / "nowhere" / "vgg19.safetensors").string();
  const WeightsAt at(missing);
  const std::string message =
      plugin_error([&] { stylise_layer(job_input(40, 30, 1), nullptr, style::CancelToken()); });
  EXPECT_TRUE(contains(message, "nst-fetch-weights")) << message;
  EXPECT_TRUE(contains(message, missing)) << message;
}

TEST_F(Job, LayersTheWeightFileLacksAreNamed) {
  JobInput input = job_input(40, 30, 1);
  input.settings.content_layers = "relu5_1";
  const std::string message = plugin_error([&] { stylise_layer(input, nullptr, style::CancelToken()); });
  EXPECT_TRUE(contains(message, "relu5_1")) << message;

  input.settings.content_layers = "";
  input.settings.style_layers = "relu1_1,relu3_1";
  const std::string style_message = plugin_error([&] { stylise_layer(input, nullptr, style::CancelToken()); });
  EXPECT_TRUE(contains(style_message, "relu3_1")) << style_message;
}

TEST_F(Job, CancelledBeforeTheFirstStepThrowsCancelled) {
  style::CancelToken cancel;
  cancel.cancel();
  EXPECT_THROW(stylise_layer(job_input(40, 30, 3), nullptr, cancel), style::Cancelled);
}

// Polls `condition` every 10 ms for at most `limit`; whether it became true.
template <typename F>
bool eventually(F&& condition, std::chrono::seconds limit = std::chrono::seconds(60)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

TEST_F(Job, BackgroundJobCancels) {
  BackgroundJob job(job_input(40, 30, 500));
  ASSERT_TRUE(eventually([&] { return job.progress().has_value() || job.done(); })) << "no step within 60 s";
  ASSERT_FALSE(job.done()) << "500 steps finished before the test could cancel them";
  EXPECT_FALSE(job.cancelled());
  job.cancel();
  EXPECT_TRUE(job.cancelled());
  ASSERT_TRUE(eventually([&] { return job.done(); })) << "the job did not stop within 60 s of cancelling";
  const auto progress = job.progress();
  ASSERT_TRUE(progress.has_value());
  EXPECT_LT(progress->step, 500u);
  EXPECT_EQ(progress->steps, 500u);
  EXPECT_THROW(job.result(), style::Cancelled);
}

TEST_F(Job, BackgroundJobFinishes) {
  const JobInput input = job_input(40, 30, 2, /*with_alpha=*/true);
  BackgroundJob job(input);
  ASSERT_TRUE(eventually([&] { return job.done(); })) << "2 steps took over 60 s";
  const auto progress = job.progress();
  ASSERT_TRUE(progress.has_value());
  EXPECT_EQ(progress->step, 2u);
  const JobResult result = job.result();
  expect_valid_result(result, input);
}

TEST_F(Job, BackgroundJobReportsFailures) {
  JobInput input = job_input(40, 30, 2);
  input.settings.optimizer = "sgd";
  BackgroundJob job(input);
  ASSERT_TRUE(eventually([&] { return job.done(); }));
  EXPECT_FALSE(job.progress().has_value());
  EXPECT_THROW(job.result(), PluginError);
}

TEST_F(Job, DestroyingARunningJobCancelsIt) {
  const auto start = std::chrono::steady_clock::now();
  {
    BackgroundJob job(job_input(40, 30, 10000));
    ASSERT_TRUE(eventually([&] { return job.progress().has_value(); }));
  }
  // 10000 steps would take far longer than the minute this allows.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(60));
}

TEST_F(Job, WaitForTicksUntilTheJobIsDone) {
  const JobInput input = job_input(40, 30, 2);
  BackgroundJob job(input);
  int ticks = 0;
  bool done_seen_in_tick = false;
  wait_for(job, [&](BackgroundJob& j) {
    EXPECT_EQ(&j, &job);
    ++ticks;
    done_seen_in_tick = j.done();
  });
  EXPECT_TRUE(job.done());
  EXPECT_GE(ticks, 1);
  EXPECT_TRUE(done_seen_in_tick);  // the last tick saw the job done
  expect_valid_result(job.result(), input);
}

TEST_F(Job, WaitForRethrowsWhatTheTickThrowsAfterTheJobEnds) {
  BackgroundJob job(job_input(40, 30, 500));
  EXPECT_THROW(wait_for(job, [](BackgroundJob&) { throw std::runtime_error("tick failed"); }), std::runtime_error);
  EXPECT_TRUE(job.done());
  EXPECT_THROW(job.result(), style::Cancelled);  // the failing tick cancelled it
}

TEST_F(Job, WaitForLetsTheTickCancel) {
  BackgroundJob job(job_input(40, 30, 500));
  int ticks = 0;
  wait_for(job, [&](BackgroundJob& j) {
    ++ticks;
    if (j.progress().has_value()) j.cancel();
  });
  EXPECT_TRUE(job.done());
  EXPECT_GE(ticks, 1);
  EXPECT_THROW(job.result(), style::Cancelled);
}

// ---------------------------------------------------------------------------------------
// The filter's rules (filter.h), on a host that records what it is asked to do.

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
  EXPECT_NO_THROW(check_layers(host, 1));
  EXPECT_TRUE(contains(message_of([&] { check_layers(host, 2); }), "The style layer is the content layer"));
  EXPECT_TRUE(contains(message_of([&] { check_layers(host, 7); }), "does not exist"));
  host.indexed = true;
  EXPECT_TRUE(contains(message_of([&] { check_layers(host, 1); }), "Indexed images cannot be stylised"));
  FakeHost no_content({1}, 5);
  EXPECT_TRUE(contains(message_of([&] { check_layers(no_content, 1); }), "must be a layer"));
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
  EXPECT_EQ(add_result_layer(host, result, "starry"), 99);
  EXPECT_EQ(host.calls, (std::vector<std::string>{"begin undo", "new starry (style transfer) 4x3", "insert 99",
                                                  "offsets 99 2,4", "write 99", "end undo"}));
  FakeHost selected({1, 2}, 2);
  selected.selection = true;
  const Image with_alpha{4, 3, std::vector<float>(36, 0.5f), std::vector<float>(12, 0.25f)};
  add_result_layer(selected, with_alpha, "starry");
  EXPECT_EQ(selected.calls, (std::vector<std::string>{"begin undo", "new starry (style transfer) 4x3 alpha",
                                                      "insert 99", "offsets 99 2,4", "write 99", "mask 99",
                                                      "end undo"}));
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
  EXPECT_THROW(add_result_layer(host, result, "starry"), PluginError);
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

TEST(Numbers, ParseWholeTextsOnly) {
  EXPECT_EQ(style::parse_number("0.4"), 0.4);
  EXPECT_EQ(style::parse_number("1e4"), 1e4);
  EXPECT_EQ(style::parse_number("-2"), -2.0);
  EXPECT_EQ(style::parse_number("0,4"), std::nullopt);
  EXPECT_EQ(style::parse_number("12abc"), std::nullopt);
  EXPECT_EQ(style::parse_number(""), std::nullopt);
}

class FilterRun : public test::KernelTest {};

TEST_F(FilterRun, RunsTheJobReportsProgressAndAddsTheResult) {
  FakeHost host({1, 2}, 2);
  const JobInput input = job_input(40, 30, 3, /*with_alpha=*/true);
  host.pixels[2] = input.content;
  host.pixels[1] = input.style;
  EXPECT_EQ(run_filter(host, 1, input.settings), 99);
  ASSERT_FALSE(host.reported.empty());
  EXPECT_EQ(host.reported.back().first, 1.0);
  EXPECT_TRUE(contains(host.reported.back().second, "Step 3 of 3")) << host.reported.back().second;
  EXPECT_EQ(host.calls.front(), "begin undo");
  EXPECT_EQ(host.calls[1], "new layer 1 (style transfer) 40x30 alpha");
  EXPECT_EQ(host.pixels.at(99).alpha, input.content.alpha);
}

TEST_F(FilterRun, RefusalsChangeNothing) {
  FakeHost host({1, 2}, 2);
  const JobInput input = job_input(40, 30, 3);
  host.pixels[2] = input.content;
  host.pixels[1] = input.style;
  EXPECT_THROW(run_filter(host, 2, input.settings), PluginError);  // the content as style
  Settings bad = input.settings;
  bad.steps = 0;
  EXPECT_THROW(run_filter(host, 1, bad), PluginError);
  {
    const WeightsAt at((PluginEnvironment::folder() / "missing.safetensors").string());
    EXPECT_THROW(run_filter(host, 1, input.settings), PluginError);
  }
  EXPECT_TRUE(host.calls.empty());
  EXPECT_TRUE(host.reported.empty());
}

}  // namespace
}  // namespace nst::plugin
