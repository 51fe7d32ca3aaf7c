// ops::resize_bilinear against a double-precision reference of the same rule (bilinear
// with half-pixel centres, an area filter when shrinking by more than 2×), against
// PyTorch's known values, and for the properties the coarse-to-fine schedule relies on.
#include "ops/resize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "support/kernel_test.h"
#include "vk/error.h"

namespace nst::test {
namespace {

struct Tap {
  uint32_t index;
  double weight;
};

// The input pixels output pixel d reads along an axis of in_size → out_size, and how much.
std::vector<Tap> taps(uint32_t d, uint32_t in_size, uint32_t out_size) {
  const double ratio = double(in_size) / out_size;
  std::vector<Tap> result;
  if (ratio > 2) {  // the mean over the footprint [lo, hi)
    const double lo = d * ratio, hi = std::min((d + 1) * ratio, double(in_size));
    for (auto i = uint32_t(std::floor(lo)); i < std::min(uint32_t(std::ceil(hi)), in_size); ++i) {
      result.push_back({i, (std::min(i + 1.0, hi) - std::max(double(i), lo)) / (hi - lo)});
    }
    return result;
  }
  // PyTorch's align_corners=False: half-pixel centres, clamped at both ends.
  const double source = std::max((d + 0.5) * ratio - 0.5, 0.0);
  const auto first = std::min(uint32_t(std::floor(source)), in_size - 1);
  const double lambda = source - first;
  return {{first, 1 - lambda}, {std::min(first + 1, in_size - 1), lambda}};
}

std::vector<double> reference_resize(const Shape& in, const Shape& out, const std::vector<float>& values) {
  std::vector<double> result(out.count(), 0.0);
  for (uint32_t c = 0; c < out.c; ++c)
    for (uint32_t y = 0; y < out.h; ++y)
      for (uint32_t x = 0; x < out.w; ++x)
        for (const Tap& ty : taps(y, in.h, out.h))
          for (const Tap& tx : taps(x, in.w, out.w))
            result[(uint64_t{c} * out.h + y) * out.w + x] +=
                ty.weight * tx.weight * values[(uint64_t{c} * in.h + ty.index) * in.w + tx.index];
  return result;
}

struct Resize {
  Shape in, out;
};

std::string shape_name(const Shape& s) {
  return std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w);
}

void PrintTo(const Resize& r, std::ostream* os) { *os << shape_name(r.in) << "_to_" << shape_name(r.out); }

std::vector<float> device_resize(vk::Context& ctx, const Shape& in, const Shape& out,
                                 const std::vector<float>& values) {
  Tensor from = make_tensor(ctx, in, values);
  Tensor to(ctx, out, "resized");
  run(ctx, [&](vk::Recorder& rec) { ops::resize_bilinear(rec, from, to); });
  return to.download();
}

// Sums of at most a few dozen products in single precision.
constexpr double kTolerance = 1e-6;

class ResizeCases : public KernelTest, public ::testing::WithParamInterface<Resize> {};

TEST_P(ResizeCases, MatchesReference) {
  const auto [in, out] = GetParam();
  const auto values = random_values(in.count(), 21);
  Tensor from = make_tensor(ctx(), in, values);
  Guarded to(ctx(), out);
  run(ctx(), [&](vk::Recorder& rec) { ops::resize_bilinear(rec, from, to); });
  EXPECT_LE(normalized_error(to.download(), reference_resize(in, out, values)), kTolerance);
  EXPECT_TRUE(to.guards_intact());
}

TEST_P(ResizeCases, KeepsAConstantImageConstant) {
  const auto [in, out] = GetParam();
  for (float v : device_resize(ctx(), in, out, std::vector<float>(in.count(), 0.375f))) ASSERT_NEAR(v, 0.375f, 1e-6f);
}

INSTANTIATE_TEST_SUITE_P(Shapes, ResizeCases,
                         ::testing::Values(Resize{{3, 7, 5}, {3, 7, 5}},       // identity
                                           Resize{{2, 8, 6}, {2, 16, 12}},     // 2× up
                                           Resize{{2, 16, 12}, {2, 8, 6}},     // 2× down
                                           Resize{{3, 7, 5}, {3, 13, 9}},      // odd, up
                                           Resize{{3, 13, 9}, {3, 7, 5}},      // odd, down
                                           Resize{{1, 1, 1}, {1, 3, 4}},       // from one pixel
                                           Resize{{3, 40, 33}, {3, 5, 4}},     // area, 8×
                                           Resize{{3, 50, 37}, {3, 7, 11}},    // area, non-integer ratios
                                           Resize{{1, 20, 5}, {1, 4, 10}},     // area down, bilinear up
                                           Resize{{64, 33, 17}, {64, 17, 9}},  // many planes
                                           Resize{{3, 96, 128}, {3, 24, 32}}),
                         [](const auto& info) {
                           return shape_name(info.param.in) + "_to_" + shape_name(info.param.out);
                         });

class ResizeExact : public KernelTest {};

TEST_F(ResizeExact, EqualSizesCopyBitExactly) {
  const Shape shape{3, 33, 17};
  const auto values = random_values(shape.count(), 22, -150.0f, 160.0f);
  const auto got = device_resize(ctx(), shape, shape, values);
  ASSERT_EQ(got.size(), values.size());
  EXPECT_EQ(std::memcmp(got.data(), values.data(), values.size() * sizeof(float)), 0);
}

TEST_F(ResizeExact, EnlargingMatchesPyTorch) {
  // torch.nn.functional.interpolate(torch.arange(4.).view(1, 1, 1, 4), size=(1, 8),
  // mode='bilinear', align_corners=False)
  EXPECT_EQ(device_resize(ctx(), {1, 1, 4}, {1, 1, 8}, {0, 1, 2, 3}),
            (std::vector<float>{0, 0.25f, 0.75f, 1.25f, 1.75f, 2.25f, 2.75f, 3}));
}

TEST_F(ResizeExact, HalvingAveragesEachTwoByTwoBlock) {
  const std::vector<float> in{1, 2, 3, 4,  //
                              5, 6, 7, 8};
  EXPECT_EQ(device_resize(ctx(), {1, 2, 4}, {1, 1, 2}, in), (std::vector<float>{3.5f, 5.5f}));
}

TEST_F(ResizeExact, ShrinkingACheckerboardDoesNotAlias) {
  // Plain bilinear at 4× would read two of every four pixels and could give 0 or 1; the
  // area filter gives the mean, ½, where the ratio is whole, and near it where it is not.
  const Shape in{1, 32, 32};
  std::vector<float> board(in.count());
  for (uint32_t y = 0; y < in.h; ++y)
    for (uint32_t x = 0; x < in.w; ++x) board[y * in.w + x] = float((x + y) % 2);
  for (float v : device_resize(ctx(), in, {1, 8, 8}, board)) ASSERT_NEAR(v, 0.5f, 1e-6f);
  for (float v : device_resize(ctx(), in, {1, 7, 7}, board)) ASSERT_NEAR(v, 0.5f, 0.05f);
}

TEST_F(ResizeExact, DifferentChannelCountsThrow) {
  Tensor in(ctx(), {3, 8, 8}, "in");
  Tensor out(ctx(), {1, 4, 4}, "out");
  vk::Recorder rec(ctx());
  EXPECT_THROW(ops::resize_bilinear(rec, in, out), nst::Error);
}

}  // namespace
}  // namespace nst::test
