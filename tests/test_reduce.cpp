// ops::dot and ops::sum_squared_difference against a double-precision reference: values,
// the slot they write, accumulation, determinism, and the errors they refuse with.
#include "ops/reduce.h"
#include "support/loss_checks.h"
#include "vk/error.h"

namespace nst::test {
namespace {

// The first pass cuts n terms into at most 1024 chunks; an invocation sums a strided run of
// ⌈chunk/256⌉ terms (≤ 4 for n ≤ 10⁶), then trees of depth 8, a run of ≤ 4 partials and another
// tree of depth 8 combine them: each term meets ≤ ~24 roundings of 2⁻²⁴, so the error stays
// below ~1.5e-6·Σ|terms| (measured: ≤ 1.3e-7). 1e-5·Σ|terms| leaves margin; for terms of one
// sign that is 1e-5 relative, for dot products of mixed signs it allows for their cancellation.
constexpr double kTolerance = 1e-5;

class Reduce : public KernelTest, public ::testing::WithParamInterface<Shape> {};

std::vector<Shape> reduction_shapes() {
  auto shapes = feature_shapes();
  shapes.push_back({1, 1000, 1000});  // 10⁶ terms: many workgroups, each several per invocation
  return shapes;
}

double squared_difference_reference(const std::vector<float>& x, const std::vector<float>& y, double scale) {
  double sum = 0;
  for (size_t i = 0; i < x.size(); ++i) sum += scale * (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
  return sum;
}

TEST_P(Reduce, DotMatchesReference) {
  const Shape shape = GetParam();
  const auto x = random_values(shape.count(), 1), y = random_values(shape.count(), 2);
  Tensor a = make_tensor(ctx(), shape, x), b = make_tensor(ctx(), shape, y);
  const float got =
      recorded_slot(ctx(), [&](vk::Recorder& rec, Tensor& s, uint32_t slot) { ops::dot(rec, a, b, s, slot); });

  double want = 0, magnitude = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    want += double(x[i]) * y[i];
    magnitude += std::abs(double(x[i]) * y[i]);
  }
  EXPECT_NEAR(got, want, kTolerance * magnitude);
}

TEST_P(Reduce, SumSquaredDifferenceMatchesReference) {
  const Shape shape = GetParam();
  const auto x = random_values(shape.count(), 3), y = random_values(shape.count(), 4);
  Tensor a = make_tensor(ctx(), shape, x), b = make_tensor(ctx(), shape, y);
  const float got = recorded_slot(ctx(), [&](vk::Recorder& rec, Tensor& s, uint32_t slot) {
    ops::sum_squared_difference(rec, a, b, 0.25f, s, slot, ops::Accumulate::overwrite);
  });
  EXPECT_LE(normalized_error({got}, {squared_difference_reference(x, y, 0.25)}), kTolerance);
}

TEST_P(Reduce, SameInputGivesSameBits) {
  const Shape shape = GetParam();
  Tensor a = make_tensor(ctx(), shape, random_values(shape.count(), 5));
  Tensor b = make_tensor(ctx(), shape, random_values(shape.count(), 6));
  const SlotRecorder dot = [&](vk::Recorder& rec, Tensor& s, uint32_t slot) { ops::dot(rec, a, b, s, slot); };
  const SlotRecorder squared_difference = [&](vk::Recorder& rec, Tensor& s, uint32_t slot) {
    ops::sum_squared_difference(rec, a, b, 1.0f, s, slot, ops::Accumulate::overwrite);
  };
  EXPECT_TRUE(same_bits(recorded_slot(ctx(), dot), recorded_slot(ctx(), dot)));
  EXPECT_TRUE(same_bits(recorded_slot(ctx(), squared_difference), recorded_slot(ctx(), squared_difference)));
}

INSTANTIATE_TEST_SUITE_P(Shapes, Reduce, ::testing::ValuesIn(reduction_shapes()), shape_name);

class ReduceSlots : public KernelTest {};

TEST_F(ReduceSlots, AccumulateAddsToTheSlot) {
  const Shape shape{3, 7, 5};
  const auto x = random_values(shape.count(), 7), y = random_values(shape.count(), 8);
  Tensor a = make_tensor(ctx(), shape, x), b = make_tensor(ctx(), shape, y);
  const float got = recorded_slot(ctx(), [&](vk::Recorder& rec, Tensor& s, uint32_t slot) {
    ops::sum_squared_difference(rec, a, b, 1.0f, s, slot, ops::Accumulate::overwrite);
    ops::sum_squared_difference(rec, a, b, 2.0f, s, slot, ops::Accumulate::add);
  });
  EXPECT_LE(normalized_error({got}, {squared_difference_reference(x, y, 3.0)}), kTolerance);
}

TEST_F(ReduceSlots, WrongShapesAndSlotsThrow) {
  Tensor a(ctx(), Shape{3, 7, 5}, "a"), b(ctx(), Shape{3, 5, 7}, "b");
  Tensor scalars(ctx(), Shape{1, 1, 4}, "scalars");
  vk::Recorder rec(ctx());
  EXPECT_THROW(ops::dot(rec, a, b, scalars, 0), nst::Error);
  EXPECT_THROW(ops::sum_squared_difference(rec, a, b, 1.0f, scalars, 0, ops::Accumulate::overwrite), nst::Error);
  EXPECT_THROW(ops::dot(rec, a, a, scalars, 4), nst::Error);
  EXPECT_THROW(ops::sum_squared_difference(rec, a, a, 1.0f, scalars, 4, ops::Accumulate::add), nst::Error);
}

}  // namespace
}  // namespace nst::test
