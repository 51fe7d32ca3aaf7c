// The optimisers' vector operations (ops::axpy, ops::scale, ops::copy, ops::adam_step)
// against double-precision references, their device-scalar forms, and shape errors.
#include <cmath>

#include "ops/vector.h"
#include "support/loss_checks.h"
#include "vk/error.h"

namespace nst::test {
namespace {

// One or two fp32 operations per element: ~1e-7 relative; 1e-6 leaves margin. Adam adds a
// square root and a division per element and step: 1e-5 over three steps.
constexpr double kTolerance = 1e-6;
constexpr double kAdamTolerance = 1e-5;

constexpr uint32_t kSlot = 1;

class Vector : public KernelTest, public ::testing::WithParamInterface<Shape> {};

std::vector<double> axpy_reference(double a, const std::vector<float>& x, const std::vector<float>& y) {
  std::vector<double> want(y.size());
  for (size_t i = 0; i < y.size(); ++i) want[i] = y[i] + a * x[i];
  return want;
}

std::vector<double> scaled(double a, const std::vector<float>& x) {
  std::vector<double> want(x.size());
  for (size_t i = 0; i < x.size(); ++i) want[i] = a * x[i];
  return want;
}

// Scalar slots [0, 0.75, 0]: the device-scalar forms must read slot 1.
Tensor device_scalars(vk::Context& ctx) { return make_tensor(ctx, Shape{1, 1, 3}, {0.0f, 0.75f, 0.0f}, "scalars"); }

TEST_P(Vector, AxpyMatchesReference) {
  const Shape shape = GetParam();
  const auto x = random_values(shape.count(), 1), y = random_values(shape.count(), 2);
  Tensor in = make_tensor(ctx(), shape, x);
  const auto got =
      updated_output(ctx(), shape, y, [&](vk::Recorder& rec, Tensor& out) { ops::axpy(rec, -2.5f, in, out); });
  EXPECT_LE(normalized_error(got, axpy_reference(-2.5, x, y)), kTolerance);
}

TEST_P(Vector, AxpyWithDeviceScalarMatchesReference) {
  const Shape shape = GetParam();
  const auto x = random_values(shape.count(), 3), y = random_values(shape.count(), 4);
  Tensor in = make_tensor(ctx(), shape, x), scalars = device_scalars(ctx());
  const auto got = updated_output(
      ctx(), shape, y, [&](vk::Recorder& rec, Tensor& out) { ops::axpy(rec, scalars, kSlot, -2.0f, in, out); });
  EXPECT_LE(normalized_error(got, axpy_reference(-2.0 * 0.75, x, y)), kTolerance);
}

TEST_P(Vector, ScaleMatchesReference) {
  const Shape shape = GetParam();
  const auto x = random_values(shape.count(), 5);
  const auto got = updated_output(ctx(), shape, x, [&](vk::Recorder& rec, Tensor& out) { ops::scale(rec, 3.0f, out); });
  EXPECT_LE(normalized_error(got, scaled(3.0, x)), kTolerance);
}

TEST_P(Vector, ScaleWithDeviceScalarMatchesReference) {
  const Shape shape = GetParam();
  const auto x = random_values(shape.count(), 6);
  Tensor scalars = device_scalars(ctx());
  const auto got = updated_output(ctx(), shape, x,
                                  [&](vk::Recorder& rec, Tensor& out) { ops::scale(rec, scalars, kSlot, -4.0f, out); });
  EXPECT_LE(normalized_error(got, scaled(-4.0 * 0.75, x)), kTolerance);
}

TEST_P(Vector, CopyIsExact) {
  const Shape shape = GetParam();
  const auto x = random_values(shape.count(), 7);
  Tensor in = make_tensor(ctx(), shape, x);
  EXPECT_TRUE(
      same_bits(recorded_output(ctx(), shape, [&](vk::Recorder& rec, Tensor& out) { ops::copy(rec, in, out); }), x));
}

// Three steps of the textbook algorithm in double precision, from m = v = 0.
std::vector<double> adam_reference(const ops::AdamParams& params, const std::vector<std::vector<float>>& grads,
                                   const std::vector<float>& x0) {
  std::vector<double> x(x0.begin(), x0.end()), m(x0.size(), 0.0), v(x0.size(), 0.0);
  for (size_t t = 1; t <= grads.size(); ++t) {
    for (size_t i = 0; i < x.size(); ++i) {
      const double g = grads[t - 1][i];
      m[i] = params.beta1 * m[i] + (1 - params.beta1) * g;
      v[i] = params.beta2 * v[i] + (1 - params.beta2) * g * g;
      const double m_hat = m[i] / (1 - std::pow(double(params.beta1), double(t)));
      const double v_hat = v[i] / (1 - std::pow(double(params.beta2), double(t)));
      x[i] -= params.learning_rate * m_hat / (std::sqrt(v_hat) + params.epsilon);
    }
  }
  return x;
}

TEST_P(Vector, AdamMatchesReferenceOverThreeSteps) {
  const Shape shape = GetParam();
  const auto x0 = random_values(shape.count(), 8);
  const std::vector<std::vector<float>> grads{random_values(shape.count(), 9), random_values(shape.count(), 10),
                                              random_values(shape.count(), 11)};
  const std::vector<float> zeros(shape.count(), 0.0f);
  Tensor m = make_tensor(ctx(), shape, zeros, "m"), v = make_tensor(ctx(), shape, zeros, "v");
  Tensor grad(ctx(), shape, "grad");
  Guarded x(ctx(), shape);
  x.tensor().upload(x0);
  ops::AdamParams params{.learning_rate = 0.05f, .step = 0};
  for (uint32_t step = 1; step <= 3; ++step) {
    grad.upload(grads[step - 1]);
    params.step = step;
    run(ctx(), [&](vk::Recorder& rec) { ops::adam_step(rec, params, grad, m, v, x); });
  }
  EXPECT_LE(normalized_error(x.download(), adam_reference(params, grads, x0)), kAdamTolerance);
  EXPECT_TRUE(x.guards_intact());
}

INSTANTIATE_TEST_SUITE_P(Shapes, Vector,
                         ::testing::Values(Shape{1, 1, 1}, Shape{3, 7, 5}, Shape{64, 33, 17}, Shape{3, 1000, 1000}),
                         shape_name);

class VectorErrors : public KernelTest {};

TEST_F(VectorErrors, WrongShapesSlotsAndStepsThrow) {
  Tensor a(ctx(), Shape{3, 7, 5}, "a"), b(ctx(), Shape{3, 5, 7}, "b"), scalars = device_scalars(ctx());
  vk::Recorder rec(ctx());
  EXPECT_THROW(ops::axpy(rec, 1.0f, a, b), nst::Error);
  EXPECT_THROW(ops::axpy(rec, scalars, 0, 1.0f, a, b), nst::Error);
  EXPECT_THROW(ops::axpy(rec, scalars, 3, 1.0f, a, a), nst::Error);
  EXPECT_THROW(ops::scale(rec, scalars, 3, 1.0f, a), nst::Error);
  EXPECT_THROW(ops::copy(rec, a, b), nst::Error);
  EXPECT_THROW(ops::adam_step(rec, {.learning_rate = 1.0f, .step = 1}, a, a, a, b), nst::Error);
  EXPECT_THROW(ops::adam_step(rec, {.learning_rate = 1.0f, .step = 1}, a, b, a, a), nst::Error);
  EXPECT_THROW(ops::adam_step(rec, {.learning_rate = 1.0f, .step = 0}, a, a, a, a), nst::Error);
}

}  // namespace
}  // namespace nst::test
