#pragma once
// What every kernel test shares: one validated Vulkan context per test process, a fixture
// that fails the test in which the validation layer spoke, output tensors inside guard
// regions, CPU-reference comparison by normalised error, and finite differences.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "ops/tensor.h"
#include "vk/context.h"
#include "vk/recorder.h"

namespace nst::test {

// The context of this test process: the device NST_DEVICE names (else the best one),
// with the Khronos validation layer on.
vk::Context& context();

// Destroys that context when the tests are done, before main returns (support/main.cpp
// registers it).
class SharedContextEnvironment : public ::testing::Environment {
 public:
  void TearDown() override;
};

class KernelTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;  // fails the test if the validation layer reported anything
  vk::Context& ctx() { return context(); }
};

// Uniform values in [lo, hi), the same for the same seed.
std::vector<float> random_values(size_t count, uint32_t seed, float lo = -1.0f, float hi = 1.0f);

// ‖got − want‖₂ / ‖want‖₂ (or the absolute norm when want is all zeros). NaN if any
// element of got is NaN, so a test never passes on unwritten output.
double normalized_error(const std::vector<float>& got, const std::vector<double>& want);

// A device tensor holding `values`.
Tensor make_tensor(vk::Context& ctx, Shape shape, const std::vector<float>& values, const char* name = "input");

// An output tensor inside a buffer with guard regions before and after it. Both the
// guards and the tensor are filled with a NaN sentinel, so an unwritten output element or
// a write outside the tensor is caught.
class Guarded {
 public:
  Guarded(vk::Context& ctx, Shape shape, const char* name = "output");
  Tensor& tensor() { return tensor_; }
  operator Tensor&() { return tensor_; }
  std::vector<float> download() const { return tensor_.download(); }
  // True when every guard word still holds the sentinel.
  bool guards_intact() const;

  static constexpr uint32_t kGuardFloats = 64;

 private:
  std::shared_ptr<vk::Buffer> buffer_;
  Tensor tensor_;
};

// Records with `record` into a fresh recorder and submits it.
void run(vk::Context& ctx, const std::function<void(vk::Recorder&)>& record);

// (f(x + εd) − f(x − εd)) / 2ε, for checking a gradient g by ⟨g, d⟩.
double central_difference(const std::function<double(const std::vector<float>&)>& f, const std::vector<float>& x,
                          const std::vector<float>& direction, double epsilon);

double dot(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace nst::test
