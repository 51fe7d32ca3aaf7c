// style/parse.h, the front ends' text → engine types: numbers (the whole text is the
// number, or there is none) and layer lists (each layer once).
#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "style/parse.h"

namespace nst::test {
namespace {

TEST(Numbers, ParseWholeTextsOnly) {
  EXPECT_EQ(style::parse_number("0.4"), 0.4);
  EXPECT_EQ(style::parse_number("1e4"), 1e4);
  EXPECT_EQ(style::parse_number("-2"), -2.0);
  EXPECT_EQ(style::parse_number("0,4"), std::nullopt);
  EXPECT_EQ(style::parse_number("12abc"), std::nullopt);
  EXPECT_EQ(style::parse_number(""), std::nullopt);
}

TEST(StyleLayers, ALayerGivenTwiceIsRefused) {
  for (const auto& specs : std::vector<std::vector<std::string>>{{"relu1_1", "relu1_1"}, {"relu1_1:0.3", "relu2_1", "relu1_1"}}) {
    try {
      style::parse_style_layers(specs);
      ADD_FAILURE() << "expected a refusal";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("relu1_1 is given twice"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(style::parse_style_layers({"relu1_1", "relu2_1"}).size(), 2u);
}

TEST(ContentLayers, ALayerGivenTwiceIsRefused) {
  EXPECT_THROW(style::require_distinct({"relu3_2", "relu2_2", "relu3_2"}, "content layer"), std::invalid_argument);
  EXPECT_NO_THROW(style::require_distinct({"relu3_2", "relu2_2"}, "content layer"));
}

}  // namespace
}  // namespace nst::test
