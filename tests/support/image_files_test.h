#pragma once
// What the tests of compute/image share: the shared photos, synthetic images, file bytes
// and exception messages. The GEGL session they need is registered once per executable
// (tests/image_environment.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "image/image.h"

namespace nst::image::test {

inline std::string shared_image(const std::string& name) { return std::string(NST_SHARED_DIR) + "/images/" + name; }

// A smooth image whose three channels differ, with values spread over 0..1 but off the
// 8-bit and 16-bit grid, so that a round trip shows the file's precision.
inline Image gradient_image(uint32_t width, uint32_t height) {
  Image image{width, height, std::vector<float>(size_t(width) * height * 3), {}};
  for (uint32_t y = 0; y < height; ++y) {
    for (uint32_t x = 0; x < width; ++x) {
      float* pixel = &image.rgb[(size_t(y) * width + x) * 3];
      pixel[0] = (x + 0.37f) / float(width);
      pixel[1] = (y + 0.61f) / float(height);
      pixel[2] = 0.5f + 0.45f * std::sin(0.3f * float(x) + 0.2f * float(y));
    }
  }
  return image;
}

inline Image constant_image(uint32_t width, uint32_t height, float r, float g, float b) {
  Image image{width, height, {}, {}};
  for (size_t i = 0; i < size_t(width) * height; ++i) image.rgb.insert(image.rgb.end(), {r, g, b});
  return image;
}

inline float max_difference(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float worst = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

inline double mean(const std::vector<float>& values) {
  return std::accumulate(values.begin(), values.end(), 0.0) / double(values.size());
}

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// The message of the exception `action` throws (a test failure when it throws none).
template <class Exception>
std::string message_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Exception& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception was thrown";
  return "";
}

}  // namespace nst::image::test
