// The content term (ops::content_loss, ops::content_grad) and total variation
// (ops::total_variation, ops::total_variation_grad) against double-precision references,
// the gradients against central differences of the losses, accumulation, determinism and
// shape errors.
#include "ops/content.h"
#include "ops/tv.h"
#include "support/loss_checks.h"
#include "vk/error.h"

namespace nst::test {
namespace {

// Element-wise gradients are a few fp32 operations per element: ~1e-7 relative. The losses
// are fp32 sums of ≤ 3·10⁶ non-negative terms, each meeting ≤ ~32 roundings (see
// test_reduce.cpp): ≲ 2e-6 relative (measured: ≤ 1.3e-7). 1e-5 bounds both with margin.
constexpr double kTolerance = 1e-5;

constexpr float kWeight = 1.5f;

// Calls visit(i, j) for every neighbour pair (i, j = right or lower neighbour of i) of x.
template <typename Visit>
void for_each_neighbour_pair(Shape shape, Visit visit) {
  for (size_t c = 0; c < shape.c; ++c) {
    for (size_t row = 0; row < shape.h; ++row) {
      for (size_t column = 0; column < shape.w; ++column) {
        const size_t i = (c * shape.h + row) * shape.w + column;
        if (column + 1 < shape.w) visit(i, i + 1);
        if (row + 1 < shape.h) visit(i, i + shape.w);
      }
    }
  }
}

// Random features F (also the image x of total variation) and a random content target P: the
// terms as recorded on the device and as the double-precision references compute them.
struct Terms {
  Shape shape;
  std::vector<float> f, p;
  Tensor features, target;

  Terms(vk::Context& ctx, Shape s, uint32_t seed)
      : shape(s),
        f(random_values(s.count(), seed)),
        p(random_values(s.count(), seed + 1)),
        features(make_tensor(ctx, s, f, "features")),
        target(make_tensor(ctx, s, p, "target")) {}

  double content_loss() const {
    double sum = 0;
    for (size_t i = 0; i < f.size(); ++i) sum += 0.5 * kWeight * (double(f[i]) - p[i]) * (double(f[i]) - p[i]);
    return sum;
  }
  std::vector<double> content_grad() const {
    std::vector<double> grad(f.size());
    for (size_t i = 0; i < f.size(); ++i) grad[i] = kWeight * (double(f[i]) - p[i]);
    return grad;
  }
  double total_variation() const {
    double sum = 0;
    for_each_neighbour_pair(shape, [&](size_t i, size_t j) { sum += (double(f[j]) - f[i]) * (double(f[j]) - f[i]); });
    return kWeight * sum;
  }
  std::vector<double> total_variation_grad() const {
    std::vector<double> grad(f.size(), 0.0);
    for_each_neighbour_pair(shape, [&](size_t i, size_t j) {
      const double d = 2 * kWeight * (double(f[j]) - f[i]);
      grad[j] += d;
      grad[i] -= d;
    });
    return grad;
  }

  SlotRecorder record_content_loss(ops::Accumulate accumulate = ops::Accumulate::overwrite) const {
    return [this, accumulate](vk::Recorder& rec, Tensor& s, uint32_t slot) {
      ops::content_loss(rec, features, target, kWeight, s, slot, accumulate);
    };
  }
  SlotRecorder record_total_variation(ops::Accumulate accumulate = ops::Accumulate::overwrite) const {
    return [this, accumulate](vk::Recorder& rec, Tensor& s, uint32_t slot) {
      ops::total_variation(rec, features, kWeight, s, slot, accumulate);
    };
  }
  OutputRecorder record_content_grad(ops::Accumulate accumulate = ops::Accumulate::overwrite) const {
    return [this, accumulate](vk::Recorder& rec, Tensor& out) {
      ops::content_grad(rec, features, target, kWeight, out, accumulate);
    };
  }
  OutputRecorder record_total_variation_grad(ops::Accumulate accumulate = ops::Accumulate::overwrite) const {
    return [this, accumulate](vk::Recorder& rec, Tensor& out) {
      ops::total_variation_grad(rec, features, kWeight, out, accumulate);
    };
  }
};

class ContentTv : public KernelTest, public ::testing::WithParamInterface<Shape> {};

TEST_P(ContentTv, ContentLossMatchesReference) {
  const Terms t(ctx(), GetParam(), 1);
  EXPECT_LE(normalized_error({recorded_slot(ctx(), t.record_content_loss())}, {t.content_loss()}), kTolerance);
}

TEST_P(ContentTv, ContentGradientMatchesReference) {
  const Terms t(ctx(), GetParam(), 3);
  EXPECT_LE(normalized_error(recorded_output(ctx(), t.shape, t.record_content_grad()), t.content_grad()), kTolerance);
}

// A 1×1 plane has no neighbour pairs: the loss and its gradient are exactly 0.
TEST_P(ContentTv, TotalVariationMatchesReference) {
  const Terms t(ctx(), GetParam(), 5);
  EXPECT_LE(normalized_error({recorded_slot(ctx(), t.record_total_variation())}, {t.total_variation()}), kTolerance);
}

TEST_P(ContentTv, TotalVariationIsDeterministic) {
  const Terms t(ctx(), GetParam(), 7);
  EXPECT_TRUE(
      same_bits(recorded_slot(ctx(), t.record_total_variation()), recorded_slot(ctx(), t.record_total_variation())));
}

TEST_P(ContentTv, TotalVariationGradientMatchesReference) {
  const Terms t(ctx(), GetParam(), 9);
  EXPECT_LE(
      normalized_error(recorded_output(ctx(), t.shape, t.record_total_variation_grad()), t.total_variation_grad()),
      kTolerance);
}

std::vector<Shape> content_tv_shapes() {
  auto shapes = feature_shapes();
  shapes.push_back({3, 1000, 1000});  // an image: 3·10⁶ terms
  return shapes;
}

INSTANTIATE_TEST_SUITE_P(Shapes, ContentTv, ::testing::ValuesIn(content_tv_shapes()), shape_name);

// Small shapes for finite differences: one element (no neighbour pairs: both sides are 0),
// a row, a column, odd planes.
class ContentTvGradient : public KernelTest, public ::testing::WithParamInterface<Shape> {};

TEST_P(ContentTvGradient, ContentMatchesFiniteDifferences) {
  const Terms t(ctx(), GetParam(), 11);
  expect_gradient_matches_loss(ctx(), t.shape, t.f, recorded_output(ctx(), t.shape, t.record_content_grad()),
                               [&](vk::Recorder& rec, const Tensor& x, Tensor& s) {
                                 ops::content_loss(rec, x, t.target, kWeight, s, 0, ops::Accumulate::overwrite);
                               });
}

TEST_P(ContentTvGradient, TotalVariationMatchesFiniteDifferences) {
  const Terms t(ctx(), GetParam(), 13);
  expect_gradient_matches_loss(ctx(), t.shape, t.f, recorded_output(ctx(), t.shape, t.record_total_variation_grad()),
                               [&](vk::Recorder& rec, const Tensor& x, Tensor& s) {
                                 ops::total_variation(rec, x, kWeight, s, 0, ops::Accumulate::overwrite);
                               });
}

INSTANTIATE_TEST_SUITE_P(Shapes, ContentTvGradient,
                         ::testing::Values(Shape{1, 1, 1}, Shape{1, 1, 9}, Shape{2, 9, 1}, Shape{3, 7, 5}), shape_name);

class ContentTvTerms : public KernelTest {};

TEST_F(ContentTvTerms, GradientsAccumulateIntoOneBuffer) {
  const Terms t(ctx(), Shape{3, 7, 5}, 15);
  const auto before = random_values(t.f.size(), 17);
  const auto got = updated_output(ctx(), t.shape, before, [&](vk::Recorder& rec, Tensor& out) {
    t.record_content_grad(ops::Accumulate::add)(rec, out);
    t.record_total_variation_grad(ops::Accumulate::add)(rec, out);
  });
  auto want = t.content_grad();
  const auto tv = t.total_variation_grad();
  for (size_t i = 0; i < want.size(); ++i) want[i] += tv[i] + before[i];
  EXPECT_LE(normalized_error(got, want), kTolerance);
}

TEST_F(ContentTvTerms, LossesAccumulateIntoOneSlot) {
  const Terms t(ctx(), Shape{3, 7, 5}, 18);
  const float got = recorded_slot(ctx(), [&](vk::Recorder& rec, Tensor& s, uint32_t slot) {
    t.record_content_loss()(rec, s, slot);
    t.record_total_variation(ops::Accumulate::add)(rec, s, slot);
  });
  EXPECT_LE(normalized_error({got}, {t.content_loss() + t.total_variation()}), kTolerance);
}

TEST_F(ContentTvTerms, WrongShapesAndSlotsThrow) {
  Tensor a(ctx(), Shape{3, 7, 5}, "a"), b(ctx(), Shape{3, 5, 7}, "b"), scalars(ctx(), Shape{1, 1, 3}, "scalars");
  vk::Recorder rec(ctx());
  EXPECT_THROW(ops::content_loss(rec, a, b, 1.0f, scalars, 0, ops::Accumulate::overwrite), nst::Error);
  EXPECT_THROW(ops::content_grad(rec, a, b, 1.0f, a, ops::Accumulate::overwrite), nst::Error);
  EXPECT_THROW(ops::content_grad(rec, a, a, 1.0f, b, ops::Accumulate::overwrite), nst::Error);
  EXPECT_THROW(ops::total_variation_grad(rec, a, 1.0f, b, ops::Accumulate::overwrite), nst::Error);
  EXPECT_THROW(ops::total_variation(rec, a, 1.0f, scalars, 3, ops::Accumulate::overwrite), nst::Error);
  EXPECT_THROW(ops::content_loss(rec, a, a, 1.0f, scalars, 3, ops::Accumulate::overwrite), nst::Error);
}

}  // namespace
}  // namespace nst::test
