#pragma once
// What test_weights (the engine's loader) and test_weights_convert (the converter) share:
// the real partial Keras file from ../shared and its weights, a temporary folder per test,
// reading and writing files whole, and checking error messages.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "vgg/weights.h"
#include "weights/keras_h5.h"

namespace nst::test {

// ../shared beside the repository (meson passes its path); NST_SHARED_DIR overrides.
inline std::string shared_file(const std::string& relative) {
  const char* override_dir = std::getenv("NST_SHARED_DIR");
  return std::string(override_dir && *override_dir ? override_dir : NST_SHARED_DIR) + "/" + relative;
}

inline const std::string& partial_h5() {
  static const std::string path = shared_file("weights/vgg19-keras-partial.h5");
  return path;
}

// The partial file read once: most tests compare against it.
inline const vgg::WeightFile& partial_weights() {
  static const vgg::WeightFile weights = nst::weights::read_keras_h5(partial_h5());
  return weights;
}

// A fresh folder per test, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "nst-weights-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  // What the folder holds, so a test can see that a failure left nothing behind.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(path_)) {
      names.push_back(entry.path().filename().string());
    }
    return names;
  }

 private:
  std::filesystem::path path_;
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), std::streamsize(bytes.size()));
}

// The message of the std::runtime_error `action` throws; a test failure if none.
inline std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  ADD_FAILURE() << "no std::runtime_error was thrown";
  return {};
}

inline ::testing::AssertionResult mentions(const std::string& message, std::initializer_list<std::string> parts) {
  for (const std::string& part : parts) {
    if (message.find(part) == std::string::npos) {
      return ::testing::AssertionFailure() << "'" << message << "' does not mention '" << part << "'";
    }
  }
  return ::testing::AssertionSuccess();
}

inline std::vector<std::string> names_of(const vgg::WeightFile& weights) {
  std::vector<std::string> names;
  for (const auto& layer : weights.layers) names.push_back(layer.name);
  return names;
}

}  // namespace nst::test
