// One GEGL session for the whole test_image process, as main() holds one in nst.
#include <gtest/gtest.h>

#include <memory>

#include "image/gegl_session.h"

namespace nst::image {
namespace {

class GeglEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { session_ = std::make_unique<GeglSession>(); }
  void TearDown() override { session_.reset(); }

 private:
  std::unique_ptr<GeglSession> session_;
};
[[maybe_unused]] const auto* const gegl_environment = ::testing::AddGlobalTestEnvironment(new GeglEnvironment);

}  // namespace
}  // namespace nst::image
