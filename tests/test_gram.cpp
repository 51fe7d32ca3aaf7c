// ops::gram, ops::style_loss and ops::gram_grad against a double-precision reference, the
// gradient against central differences of the style loss, determinism, and shape errors.
#include "ops/gram.h"
#include "support/loss_checks.h"
#include "vk/error.h"

namespace nst::test {
namespace {

// A Gram element is an fp32 run over ≤ 2047 products here (longer planes are summed in
// slices, then the slices added), a gradient element one over N ≤ 256: rounding grows like
// √length·2⁻²⁴ ≲ 3e-6 (measured on lavapipe: ≤ 3e-7). 1e-5 in normalised error leaves margin
// and still catches a single wrong or missing term.
constexpr double kTolerance = 1e-5;

std::vector<double> gram_reference(const std::vector<float>& f, Shape shape) {
  const size_t n = shape.c, m = shape.plane();
  std::vector<double> g(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      for (size_t k = 0; k < m; ++k) g[i * n + j] += double(f[i * m + k]) * f[j * m + k];
    }
  }
  return g;
}

std::vector<float> to_float(const std::vector<double>& values) { return {values.begin(), values.end()}; }

// weight·(G − A) F / (N² M²)
std::vector<double> gram_grad_reference(const std::vector<float>& f, const std::vector<float>& g,
                                        const std::vector<float>& a, Shape shape, double weight) {
  const size_t n = shape.c, m = shape.plane();
  const double scale = weight / (double(n) * n * double(m) * m);
  std::vector<double> grad(n * m, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      const double d = scale * (double(g[i * n + j]) - a[i * n + j]);
      for (size_t k = 0; k < m; ++k) grad[i * m + k] += d * f[j * m + k];
    }
  }
  return grad;
}

// A style target: half the Gram matrix of other features, so that G − A is far from 0.
std::vector<float> style_target(Shape shape) {
  auto a = to_float(gram_reference(random_values(shape.count(), 50), shape));
  for (float& value : a) value *= 0.5f;
  return a;
}

Shape gram_shape(Shape features) { return {1, features.c, features.c}; }

class Gram : public KernelTest, public ::testing::WithParamInterface<Shape> {};

TEST_P(Gram, MatchesReference) {
  const Shape shape = GetParam();
  const auto f = random_values(shape.count(), 1);
  Tensor features = make_tensor(ctx(), shape, f);
  const auto g =
      recorded_output(ctx(), gram_shape(shape), [&](vk::Recorder& rec, Tensor& out) { ops::gram(rec, features, out); });
  EXPECT_LE(normalized_error(g, gram_reference(f, shape)), kTolerance);
}

TEST_P(Gram, SameInputGivesSameBits) {
  const Shape shape = GetParam();
  Tensor features = make_tensor(ctx(), shape, random_values(shape.count(), 2));
  const OutputRecorder gram = [&](vk::Recorder& rec, Tensor& out) { ops::gram(rec, features, out); };
  EXPECT_TRUE(
      same_bits(recorded_output(ctx(), gram_shape(shape), gram), recorded_output(ctx(), gram_shape(shape), gram)));
}

// gram_grad of features whose Gram matrix and target are uploaded, added to `initial` when
// that is given, and the reference for it.
struct GradientCase {
  Shape shape;
  std::vector<float> f, g, a, initial;
  double weight;

  GradientCase(Shape s, double w, std::vector<float> before = {})
      : shape(s),
        f(random_values(s.count(), 3)),
        g(to_float(gram_reference(f, s))),
        a(style_target(s)),
        initial(std::move(before)),
        weight(w) {}

  std::vector<float> run_on(vk::Context& ctx) const {
    Tensor features = make_tensor(ctx, shape, f, "features");
    Tensor gram = make_tensor(ctx, gram_shape(shape), g, "gram"),
           target = make_tensor(ctx, gram_shape(shape), a, "target");
    const auto accumulate = initial.empty() ? ops::Accumulate::overwrite : ops::Accumulate::add;
    return updated_output(ctx, shape, initial, [&](vk::Recorder& rec, Tensor& out) {
      ops::gram_grad(rec, features, gram, target, float(weight), out, accumulate);
    });
  }

  std::vector<double> reference() const {
    auto want = gram_grad_reference(f, g, a, shape, weight);
    for (size_t i = 0; i < initial.size(); ++i) want[i] += initial[i];
    return want;
  }
};

TEST_P(Gram, GradientMatchesReference) {
  const GradientCase c(GetParam(), 2.5);
  EXPECT_LE(normalized_error(c.run_on(ctx()), c.reference()), kTolerance);
}

// Besides the common shapes, planes of ≥ 2048 positions, which gram() sums in slices, and one
// of more column tiles than gram_grad dispatches workgroups for (1024 tiles of 64 positions),
// along which the workgroups step.
std::vector<Shape> gram_shapes() {
  auto shapes = feature_shapes();
  shapes.push_back({3, 64, 64});
  shapes.push_back({64, 48, 48});
  shapes.push_back({3, 257, 256});
  return shapes;
}

INSTANTIATE_TEST_SUITE_P(Shapes, Gram, ::testing::ValuesIn(gram_shapes()), shape_name);

// Small shapes (one element, odd, more channels than one 16-wide tile) for finite differences.
class StyleGradient : public KernelTest, public ::testing::WithParamInterface<Shape> {};

TEST_P(StyleGradient, MatchesFiniteDifferencesOfStyleLoss) {
  const Shape shape = GetParam();
  const float weight = 3.0f;
  const auto f = random_values(shape.count(), 4);
  Tensor features = make_tensor(ctx(), shape, f, "features");
  Tensor target = make_tensor(ctx(), gram_shape(shape), style_target(shape), "target");
  Tensor gram(ctx(), gram_shape(shape), "gram");
  const auto grad = recorded_output(ctx(), shape, [&](vk::Recorder& rec, Tensor& out) {
    ops::gram(rec, features, gram);
    ops::gram_grad(rec, features, gram, target, weight, out, ops::Accumulate::overwrite);
  });
  expect_gradient_matches_loss(ctx(), shape, f, grad, [&](vk::Recorder& rec, const Tensor& x, Tensor& s) {
    ops::gram(rec, x, gram);
    ops::style_loss(rec, x, gram, target, weight, s, 0, ops::Accumulate::overwrite);
  });
}

INSTANTIATE_TEST_SUITE_P(Shapes, StyleGradient, ::testing::Values(Shape{1, 1, 1}, Shape{3, 7, 5}, Shape{17, 6, 3}),
                         shape_name);

class StyleTerm : public KernelTest {};

TEST_F(StyleTerm, LossMatchesReference) {
  const Shape shape{64, 33, 17};
  const double weight = 7, n = shape.c, m = shape.plane();
  const auto f = random_values(shape.count(), 5);
  const auto a = style_target(shape);
  Tensor features = make_tensor(ctx(), shape, f, "features");
  Tensor target = make_tensor(ctx(), gram_shape(shape), a, "target");
  Tensor gram(ctx(), gram_shape(shape), "gram");
  const float got = recorded_slot(ctx(), [&](vk::Recorder& rec, Tensor& s, uint32_t slot) {
    ops::gram(rec, features, gram);
    ops::style_loss(rec, features, gram, target, float(weight), s, slot, ops::Accumulate::overwrite);
  });
  const auto g = gram_reference(f, shape);
  double want = 0;
  for (size_t i = 0; i < g.size(); ++i) want += (g[i] - a[i]) * (g[i] - a[i]);
  want *= weight / (4 * n * n * m * m);
  // The Gram matrix's own rounding (≲ 1e-5) enters the loss twice over.
  EXPECT_LE(normalized_error({got}, {want}), 1e-4);
}

TEST_F(StyleTerm, GradientAccumulates) {
  const GradientCase c(Shape{3, 7, 5}, 1e3, random_values(105, 7));
  EXPECT_LE(normalized_error(c.run_on(ctx()), c.reference()), kTolerance);
}

TEST_F(StyleTerm, WrongShapesThrow) {
  const Shape shape{3, 7, 5};
  Tensor features(ctx(), shape, "features"), grad(ctx(), shape, "grad"), other(ctx(), Shape{3, 5, 7}, "other");
  Tensor gram(ctx(), gram_shape(shape), "gram"), wrong(ctx(), Shape{1, 4, 4}, "wrong"),
      flat(ctx(), Shape{3, 3, 1}, "flat");
  Tensor scalars(ctx(), Shape{1, 1, 1}, "scalars");
  vk::Recorder rec(ctx());
  EXPECT_THROW(ops::gram(rec, features, wrong), nst::Error);
  EXPECT_THROW(ops::gram(rec, features, flat), nst::Error);
  EXPECT_THROW(ops::gram_grad(rec, features, gram, wrong, 1.0f, grad, ops::Accumulate::overwrite), nst::Error);
  EXPECT_THROW(ops::gram_grad(rec, features, wrong, gram, 1.0f, grad, ops::Accumulate::overwrite), nst::Error);
  EXPECT_THROW(ops::gram_grad(rec, features, gram, gram, 1.0f, other, ops::Accumulate::overwrite), nst::Error);
  EXPECT_THROW(ops::style_loss(rec, features, gram, wrong, 1.0f, scalars, 0, ops::Accumulate::overwrite), nst::Error);
  EXPECT_THROW(ops::style_loss(rec, features, gram, gram, 1.0f, scalars, 1, ops::Accumulate::overwrite), nst::Error);
}

}  // namespace
}  // namespace nst::test
