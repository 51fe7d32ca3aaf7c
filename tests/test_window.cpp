// ops::copy_window against a plain CPU reference, odd and round shapes, overwriting and
// adding, with guard regions; rectangles outside either tensor are refused.
#include "ops/window.h"

#include "errors.h"
#include "support/kernel_test.h"

namespace nst::test {
namespace {

class CopyWindow : public KernelTest {};

// dst after copying `from` of src to (to_x, to_y), in double.
std::vector<double> reference(const std::vector<float>& src, Shape s, ops::Rect from, std::vector<float> dst_values,
                              Shape d, uint32_t to_x, uint32_t to_y, bool add) {
  std::vector<double> dst(dst_values.begin(), dst_values.end());
  for (uint32_t c = 0; c < s.c; ++c)
    for (uint32_t y = 0; y < from.height; ++y)
      for (uint32_t x = 0; x < from.width; ++x) {
        const double v = src[(size_t{c} * s.h + from.y + y) * s.w + from.x + x];
        double& out = dst[(size_t{c} * d.h + to_y + y) * d.w + to_x + x];
        out = add ? out + v : v;
      }
  return dst;
}

TEST_F(CopyWindow, MatchesReference) {
  struct Case {
    Shape src, dst;
    ops::Rect from;
    uint32_t to_x, to_y;
  };
  for (const Case& c : {Case{{3, 13, 17}, {3, 9, 8}, {5, 2, 7, 9}, 1, 0},     // a window cut out
                        Case{{64, 7, 5}, {64, 16, 16}, {0, 0, 5, 7}, 11, 9},  // a tile added back
                        Case{{2, 8, 8}, {2, 8, 8}, {0, 0, 8, 8}, 0, 0}}) {   // the whole
    for (const bool add : {false, true}) {
      const auto src = random_values(c.src.count(), 1);
      const auto before = random_values(c.dst.count(), 2);
      Guarded dst(ctx(), c.dst);
      dst.tensor().upload(before);
      Tensor in = make_tensor(ctx(), c.src, src);
      run(ctx(), [&](vk::Recorder& rec) {
        ops::copy_window(rec, in, c.from, dst, c.to_x, c.to_y, add ? ops::Accumulate::add : ops::Accumulate::overwrite);
      });
      // A copy is exact; a sum is rounded to float once.
      EXPECT_LE(normalized_error(dst.download(), reference(src, c.src, c.from, before, c.dst, c.to_x, c.to_y, add)),
                add ? 1e-7 : 0.0)
          << c.from.str() << (add ? " added" : " copied");
      EXPECT_TRUE(dst.guards_intact());
    }
  }
}

TEST_F(CopyWindow, RefusesRectanglesOutsideEitherTensor) {
  Tensor src = make_tensor(ctx(), {3, 10, 10}, random_values(300, 3));
  Tensor dst = make_tensor(ctx(), {3, 6, 6}, random_values(108, 4));
  Tensor other = make_tensor(ctx(), {2, 6, 6}, random_values(72, 5));
  vk::Recorder rec(ctx());
  const auto overwrite = ops::Accumulate::overwrite;
  EXPECT_THROW(ops::copy_window(rec, src, {5, 5, 6, 2}, dst, 0, 0, overwrite), nst::Error);  // past src's right
  EXPECT_THROW(ops::copy_window(rec, src, {0, 0, 4, 4}, dst, 3, 0, overwrite), nst::Error);  // past dst's right
  EXPECT_THROW(ops::copy_window(rec, src, {0, 0, 0, 4}, dst, 0, 0, overwrite), nst::Error);  // empty
  EXPECT_THROW(ops::copy_window(rec, src, {0, 0, 2, 2}, other, 0, 0, overwrite), nst::Error);  // channels differ
}

}  // namespace
}  // namespace nst::test
