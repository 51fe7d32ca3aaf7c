// ops::rgb_to_net, ops::net_to_rgb and ops::preserve_colors against double-precision
// references.
#include "ops/color.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <string>
#include <tuple>

#include "support/kernel_test.h"
#include "vk/error.h"

namespace nst::test {
namespace {

struct ImageSize {
  uint32_t h, w;
  uint64_t pixels() const { return uint64_t{h} * w; }
};

Shape interleaved(const ImageSize& size) { return {size.h, size.w, 3}; }  // rows, columns, R G B
Shape planar(const ImageSize& size) { return {3, size.h, size.w}; }       // B, G, R planes

// The mean pixel of the network's input space, in its B, G, R order.
constexpr double kMeanBgr[3] = {103.939, 116.779, 123.68};

// Interleaved channel (R 0, G 1, B 2) of plane (B 0, G 1, R 2).
size_t rgb_channel(size_t plane) { return 2 - plane; }

std::vector<double> reference_to_net(const ImageSize& size, const std::vector<float>& rgb) {
  std::vector<double> net(planar(size).count());
  for (size_t p = 0; p < size.pixels(); ++p) {
    for (size_t plane = 0; plane < 3; ++plane) {
      net[plane * size.pixels() + p] = 255.0 * rgb[3 * p + rgb_channel(plane)] - kMeanBgr[plane];
    }
  }
  return net;
}

std::vector<double> reference_to_rgb(const ImageSize& size, const std::vector<float>& net) {
  std::vector<double> rgb(interleaved(size).count());
  for (size_t p = 0; p < size.pixels(); ++p) {
    for (size_t plane = 0; plane < 3; ++plane) {
      const double value = (net[plane * size.pixels() + p] + kMeanBgr[plane]) / 255.0;
      rgb[3 * p + rgb_channel(plane)] = std::clamp(value, 0.0, 1.0);
    }
  }
  return rgb;
}

// One direction of the conversion: its kernel, its tensors' shapes, the range test inputs
// are drawn from, and the reference.
struct Conversion {
  const char* name;
  void (*op)(vk::Recorder&, const Tensor& from, Tensor& to);
  Shape (*from)(const ImageSize&);
  Shape (*to)(const ImageSize&);
  float lo, hi;
  std::vector<double> (*reference)(const ImageSize&, const std::vector<float>&);
};

void PrintTo(const Conversion& conversion, std::ostream* os) { *os << conversion.name; }

const Conversion kToNet{"to_net", ops::rgb_to_net, interleaved, planar, 0.0f, 1.0f, reference_to_net};
// Network values beyond both ends of the displayable range (0..255 minus a mean of
// 104..124), so that clamping is exercised too.
const Conversion kToRgb{"to_rgb", ops::net_to_rgb, planar, interleaved, -150.0f, 160.0f, reference_to_rgb};

std::vector<float> device_convert(vk::Context& ctx, const Conversion& conversion, const ImageSize& size,
                                  const std::vector<float>& values) {
  Tensor from = make_tensor(ctx, conversion.from(size), values);
  Tensor to(ctx, conversion.to(size), "converted");
  run(ctx, [&](vk::Recorder& rec) { conversion.op(rec, from, to); });
  return to.download();
}

std::vector<double> widened(const std::vector<float>& values) { return {values.begin(), values.end()}; }

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// A scale, an offset and a division in single precision: only rounding differs.
constexpr double kTolerance = 1e-6;

std::string size_name(const ImageSize& size) { return std::to_string(size.h) + "x" + std::to_string(size.w); }

const auto kSizes = ::testing::Values(ImageSize{1, 1}, ImageSize{2, 2}, ImageSize{5, 7}, ImageSize{17, 33},
                                      ImageSize{33, 17}, ImageSize{3, 256}, ImageSize{1031, 1031});

class Convert : public KernelTest, public ::testing::WithParamInterface<std::tuple<Conversion, ImageSize>> {
 protected:
  const Conversion& conversion() const { return std::get<0>(GetParam()); }
  ImageSize size() const { return std::get<1>(GetParam()); }
};

TEST_P(Convert, MatchesReference) {
  const auto values = random_values(conversion().from(size()).count(), 1, conversion().lo, conversion().hi);
  Tensor from = make_tensor(ctx(), conversion().from(size()), values);
  Guarded to(ctx(), conversion().to(size()));
  run(ctx(), [&](vk::Recorder& rec) { conversion().op(rec, from, to); });
  EXPECT_LE(normalized_error(to.download(), conversion().reference(size(), values)), kTolerance);
  EXPECT_TRUE(to.guards_intact());
}

TEST_P(Convert, IsDeterministic) {
  const auto values = random_values(conversion().from(size()).count(), 2, conversion().lo, conversion().hi);
  EXPECT_TRUE(same_bits(device_convert(ctx(), conversion(), size(), values),
                        device_convert(ctx(), conversion(), size(), values)));
}

INSTANTIATE_TEST_SUITE_P(Sizes, Convert, ::testing::Combine(::testing::Values(kToNet, kToRgb), kSizes),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param).name) + "_" +
                                  size_name(std::get<1>(info.param));
                         });

class RoundTrip : public KernelTest, public ::testing::WithParamInterface<ImageSize> {};

TEST_P(RoundTrip, RestoresImage) {
  const ImageSize size = GetParam();
  const auto rgb = random_values(interleaved(size).count(), 3, 0.0f, 1.0f);
  const auto restored = device_convert(ctx(), kToRgb, size, device_convert(ctx(), kToNet, size, rgb));
  EXPECT_LE(normalized_error(restored, widened(rgb)), kTolerance);
}

INSTANTIATE_TEST_SUITE_P(Sizes, RoundTrip, kSizes, [](const auto& info) { return size_name(info.param); });

class ColorExact : public KernelTest {};

TEST_F(ColorExact, PrimaryColoursKeepChannelOrder) {
  const ImageSize size{1, 3};
  const std::vector<float> red_green_blue{1, 0, 0, 0, 1, 0, 0, 0, 1};
  const auto net = device_convert(ctx(), kToNet, size, red_green_blue);
  // Planes B, G, R; within each, the red, green and blue pixel.
  const std::vector<double> want{-103.939,       -103.939,        255.0 - 103.939,  //
                                 -116.779,       255.0 - 116.779, -116.779,         //
                                 255.0 - 123.68, -123.68,         -123.68};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(net[i], want[i], 1e-4) << "element " << i;
  EXPECT_EQ(device_convert(ctx(), kToRgb, size, net), red_green_blue);
}

TEST_F(ColorExact, ClampsOutOfRangeValues) {
  const ImageSize size{1, 2};
  // Pixel 0 far below the range in every channel, pixel 1 far above.
  const std::vector<float> net{-1000, 1000, -1000, 1000, -1000, 1000};
  EXPECT_EQ(device_convert(ctx(), kToRgb, size, net), (std::vector<float>{0, 0, 0, 1, 1, 1}));
}

TEST_F(ColorExact, WrongShapesThrow) {
  Tensor rgb(ctx(), {4, 6, 3}, "rgb");
  Tensor net(ctx(), {3, 4, 6}, "net");
  Tensor transposed(ctx(), {3, 6, 4}, "transposed net");
  Tensor planar_as_rgb(ctx(), {3, 4, 6}, "planar rgb");
  vk::Recorder rec(ctx());
  EXPECT_THROW(ops::rgb_to_net(rec, rgb, transposed), nst::Error);
  EXPECT_THROW(ops::net_to_rgb(rec, transposed, rgb), nst::Error);
  EXPECT_THROW(ops::rgb_to_net(rec, planar_as_rgb, net), nst::Error);
  EXPECT_THROW(ops::net_to_rgb(rec, net, planar_as_rgb), nst::Error);
}

// Colour preservation. The reference goes through YIQ and back with the exact inverse
// matrix, so it also checks the shader's shortcut (content + ΔY in every channel).
using Matrix = std::array<std::array<double, 3>, 3>;
using Colour = std::array<double, 3>;

// NTSC's YIQ from R'G'B'.
constexpr Matrix kToYiq{{{0.299, 0.587, 0.114}, {0.596, -0.274, -0.322}, {0.211, -0.523, 0.312}}};

Colour times(const Matrix& m, const Colour& v) {
  Colour out{};
  for (size_t r = 0; r < 3; ++r) out[r] = m[r][0] * v[0] + m[r][1] * v[1] + m[r][2] * v[2];
  return out;
}

// The inverse by the adjugate (cofactors, transposed) over the determinant.
Matrix inverse(const Matrix& m) {
  Matrix adjugate{};
  for (size_t r = 0; r < 3; ++r) {
    for (size_t c = 0; c < 3; ++c) {
      const size_t r1 = (c + 1) % 3, r2 = (c + 2) % 3, c1 = (r + 1) % 3, c2 = (r + 2) % 3;
      adjugate[r][c] = m[r1][c1] * m[r2][c2] - m[r1][c2] * m[r2][c1];
    }
  }
  const double determinant = m[0][0] * adjugate[0][0] + m[0][1] * adjugate[1][0] + m[0][2] * adjugate[2][0];
  for (auto& row : adjugate)
    for (double& v : row) v /= determinant;
  return adjugate;
}

Colour pixel(const std::vector<float>& rgb, size_t p) { return {rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2]}; }

Colour yiq(const std::vector<float>& rgb, size_t p) { return times(kToYiq, pixel(rgb, p)); }

std::vector<double> reference_preserve_colors(const std::vector<float>& stylised, const std::vector<float>& content) {
  static const Matrix kFromYiq = inverse(kToYiq);
  std::vector<double> out(stylised.size());
  for (size_t p = 0; p < stylised.size() / 3; ++p) {
    const Colour mixed = times(kFromYiq, {yiq(stylised, p)[0], yiq(content, p)[1], yiq(content, p)[2]});
    for (size_t c = 0; c < 3; ++c) out[3 * p + c] = std::clamp(mixed[c], 0.0, 1.0);
  }
  return out;
}

class PreserveColors : public KernelTest, public ::testing::WithParamInterface<ImageSize> {
 protected:
  // The result for random images in the given ranges (seeded), and the inputs.
  struct Case {
    std::vector<float> stylised, content, out;
  };
  Case run_case(float lo, float hi, float content_lo, float content_hi) {
    const Shape shape = interleaved(GetParam());
    Case c{random_values(shape.count(), 11, lo, hi), random_values(shape.count(), 12, content_lo, content_hi), {}};
    Tensor stylised = make_tensor(ctx(), shape, c.stylised, "stylised");
    Tensor content = make_tensor(ctx(), shape, c.content, "content");
    Guarded out(ctx(), shape);
    run(ctx(), [&](vk::Recorder& rec) { ops::preserve_colors(rec, stylised, content, out); });
    EXPECT_TRUE(out.guards_intact());
    c.out = out.download();
    return c;
  }
};

TEST_P(PreserveColors, MatchesReference) {
  // Over the whole range, so that many pixels clamp.
  const Case c = run_case(0.0f, 1.0f, 0.0f, 1.0f);
  EXPECT_LE(normalized_error(c.out, reference_preserve_colors(c.stylised, c.content)), kTolerance);
}

TEST_P(PreserveColors, KeepsContentChromaAndStylisedLuminance) {
  // Content in 0.3..0.7 and stylised in 0.4..0.6: ΔY stays within ±0.3, nothing clamps.
  const Case c = run_case(0.4f, 0.6f, 0.3f, 0.7f);
  // Single-precision rounding of values below 1.
  constexpr double kPerPixel = 1e-6;
  for (size_t p = 0; p < c.out.size() / 3; ++p) {
    const Colour got = yiq(c.out, p), content = yiq(c.content, p);
    ASSERT_NEAR(got[0], yiq(c.stylised, p)[0], kPerPixel) << "Y of pixel " << p;
    ASSERT_NEAR(got[1], content[1], kPerPixel) << "I of pixel " << p;
    ASSERT_NEAR(got[2], content[2], kPerPixel) << "Q of pixel " << p;
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, PreserveColors, kSizes, [](const auto& info) { return size_name(info.param); });

TEST_F(ColorExact, PreserveColorsKeepsGreysOfTheContentGrey) {
  // A grey content has no chroma: the result is the stylised luminance as a grey.
  const Shape shape{1, 2, 3};
  Tensor stylised = make_tensor(ctx(), shape, {1, 0, 0, 0, 0, 1}, "stylised");  // red, blue
  Tensor content = make_tensor(ctx(), shape, {0.5f, 0.5f, 0.5f, 0.2f, 0.2f, 0.2f}, "content");
  Tensor out(ctx(), shape, "out");
  run(ctx(), [&](vk::Recorder& rec) { ops::preserve_colors(rec, stylised, content, out); });
  const std::vector<float> got = out.download();
  for (size_t c = 0; c < 3; ++c) {
    EXPECT_NEAR(got[c], 0.299, 1e-6);
    EXPECT_NEAR(got[3 + c], 0.114, 1e-6);
  }
}

TEST_F(ColorExact, PreserveColorsRefusesMismatchedImages) {
  Tensor a(ctx(), {4, 6, 3}, "a");
  Tensor b(ctx(), {4, 5, 3}, "b");
  Tensor planar_image(ctx(), {3, 4, 6}, "planar");
  vk::Recorder rec(ctx());
  EXPECT_THROW(ops::preserve_colors(rec, a, b, a), nst::Error);
  EXPECT_THROW(ops::preserve_colors(rec, a, a, b), nst::Error);
  EXPECT_THROW(ops::preserve_colors(rec, planar_image, planar_image, planar_image), nst::Error);
}

}  // namespace
}  // namespace nst::test
