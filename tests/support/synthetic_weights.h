#pragma once
// VGG-19's first `convolutions` layers with real channel counts and random weights: the
// engine's tests run the real network shape without the weight file (which, partial,
// stops at block 3).
#include <cmath>

#include "support/kernel_test.h"
#include "vgg/layers.h"
#include "vgg/weights.h"

namespace nst::test {

// He-scaled kernels (a scale-preserving gain for the first layer's 0..255-sized input),
// biases uniform in ±bias; the same for the same seed.
inline vgg::WeightFile synthetic_weights(size_t convolutions, uint32_t seed, float bias = 1.0f) {
  vgg::WeightFile file;
  for (size_t i = 0; i < convolutions; ++i) {
    const auto& spec = vgg::kConvolutions[i];
    const float bound = std::sqrt(6.0f / (9.0f * spec.cin));
    file.layers.push_back({spec.name, {spec.cin, spec.cout, random_values(size_t{9} * spec.cin * spec.cout, seed + i, -bound, bound),
                                       random_values(spec.cout, seed + 100 + i, -bias, bias)}});
  }
  return file;
}

}  // namespace nst::test
