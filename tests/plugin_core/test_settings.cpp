// plugin/core/settings: the plug-in's settings and their PDB parameter table, validation,
// and the last-values text.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "plugin/core/settings.h"
#include "plugin_core/plugin_core_test.h"

namespace nst::plugin {
namespace {

using test_support::contains;
using test_support::plugin_error;

TEST(Parameters, TheTableIsWellFormed) {
  const auto& table = parameters();
  ASSERT_GT(table.size(), 1u);
  std::set<std::string> names;
  for (const auto& p : table) EXPECT_TRUE(names.insert(p.name).second) << "duplicate parameter " << p.name;

  const Parameter& first = table.front();
  EXPECT_STREQ(first.name, "style-drawable");
  EXPECT_EQ(style_slot(first.name), 0u);
  EXPECT_EQ(first.kind, Kind::layer);
  EXPECT_EQ(first.get, nullptr);
  EXPECT_EQ(first.set, nullptr);

  const Settings defaults;
  for (size_t i = 1; i < table.size(); ++i) {
    const Parameter& p = table[i];
    SCOPED_TRACE(p.name);
    if (p.kind == Kind::layer) {  // a further style layer: held by the adapters, as the first
      EXPECT_TRUE(style_slot(p.name).has_value());
      EXPECT_EQ(p.get, nullptr);
      EXPECT_EQ(p.set, nullptr);
      EXPECT_EQ(p.widget, Widget::style_with_weight);
      continue;
    }
    EXPECT_FALSE(style_slot(p.name).has_value());
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
    EXPECT_EQ(plain_label(p).find('_'), std::string::npos);
    if (p.widget == Widget::in_style_row) {
      // Reached through its style layer's row, whose label has the mnemonic.
      EXPECT_EQ(std::string(p.label).find('_'), std::string::npos) << p.label;
      continue;
    }
    labels.push_back(p.label);
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

TEST(Parameters, TheBlendsParametersCloseTheTableAndFollowTheStyleInTheDialog) {
  const auto& table = parameters();
  // The first signature, which GIMP 2.10 scripts call with exactly its arguments.
  ASSERT_EQ(first_signature_parameters(), 16u);
  EXPECT_STREQ(table[first_signature_parameters() - 1].name, "memory-limit");
  std::vector<std::string> blend;
  for (size_t i = first_signature_parameters(); i < table.size(); ++i) blend.push_back(table[i].name);
  EXPECT_EQ(blend, (std::vector<std::string>{"style-drawable-2", "style-weight-2", "style-drawable-3", "style-weight-3"}));
  EXPECT_EQ(style_slot("style-drawable-2"), 1u);
  EXPECT_EQ(style_slot("style-drawable-3"), 2u);
  EXPECT_EQ(style_slot("style-weight-2"), std::nullopt);
  EXPECT_EQ(parameter("style-weight-2").widget, Widget::in_style_row);

  std::vector<std::string> shown;
  for (const Parameter* p : dialog_parameters()) shown.push_back(p->name);
  ASSERT_EQ(shown.size(), table.size()) << "every parameter once";
  EXPECT_EQ(std::vector<std::string>(shown.begin(), shown.begin() + 6),
            (std::vector<std::string>{"style-drawable", "style-drawable-2", "style-weight-2", "style-drawable-3",
                                      "style-weight-3", "style-strength"}));
  EXPECT_EQ(shown.back(), "memory-limit");
}

TEST(Validate, BlendWeightsOutOfRangeNameTheirParameter) {
  Settings s;
  s.style_weight_2 = -0.1;
  EXPECT_TRUE(contains(plugin_error([&] { validate(s); }), "style-weight-2"));
  s = Settings();
  s.style_weight_3 = 10.5;
  EXPECT_TRUE(contains(plugin_error([&] { validate(s); }), "style-weight-3"));
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
      {"memory-limit", [](Settings& s) { s.memory_limit = -1; }},
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
  edges.memory_limit = 1048576;
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
  for (const char* layers : {"relu1_1:-1", "relu1_1:2,relu2_1", "relu1_1:abc", "relu1_1,relu1_1"}) {
    Settings s;
    s.style_layers = layers;
    const std::string message = plugin_error([&] { validate(s); });
    EXPECT_TRUE(contains(message, "Style layers")) << layers << ": " << message;
  }
  Settings good;
  good.style_layers = "relu1_1:0.25,relu2_1";
  EXPECT_NO_THROW(validate(good));
}

TEST(Validate, RepeatedContentLayersAreRefused) {
  Settings s;
  s.content_layers = "relu3_2,relu3_2";
  const std::string message = plugin_error([&] { validate(s); });
  EXPECT_TRUE(contains(message, "Content layers")) << message;
  EXPECT_TRUE(contains(message, "relu3_2")) << message;
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
  s.memory_limit = 1500;
  s.style_weight_2 = 0.5;
  s.style_weight_3 = 2.5;
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
  EXPECT_EQ(a.memory_limit, b.memory_limit);
  EXPECT_EQ(a.style_weight_2, b.style_weight_2);
  EXPECT_EQ(a.style_weight_3, b.style_weight_3);
  EXPECT_EQ(a, b) << "a field expect_same does not compare";
}

TEST(LastValues, SerialiseAndParseRoundTripEveryField) {
  const Settings changed = everything_changed();
  ASSERT_NO_THROW(validate(changed));
  const std::string text = serialise(changed);
  // One line per setting.
  EXPECT_EQ(size_t(std::count(text.begin(), text.end(), '\n')), parameters().size() - kStyleLayers);
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

}  // namespace
}  // namespace nst::plugin
