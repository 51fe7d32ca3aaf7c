// Registers the plugin_core tests' environment (plugin_core_test.h) once for the whole
// test_plugin_core executable: one GEGL session and the synthetic weight file.
#include <gtest/gtest.h>

#include "plugin_core/plugin_core_test.h"

namespace nst::plugin::test_support {
namespace {

[[maybe_unused]] const auto* const environment = ::testing::AddGlobalTestEnvironment(new PluginEnvironment);

}  // namespace
}  // namespace nst::plugin::test_support
