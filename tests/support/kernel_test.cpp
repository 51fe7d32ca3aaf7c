#include "kernel_test.h"

#include <cmath>
#include <cstring>
#include <memory>
#include <random>

namespace nst::test {
namespace {

constexpr uint32_t kSentinelBits = 0x7fc0beefu;  // a quiet NaN no kernel produces

float sentinel() {
  float value;
  std::memcpy(&value, &kSentinelBits, sizeof value);
  return value;
}

}  // namespace

// Created on first use, destroyed by SharedContextEnvironment before main returns: a
// static destroyed at exit would outlive the validation layer's own statics (Mesa 25's
// loader tears those down first, and vkDestroyDevice then crashes inside the layer).
std::unique_ptr<vk::Context>& shared_context() {
  static std::unique_ptr<vk::Context> context;
  return context;
}

vk::Context& context() {
  auto& shared = shared_context();
  if (!shared) {
    shared = std::make_unique<vk::Context>(vk::ContextOptions{.device = "", .validation = true, .pipeline_cache_path = "", .faults = {}});
  }
  return *shared;
}

void SharedContextEnvironment::TearDown() { shared_context().reset(); }

void KernelTest::SetUp() { context().validation_messages(); }

void KernelTest::TearDown() {
  for (const std::string& message : context().validation_messages()) {
    ADD_FAILURE() << "Vulkan validation: " << message;
  }
}

std::vector<float> random_values(size_t count, uint32_t seed, float lo, float hi) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<float> distribution(lo, hi);
  std::vector<float> values(count);
  for (float& v : values) v = distribution(generator);
  return values;
}

double normalized_error(const std::vector<float>& got, const std::vector<double>& want) {
  if (got.size() != want.size()) return INFINITY;
  double difference = 0, reference = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(got[i])) return NAN;
    difference += (got[i] - want[i]) * (got[i] - want[i]);
    reference += want[i] * want[i];
  }
  return reference > 0 ? std::sqrt(difference / reference) : std::sqrt(difference);
}

Tensor make_tensor(vk::Context& ctx, Shape shape, const std::vector<float>& values, const char* name) {
  Tensor tensor(ctx, shape, name);
  tensor.upload(values);
  return tensor;
}

Guarded::Guarded(vk::Context& ctx, Shape shape, const char* name)
    : buffer_(std::make_shared<vk::Buffer>(ctx, (shape.count() + 2 * kGuardFloats) * sizeof(float),
                                           vk::MemoryUse::device, name)),
      tensor_(ctx, buffer_, kGuardFloats * sizeof(float), shape) {
  std::vector<float> fill(shape.count() + 2 * kGuardFloats, sentinel());
  ctx.upload(vk::whole(*buffer_), fill.data(), fill.size() * sizeof(float));
}

bool Guarded::guards_intact() const {
  std::vector<uint32_t> words(buffer_->size() / sizeof(uint32_t));
  tensor_.context().download(vk::whole(*buffer_), words.data(), buffer_->size());
  for (size_t i = 0; i < kGuardFloats; ++i) {
    if (words[i] != kSentinelBits || words[words.size() - 1 - i] != kSentinelBits) return false;
  }
  return true;
}

void run(vk::Context& ctx, const std::function<void(vk::Recorder&)>& record) {
  vk::Recorder recorder(ctx);
  record(recorder);
  recorder.submit();
}

double central_difference(const std::function<double(const std::vector<float>&)>& f, const std::vector<float>& x,
                          const std::vector<float>& direction, double epsilon) {
  std::vector<float> plus(x), minus(x);
  for (size_t i = 0; i < x.size(); ++i) {
    plus[i] = static_cast<float>(x[i] + epsilon * direction[i]);
    minus[i] = static_cast<float>(x[i] - epsilon * direction[i]);
  }
  return (f(plus) - f(minus)) / (2 * epsilon);
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += double(a[i]) * b[i];
  return sum;
}

}  // namespace nst::test
