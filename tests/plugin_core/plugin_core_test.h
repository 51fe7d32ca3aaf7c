#pragma once
// What the plugin_core test files share (one executable, test_plugin_core): the synthetic
// weight file (VGG-19's first two blocks, random weights), the process-wide environment
// that holds the GEGL session and names that file in NST_WEIGHTS, and the tiny synthetic
// images the jobs run on.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "image/gegl_session.h"
#include "image/image.h"
#include "plugin/core/job.h"
#include "plugin/core/settings.h"
#include "support/kernel_test.h"
#include "vgg/layers.h"
#include "vgg/weights.h"

namespace nst::plugin::test_support {

// conv1_1 … conv2_2 with random weights, as test_run builds them.
inline vgg::WeightFile synthetic_weights() {
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
// file in a temporary folder, named by NST_WEIGHTS for the whole run. environment.cpp
// registers it, once for the whole executable.
class PluginEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    session_ = std::make_unique<image::GeglSession>();
    folder_ = std::filesystem::temp_directory_path() / ("nst-test-plugin-core-" + std::to_string(getpid()));
    std::filesystem::create_directories(folder_);
    weights_path_ = (folder_ / "vgg19-partial.safetensors").string();
    vgg::write_weights(weights_path_, synthetic_weights(), vgg::Precision::fp32);
    setenv("NST_WEIGHTS", weights_path_.c_str(), 1);
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(folder_, ignored);
    session_.reset();
  }
  static const std::string& weights_path() { return weights_path_; }
  static const std::filesystem::path& folder() { return folder_; }

 private:
  std::unique_ptr<image::GeglSession> session_;
  static inline std::filesystem::path folder_;
  static inline std::string weights_path_;
};

// Points NST_WEIGHTS elsewhere for one test, and back when it ends.
class WeightsAt {
 public:
  explicit WeightsAt(const std::string& path) { setenv("NST_WEIGHTS", path.c_str(), 1); }
  ~WeightsAt() { setenv("NST_WEIGHTS", PluginEnvironment::weights_path().c_str(), 1); }
  WeightsAt(const WeightsAt&) = delete;
  WeightsAt& operator=(const WeightsAt&) = delete;
};

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

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

// Tiny synthetic images for the jobs: a gradient content (with a patterned alpha if
// asked) and a striped style.
inline Image content_image(uint32_t w, uint32_t h, bool with_alpha) {
  Image image{w, h, {}, {}};
  for (uint32_t y = 0; y < h; ++y) {
    for (uint32_t x = 0; x < w; ++x) {
      image.rgb.insert(image.rgb.end(), {x / float(w), y / float(h), 0.5f});
      if (with_alpha) image.alpha.push_back((x + y) % 4 == 0 ? 0.0f : 0.25f + 0.75f * float(x) / float(w));
    }
  }
  return image;
}

inline Image style_image(uint32_t w, uint32_t h) {
  Image image{w, h, {}, {}};
  for (uint32_t y = 0; y < h; ++y) {
    for (uint32_t x = 0; x < w; ++x) {
      const float stripe = (x + y) % 6 < 3 ? 0.9f : 0.1f;
      image.rgb.insert(image.rgb.end(), {stripe, 0.2f, 1.0f - stripe});
    }
  }
  return image;
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

inline JobInput job_input(uint32_t width, uint32_t height, int steps, bool with_alpha = false) {
  JobInput input;
  input.content = content_image(width, height, with_alpha);
  input.styles = {{style_image(30, 20), 1.0}};
  input.settings.steps = steps;
  input.settings.working_size = 64;  // the smallest allowed
  return input;
}

}  // namespace nst::plugin::test_support
