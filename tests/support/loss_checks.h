#pragma once
// What the reduction, loss and optimiser suites share: the shapes they run on, reading
// device scalar slots, exact-bit comparison, and gradient checks against central
// differences of a loss computed on the device.
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "support/kernel_test.h"

namespace nst::test {

// Channel counts 1, 3, 64 and 256 on planes 1×1, 7×5 (odd) and 33×17 (no multiple of any
// workgroup or tile size).
inline std::vector<Shape> feature_shapes() {
  std::vector<Shape> shapes;
  for (uint32_t c : {1u, 3u, 64u, 256u}) {
    for (auto [h, w] : {std::pair{1u, 1u}, std::pair{7u, 5u}, std::pair{33u, 17u}}) shapes.push_back({c, h, w});
  }
  return shapes;
}

// "64_33_17", for parameterised test names.
inline std::string shape_name(const ::testing::TestParamInfo<Shape>& info) {
  const Shape& s = info.param;
  return std::to_string(s.c) + "_" + std::to_string(s.h) + "_" + std::to_string(s.w);
}

inline bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

inline bool same_bits(float a, float b) { return same_bits(std::vector<float>{a}, std::vector<float>{b}); }

// Runs `record` into one slot of guarded scalars and returns that slot's value, after
// checking that nothing else in or around the scalars was written.
using SlotRecorder = std::function<void(vk::Recorder&, Tensor& scalars, uint32_t slot)>;

inline float recorded_slot(vk::Context& ctx, const SlotRecorder& record) {
  constexpr uint32_t slot = 1;
  Guarded scalars(ctx, Shape{1, 1, 3}, "scalars");
  run(ctx, [&](vk::Recorder& rec) { record(rec, scalars, slot); });
  const auto slots = scalars.download();
  EXPECT_TRUE(std::isnan(slots[0]) && std::isnan(slots[2])) << "a neighbouring slot was written";
  EXPECT_TRUE(scalars.guards_intact());
  return slots[slot];
}

// Runs `record` on a guarded output of `shape` that holds `initial` (Guarded's NaN sentinel
// if `initial` is empty) and returns the output, after checking that nothing around it was
// written.
using OutputRecorder = std::function<void(vk::Recorder&, Tensor& out)>;

inline std::vector<float> updated_output(vk::Context& ctx, Shape shape, const std::vector<float>& initial,
                                         const OutputRecorder& record) {
  Guarded out(ctx, shape);
  if (!initial.empty()) out.tensor().upload(initial);
  run(ctx, [&](vk::Recorder& rec) { record(rec, out); });
  EXPECT_TRUE(out.guards_intact());
  return out.download();
}

inline std::vector<float> recorded_output(vk::Context& ctx, Shape shape, const OutputRecorder& record) {
  return updated_output(ctx, shape, {}, record);
}

// Records a loss of the input x into slot 0 of `scalars`.
using LossRecorder = std::function<void(vk::Recorder&, const Tensor& x, Tensor& scalars)>;

inline double device_loss(vk::Context& ctx, Shape shape, const std::vector<float>& x, const LossRecorder& record) {
  Tensor input = make_tensor(ctx, shape, x, "probe");
  Tensor scalars(ctx, Shape{1, 1, 1}, "loss");
  run(ctx, [&](vk::Recorder& rec) { record(rec, input, scalars); });
  return scalars.download()[0];
}

// Compares ⟨gradient, d⟩ for a random direction d with (L(x + εd) − L(x − εd)) / 2ε, L run on
// the device. With ε = 1e-2 on inputs of order 1, the truncation error of the losses here
// (polynomials of degree ≤ 4) is ~ε² ≈ 1e-4 relative, and fp32 rounding of L, amplified by
// L / (2ε⟨g, d⟩) ≲ 10³ on these small shapes, stays below ~1e-3: 1e-2 relative is safe and
// still catches a wrong factor or a missing term.
inline void expect_gradient_matches_loss(vk::Context& ctx, Shape shape, const std::vector<float>& x,
                                         const std::vector<float>& gradient, const LossRecorder& record) {
  const auto direction = random_values(x.size(), 99);
  const auto loss = [&](const std::vector<float>& point) { return device_loss(ctx, shape, point, record); };
  const double numeric = central_difference(loss, x, direction, 1e-2);
  EXPECT_NEAR(dot(gradient, direction), numeric, 1e-2 * std::abs(numeric));
}

}  // namespace nst::test
