// ops::relu and ops::relu_grad against a double-precision reference.
#include "ops/relu.h"

#include "support/kernel_test.h"

namespace nst::test {
namespace {

class Relu : public KernelTest, public ::testing::WithParamInterface<Shape> {};

TEST_P(Relu, ForwardMatchesReference) {
  const Shape shape = GetParam();
  const auto x = random_values(shape.count(), 1);
  Tensor in = make_tensor(ctx(), shape, x);
  Guarded out(ctx(), shape);
  run(ctx(), [&](vk::Recorder& rec) { ops::relu(rec, in, out); });

  std::vector<double> want(x.size());
  for (size_t i = 0; i < x.size(); ++i) want[i] = std::max(0.0, double(x[i]));
  EXPECT_EQ(normalized_error(out.download(), want), 0.0);
  EXPECT_TRUE(out.guards_intact());
}

TEST_P(Relu, GradientMatchesFiniteDifferences) {
  const Shape shape = GetParam();
  // Values kept away from the kink at 0, so central differences are exact there.
  auto x = random_values(shape.count(), 2, 0.1f, 1.0f);
  const auto signs = random_values(shape.count(), 3);
  for (size_t i = 0; i < x.size(); ++i) x[i] *= signs[i] < 0 ? -1.0f : 1.0f;
  const auto weights = random_values(shape.count(), 4);  // loss = Σ weights ⊙ relu(x)

  Tensor in = make_tensor(ctx(), shape, x);
  Tensor out(ctx(), shape, "relu out");
  Tensor grad_out = make_tensor(ctx(), shape, weights, "grad out");
  Guarded grad_in(ctx(), shape);
  run(ctx(), [&](vk::Recorder& rec) {
    ops::relu(rec, in, out);
    ops::relu_grad(rec, grad_out, out, grad_in);
  });
  const auto gradient = grad_in.download();
  EXPECT_TRUE(grad_in.guards_intact());

  auto loss = [&](const std::vector<float>& point) {
    Tensor probe_in = make_tensor(ctx(), shape, point);
    Tensor probe_out(ctx(), shape, "probe");
    run(ctx(), [&](vk::Recorder& rec) { ops::relu(rec, probe_in, probe_out); });
    return dot(weights, probe_out.download());
  };
  const auto direction = random_values(shape.count(), 5);
  const double numeric = central_difference(loss, x, direction, 1e-2);
  EXPECT_NEAR(dot(gradient, direction), numeric, 1e-3 * (std::abs(numeric) + 1));
}

INSTANTIATE_TEST_SUITE_P(Shapes, Relu,
                         ::testing::Values(Shape{1, 1, 1}, Shape{1, 5, 7}, Shape{3, 17, 33}, Shape{64, 8, 8},
                                           Shape{256, 3, 5}, Shape{1, 1031, 1031}));

}  // namespace
}  // namespace nst::test
