// ops::maxpool2x2, ops::avgpool2x2 and their gradients against a double-precision reference.
#include "ops/pool.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <tuple>

#include "support/kernel_test.h"
#include "vk/error.h"

namespace nst::test {
namespace {

using Window = std::array<double, 4>;        // a window's values, row-major
using WindowIndices = std::array<size_t, 4>;  // where they lie in the input

// A pooling operation: its device kernels and what it does to one window, for the reference.
struct Pooling {
  const char* name;
  void (*forward)(vk::Recorder&, const Tensor& in, Tensor& out);
  // Both gradients in one signature (average pooling does not need `in`).
  void (*backward)(vk::Recorder&, const Tensor& in, const Tensor& grad_out, Tensor& grad_in);
  double (*reduce)(const Window&);
  Window (*partials)(const Window&);  // ∂reduce/∂(each element of the window)
};

void PrintTo(const Pooling& pooling, std::ostream* os) { *os << pooling.name; }

const Pooling kMax{
    "max", ops::maxpool2x2, ops::maxpool2x2_grad,
    [](const Window& v) { return std::max({v[0], v[1], v[2], v[3]}); },
    [](const Window& v) {
      // All to the first maximum in row-major order, as PyTorch.
      Window partials{};
      partials[std::max_element(v.begin(), v.end()) - v.begin()] = 1;
      return partials;
    }};

const Pooling kAvg{
    "avg", ops::avgpool2x2,
    [](vk::Recorder& rec, const Tensor&, const Tensor& grad_out, Tensor& grad_in) {
      ops::avgpool2x2_grad(rec, grad_out, grad_in);
    },
    [](const Window& v) { return (v[0] + v[1] + v[2] + v[3]) / 4; },
    [](const Window&) { return Window{0.25, 0.25, 0.25, 0.25}; }};

// Calls visit(output index, the window's input indices) for every window of `in`.
void for_each_window(const Shape& in, const std::function<void(size_t, const WindowIndices&)>& visit) {
  const Shape out = ops::pooled_shape(in);
  size_t o = 0;
  for (uint32_t c = 0; c < out.c; ++c) {
    for (uint32_t y = 0; y < out.h; ++y) {
      for (uint32_t x = 0; x < out.w; ++x) {
        const size_t origin = (size_t{c} * in.h + 2 * y) * in.w + 2 * x;
        visit(o++, {origin, origin + 1, origin + in.w, origin + in.w + 1});
      }
    }
  }
}

Window gather(const std::vector<float>& values, const WindowIndices& window) {
  return {values[window[0]], values[window[1]], values[window[2]], values[window[3]]};
}

std::vector<double> reference_forward(const Pooling& pooling, const Shape& in, const std::vector<float>& x) {
  std::vector<double> out(ops::pooled_shape(in).count());
  for_each_window(in, [&](size_t o, const WindowIndices& window) { out[o] = pooling.reduce(gather(x, window)); });
  return out;
}

std::vector<double> reference_backward(const Pooling& pooling, const Shape& in, const std::vector<float>& x,
                                       const std::vector<float>& grad_out) {
  std::vector<double> grad_in(in.count(), 0.0);
  for_each_window(in, [&](size_t o, const WindowIndices& window) {
    const Window partials = pooling.partials(gather(x, window));
    for (size_t k = 0; k < 4; ++k) grad_in[window[k]] = partials[k] * grad_out[o];
  });
  return grad_in;
}

// Central differences use ε = 1e-2: small enough for the windows below, large enough that
// the forward pass's single-precision rounding (~1e-7) stays far under the tolerance.
constexpr double kEpsilon = 1e-2;
constexpr float kSeparation = 0.05f;

// Random values in [-1, 1) of which no two in a window lie within kSeparation of each
// other: a perturbation of at most kEpsilon per element then never changes a window's
// maximum, so central differences of max pooling are exact up to rounding.
std::vector<float> tie_free_values(const Shape& shape, uint32_t seed) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> x(shape.count());
  for (float& v : x) v = uniform(generator);
  const auto separated = [&](const WindowIndices& window) {
    for (size_t a = 0; a < 4; ++a) {
      for (size_t b = a + 1; b < 4; ++b) {
        if (std::abs(x[window[a]] - x[window[b]]) < kSeparation) return false;
      }
    }
    return true;
  };
  for_each_window(shape, [&](size_t, const WindowIndices& window) {
    while (!separated(window)) {
      for (size_t i : window) x[i] = uniform(generator);
    }
  });
  return x;
}

std::vector<float> device_forward(vk::Context& ctx, const Pooling& pooling, const Shape& shape,
                                  const std::vector<float>& x) {
  Tensor in = make_tensor(ctx, shape, x);
  Tensor out(ctx, ops::pooled_shape(shape), "pooled");
  run(ctx, [&](vk::Recorder& rec) { pooling.forward(rec, in, out); });
  return out.download();
}

std::vector<float> device_backward(vk::Context& ctx, const Pooling& pooling, const Shape& shape,
                                   const std::vector<float>& x, const std::vector<float>& grad_out) {
  Tensor in = make_tensor(ctx, shape, x);
  Tensor gradient = make_tensor(ctx, ops::pooled_shape(shape), grad_out, "grad out");
  Tensor grad_in(ctx, shape, "grad in");
  run(ctx, [&](vk::Recorder& rec) { pooling.backward(rec, in, gradient, grad_in); });
  return grad_in.download();
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Single-precision pooling of exact copies or means of four values: only rounding differs.
constexpr double kTolerance = 1e-6;

// "max_3x17x33": a test name for gtest, which allows letters, digits and '_' only.
std::string case_name(const ::testing::TestParamInfo<std::tuple<Pooling, Shape>>& info) {
  const auto& [pooling, shape] = info.param;
  return std::string(pooling.name) + "_" + std::to_string(shape.c) + "x" + std::to_string(shape.h) + "x" +
         std::to_string(shape.w);
}

class Pool : public KernelTest, public ::testing::WithParamInterface<std::tuple<Pooling, Shape>> {
 protected:
  const Pooling& pooling() const { return std::get<0>(GetParam()); }
  Shape shape() const { return std::get<1>(GetParam()); }
  Shape pooled() const { return ops::pooled_shape(shape()); }
};

TEST_P(Pool, ForwardMatchesReference) {
  const auto x = random_values(shape().count(), 1);
  Tensor in = make_tensor(ctx(), shape(), x);
  Guarded out(ctx(), pooled());
  run(ctx(), [&](vk::Recorder& rec) { pooling().forward(rec, in, out); });
  EXPECT_LE(normalized_error(out.download(), reference_forward(pooling(), shape(), x)), kTolerance);
  EXPECT_TRUE(out.guards_intact());
}

TEST_P(Pool, GradientMatchesReference) {
  const auto x = random_values(shape().count(), 2);
  const auto grad_out = random_values(pooled().count(), 3);
  Tensor in = make_tensor(ctx(), shape(), x);
  Tensor gradient = make_tensor(ctx(), pooled(), grad_out, "grad out");
  Guarded grad_in(ctx(), shape());
  run(ctx(), [&](vk::Recorder& rec) { pooling().backward(rec, in, gradient, grad_in); });
  EXPECT_LE(normalized_error(grad_in.download(), reference_backward(pooling(), shape(), x, grad_out)), kTolerance);
  EXPECT_TRUE(grad_in.guards_intact());
}

TEST_P(Pool, GradientMatchesFiniteDifferences) {
  const auto x = tie_free_values(shape(), 4);
  const auto weights = random_values(pooled().count(), 5);  // loss = Σ weights ⊙ pool(x)
  const auto gradient = device_backward(ctx(), pooling(), shape(), x, weights);

  auto loss = [&](const std::vector<float>& point) {
    return dot(weights, device_forward(ctx(), pooling(), shape(), point));
  };
  const auto direction = random_values(shape().count(), 6);
  const double numeric = central_difference(loss, x, direction, kEpsilon);
  EXPECT_NEAR(dot(gradient, direction), numeric, 1e-4 * (std::abs(numeric) + 1));
}

INSTANTIATE_TEST_SUITE_P(Shapes, Pool,
                         ::testing::Combine(::testing::Values(kMax, kAvg),
                                            ::testing::Values(Shape{1, 2, 2}, Shape{1, 5, 7}, Shape{3, 17, 33},
                                                              Shape{64, 8, 8}, Shape{256, 3, 5}, Shape{3, 33, 17},
                                                              Shape{1, 1031, 1031})),
                         case_name);

class PoolKind : public KernelTest, public ::testing::WithParamInterface<Pooling> {
 protected:
  const Pooling& pooling() const { return GetParam(); }
};

TEST_P(PoolKind, GradientWithTiesGoesToFirstMaximum) {
  const Shape shape{3, 17, 33};
  auto x = random_values(shape.count(), 7, 0.0f, 3.0f);
  for (float& v : x) v = std::floor(v);  // three levels: many windows with equal maxima
  const auto grad_out = random_values(ops::pooled_shape(shape).count(), 8);
  EXPECT_LE(normalized_error(device_backward(ctx(), pooling(), shape, x, grad_out),
                             reference_backward(pooling(), shape, x, grad_out)),
            kTolerance);
}

TEST_P(PoolKind, IsDeterministic) {
  const Shape shape{64, 33, 35};
  const auto x = random_values(shape.count(), 9);
  const auto grad_out = random_values(ops::pooled_shape(shape).count(), 10);
  EXPECT_TRUE(same_bits(device_forward(ctx(), pooling(), shape, x), device_forward(ctx(), pooling(), shape, x)));
  EXPECT_TRUE(same_bits(device_backward(ctx(), pooling(), shape, x, grad_out),
                        device_backward(ctx(), pooling(), shape, x, grad_out)));
}

TEST_P(PoolKind, WrongShapesThrow) {
  Tensor in(ctx(), {2, 4, 6}, "in");
  Tensor wrong_out(ctx(), {2, 2, 4}, "wrong out");
  Tensor too_small(ctx(), {1, 1, 1}, "too small");
  vk::Recorder rec(ctx());
  EXPECT_THROW(pooling().forward(rec, in, wrong_out), nst::Error);
  EXPECT_THROW(pooling().forward(rec, too_small, too_small), nst::Error);

  Tensor grad_out(ctx(), {2, 2, 3}, "grad out");
  Tensor wrong_grad_in(ctx(), {2, 6, 8}, "wrong grad in");
  EXPECT_THROW(pooling().backward(rec, in, wrong_out, in), nst::Error);
  EXPECT_THROW(pooling().backward(rec, in, grad_out, wrong_grad_in), nst::Error);
  EXPECT_THROW(pooling().backward(rec, too_small, too_small, too_small), nst::Error);
}

TEST_P(PoolKind, WrongShapeMessageNamesTensorsAndShapes) {
  Tensor in(ctx(), {2, 5, 7}, "pool input");
  Tensor out(ctx(), {2, 3, 3}, "pool output");
  vk::Recorder rec(ctx());
  try {
    pooling().forward(rec, in, out);
    FAIL() << "no error for a wrong output shape";
  } catch (const nst::Error& error) {
    const std::string message = error.what();
    for (const std::string& part : {in.name(), out.name(), in.shape().str(), out.shape().str(),
                                    ops::pooled_shape(in.shape()).str()}) {
      EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' missing from: " << message;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, PoolKind, ::testing::Values(kMax, kAvg),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace nst::test
