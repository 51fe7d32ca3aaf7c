// style::parse_number, the engine's reading of a number from text: the whole text is the
// number, or there is none.
#include <gtest/gtest.h>

#include <optional>

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

}  // namespace
}  // namespace nst::test
