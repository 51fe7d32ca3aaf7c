// ops::conv3x3 and ops::conv3x3_grad_input, both shader variants, against a
// double-precision CPU reference and against finite differences of the forward kernel.
#include "ops/conv.h"

#include <cmath>
#include <tuple>

#include "support/kernel_test.h"
#include "vk/error.h"

namespace nst::test {
namespace {

struct ConvCase {
  uint32_t cin, cout, h, w;
};

ops::ConvKernel random_kernel(uint32_t cin, uint32_t cout, uint32_t seed) {
  // Scaled like He initialisation, so activations stay of order 1 at any channel count.
  const float bound = std::sqrt(6.0f / (9.0f * cin));
  return {cin, cout, random_values(size_t{9} * cin * cout, seed, -bound, bound), random_values(cout, seed + 1)};
}

std::vector<double> reference_conv(const std::vector<float>& x, const ops::ConvKernel& k, uint32_t h, uint32_t w,
                                   bool relu) {
  std::vector<double> out(size_t{k.cout} * h * w);
  for (uint32_t co = 0; co < k.cout; ++co)
    for (uint32_t y = 0; y < h; ++y)
      for (uint32_t xx = 0; xx < w; ++xx) {
        double sum = k.bias[co];
        for (uint32_t ci = 0; ci < k.cin; ++ci)
          for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx) {
              const int sy = int(y) + ky - 1, sx = int(xx) + kx - 1;
              if (sy < 0 || sy >= int(h) || sx < 0 || sx >= int(w)) continue;
              sum += double(k.hwio[((ky * 3 + kx) * k.cin + ci) * k.cout + co]) * x[(ci * h + sy) * w + sx];
            }
        out[(co * h + y) * w + xx] = relu ? std::max(sum, 0.0) : sum;
      }
  return out;
}

class Conv : public KernelTest, public ::testing::WithParamInterface<std::tuple<ConvCase, ops::ConvVariant>> {
 protected:
  ConvCase shape() const { return std::get<0>(GetParam()); }
  ops::ConvVariant variant() const { return std::get<1>(GetParam()); }
};

// fp32 accumulation over cin·9 terms of order 1 against the double reference.
constexpr double kTolerance = 1e-5;

TEST_P(Conv, ForwardMatchesReference) {
  const auto [cin, cout, h, w] = shape();
  const auto kernel = random_kernel(cin, cout, 10);
  const auto x = random_values(size_t{cin} * h * w, 11);
  const auto weights = ops::upload_conv_weights(ctx(), kernel, "conv");
  Tensor in = make_tensor(ctx(), {cin, h, w}, x);
  for (ops::Fuse fuse : {ops::Fuse::none, ops::Fuse::relu}) {
    Guarded out(ctx(), {cout, h, w});
    run(ctx(), [&](vk::Recorder& rec) { ops::conv3x3(rec, in, weights, out, fuse, variant()); });
    const auto want = reference_conv(x, kernel, h, w, fuse == ops::Fuse::relu);
    EXPECT_LT(normalized_error(out.download(), want), kTolerance);
    EXPECT_TRUE(out.guards_intact());
  }
}

TEST_P(Conv, GradientInputMatchesReferenceTransposedConvolution) {
  const auto [cin, cout, h, w] = shape();
  const auto kernel = random_kernel(cin, cout, 20);
  const auto grad = random_values(size_t{cout} * h * w, 21);
  const auto flipped = ops::upload_conv_weights(ctx(), kernel.flipped_transposed(), "flipped");
  Tensor grad_out = make_tensor(ctx(), {cout, h, w}, grad);
  Tensor unused_out(ctx(), {cout, h, w}, "unused");
  Guarded grad_in(ctx(), {cin, h, w});
  run(ctx(), [&](vk::Recorder& rec) {
    ops::conv3x3_grad_input(rec, grad_out, unused_out, flipped, grad_in, ops::Fuse::none, variant());
  });
  // d/dx Σ g ⊙ conv(x): for each input position, the sum of g over the outputs it feeds.
  std::vector<double> want(size_t{cin} * h * w, 0.0);
  for (uint32_t co = 0; co < cout; ++co)
    for (uint32_t y = 0; y < h; ++y)
      for (uint32_t xx = 0; xx < w; ++xx)
        for (uint32_t ci = 0; ci < cin; ++ci)
          for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx) {
              const int sy = int(y) + ky - 1, sx = int(xx) + kx - 1;
              if (sy < 0 || sy >= int(h) || sx < 0 || sx >= int(w)) continue;
              want[(ci * h + sy) * w + sx] +=
                  double(kernel.hwio[((ky * 3 + kx) * cin + ci) * cout + co]) * grad[(co * h + y) * w + xx];
            }
  EXPECT_LT(normalized_error(grad_in.download(), want), kTolerance);
  EXPECT_TRUE(grad_in.guards_intact());
}

TEST_P(Conv, GradientWithReluMatchesFiniteDifferences) {
  // Named, not a structured binding: the lambdas below capture them (clang before 16 cannot).
  const uint32_t cin = shape().cin, cout = shape().cout, h = shape().h, w = shape().w;
  const auto kernel = random_kernel(cin, cout, 30);
  const auto weights = ops::upload_conv_weights(ctx(), kernel, "conv");
  const auto flipped = ops::upload_conv_weights(ctx(), kernel.flipped_transposed(), "flipped");
  const auto x = random_values(size_t{cin} * h * w, 31);
  const auto direction = random_values(x.size(), 33);
  const double epsilon = 1e-2;

  // loss = Σ projection ⊙ relu(conv(x)). Outputs whose pre-activation changes sign
  // between x − εd and x + εd get no weight, so the loss is linear on the segment and
  // central differences are exact up to fp32 rounding.
  auto projection = random_values(size_t{cout} * h * w, 32);
  std::vector<float> plus(x), minus(x);
  for (size_t i = 0; i < x.size(); ++i) {
    plus[i] = float(x[i] + epsilon * direction[i]);
    minus[i] = float(x[i] - epsilon * direction[i]);
  }
  const auto pre_plus = reference_conv(plus, kernel, h, w, false);
  const auto pre_minus = reference_conv(minus, kernel, h, w, false);
  for (size_t i = 0; i < projection.size(); ++i) {
    if ((pre_plus[i] > 0) != (pre_minus[i] > 0)) projection[i] = 0.0f;
  }

  Tensor in = make_tensor(ctx(), {cin, h, w}, x);
  Tensor out(ctx(), {cout, h, w}, "out");
  Tensor grad_out = make_tensor(ctx(), {cout, h, w}, projection, "grad out");
  Tensor grad_in(ctx(), {cin, h, w}, "grad in");
  run(ctx(), [&](vk::Recorder& rec) {
    ops::conv3x3(rec, in, weights, out, ops::Fuse::relu, variant());
    ops::conv3x3_grad_input(rec, grad_out, out, flipped, grad_in, ops::Fuse::relu, variant());
  });
  auto loss = [&](const std::vector<float>& point) {
    Tensor probe = make_tensor(ctx(), {cin, h, w}, point);
    Tensor probe_out(ctx(), {cout, h, w}, "probe out");
    run(ctx(), [&](vk::Recorder& rec) { ops::conv3x3(rec, probe, weights, probe_out, ops::Fuse::relu, variant()); });
    return dot(projection, probe_out.download());
  };
  const double numeric = central_difference(loss, x, direction, epsilon);
  EXPECT_NEAR(dot(grad_in.download(), direction), numeric, 1e-3 * std::abs(numeric) + 1e-3);
}

TEST_P(Conv, SameInputGivesIdenticalBits) {
  const auto [cin, cout, h, w] = shape();
  const auto weights = ops::upload_conv_weights(ctx(), random_kernel(cin, cout, 40), "conv");
  Tensor in = make_tensor(ctx(), {cin, h, w}, random_values(size_t{cin} * h * w, 41));
  Tensor a(ctx(), {cout, h, w}, "a"), b(ctx(), {cout, h, w}, "b");
  run(ctx(), [&](vk::Recorder& rec) { ops::conv3x3(rec, in, weights, a, ops::Fuse::relu, variant()); });
  run(ctx(), [&](vk::Recorder& rec) { ops::conv3x3(rec, in, weights, b, ops::Fuse::relu, variant()); });
  EXPECT_EQ(a.download(), b.download());
}

std::string case_name(const ::testing::TestParamInfo<std::tuple<ConvCase, ops::ConvVariant>>& info) {
  const auto& [c, variant] = info.param;
  return std::string(ops::variant_name(variant)) + "_" + std::to_string(c.cin) + "to" + std::to_string(c.cout) +
         "_" + std::to_string(c.h) + "x" + std::to_string(c.w);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, Conv,
    ::testing::Combine(::testing::Values(ConvCase{1, 1, 1, 1}, ConvCase{1, 3, 5, 7}, ConvCase{3, 64, 7, 5},
                                         ConvCase{5, 6, 33, 17}, ConvCase{64, 64, 16, 16}, ConvCase{64, 5, 9, 11},
                                         ConvCase{256, 256, 5, 3}, ConvCase{3, 8, 70, 45}),
                       ::testing::Values(ops::ConvVariant::tiled, ops::ConvVariant::texel)),
    case_name);

class ConvErrors : public KernelTest {};

TEST_F(ConvErrors, MismatchedShapesAreRefused) {
  const auto weights = ops::upload_conv_weights(ctx(), random_kernel(3, 8, 1), "conv");
  Tensor in(ctx(), {4, 5, 5}, "in");
  Tensor out(ctx(), {8, 5, 5}, "out");
  vk::Recorder rec(ctx());
  EXPECT_THROW(ops::conv3x3(rec, in, weights, out, ops::Fuse::none), nst::Error);
  EXPECT_THROW(ops::upload_conv_weights(ctx(), ops::ConvKernel{3, 8, {1.0f}, {}}, "bad"), nst::Error);
}

TEST_F(ConvErrors, FlippedTransposedKernelSwapsChannelsAndFlipsTaps) {
  const auto k = random_kernel(2, 3, 5);
  const auto f = k.flipped_transposed();
  EXPECT_EQ(f.cin, 3u);
  EXPECT_EQ(f.cout, 2u);
  // tap (0,0) of (co=1 → ci=0) in the flipped kernel is tap (2,2) of (ci=0 → co=1).
  EXPECT_EQ(f.hwio[(0 * 3 + 1) * 2 + 0], k.hwio[(8 * 2 + 0) * 3 + 1]);
  EXPECT_EQ(f.flipped_transposed().hwio, k.hwio);
}

}  // namespace
}  // namespace nst::test
