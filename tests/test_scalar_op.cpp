// Arithmetic on device scalar slots (ops::scalar_op): each op against the host's fp32
// result, in place, without touching any other slot, and slot errors.
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "ops/scalar_op.h"
#include "support/loss_checks.h"
#include "vk/error.h"

namespace nst::test {
namespace {

struct OpCase {
  ops::ScalarOp op;
  std::function<float(float, float)> host;
  double ulps;  // add, sub and mul are correctly rounded in Vulkan; div is within 2.5 ULP
  std::string name;
};

// Operands with long mantissas, so that every op rounds.
const std::vector<float> kSlots{1.2345678f, -0.3456789f, 7.25f, 42.0f};
constexpr uint32_t kA = 0, kB = 1, kUntouched = 2, kDst = 3;

class ScalarOpTest : public KernelTest, public ::testing::WithParamInterface<OpCase> {};

// Runs one scalar_op on guarded scalars holding kSlots and returns the slots.
std::vector<float> slots_after(vk::Context& ctx, ops::ScalarOp op, uint32_t dst, uint32_t a, uint32_t b) {
  Guarded scalars(ctx, Shape{1, 1, static_cast<uint32_t>(kSlots.size())}, "scalars");
  scalars.tensor().upload(kSlots);
  run(ctx, [&](vk::Recorder& rec) { ops::scalar_op(rec, scalars, dst, op, a, b); });
  EXPECT_TRUE(scalars.guards_intact());
  return scalars.download();
}

void expect_within_ulps(float got, float want, double ulps) {
  EXPECT_LE(std::abs(double(got) - double(want)), ulps * std::abs(double(want)) * 0x1p-23) << got << " vs " << want;
}

TEST_P(ScalarOpTest, MatchesHostAndWritesOnlyItsSlot) {
  const OpCase& c = GetParam();
  const auto got = slots_after(ctx(), c.op, kDst, kA, kB);
  expect_within_ulps(got[kDst], c.host(kSlots[kA], kSlots[kB]), c.ulps);
  for (uint32_t slot : {kA, kB, kUntouched}) EXPECT_TRUE(same_bits(got[slot], kSlots[slot])) << "slot " << slot;
}

TEST_P(ScalarOpTest, OverwritesAnOperandInPlace) {
  const OpCase& c = GetParam();
  const auto got = slots_after(ctx(), c.op, kA, kA, kB);
  expect_within_ulps(got[kA], c.host(kSlots[kA], kSlots[kB]), c.ulps);
  EXPECT_TRUE(same_bits(got[kB], kSlots[kB]));
}

INSTANTIATE_TEST_SUITE_P(Ops, ScalarOpTest,
                         ::testing::Values(OpCase{ops::ScalarOp::add, std::plus<float>(), 0, "add"},
                                           OpCase{ops::ScalarOp::sub, std::minus<float>(), 0, "sub"},
                                           OpCase{ops::ScalarOp::mul, std::multiplies<float>(), 0, "mul"},
                                           OpCase{ops::ScalarOp::div, std::divides<float>(), 2.5, "div"}),
                         [](const ::testing::TestParamInfo<OpCase>& info) { return info.param.name; });

class ScalarOpErrors : public KernelTest {};

TEST_F(ScalarOpErrors, SlotsOutsideTheScalarsThrow) {
  Tensor scalars(ctx(), Shape{1, 1, 3}, "scalars");
  vk::Recorder rec(ctx());
  EXPECT_THROW(ops::scalar_op(rec, scalars, 3, ops::ScalarOp::add, 0, 1), nst::Error);
  EXPECT_THROW(ops::scalar_op(rec, scalars, 0, ops::ScalarOp::add, 3, 1), nst::Error);
  EXPECT_THROW(ops::scalar_op(rec, scalars, 0, ops::ScalarOp::add, 0, 3), nst::Error);
}

}  // namespace
}  // namespace nst::test
