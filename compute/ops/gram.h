#pragma once
// The style term at one layer. Features F of C×H×W are read as the N×M matrix F (N = C
// channels, M = H·W positions); the Gram matrix G = F Fᵀ and the style target A are 1×N×N.
#include <cstdint>

#include "ops/accumulate.h"
#include "ops/tensor.h"
#include "vk/recorder.h"

namespace nst::ops {

// gram = F Fᵀ, not normalised. Deterministic. shaders/gram.comp, sum_slices.comp
void gram(vk::Recorder& rec, const Tensor& features, Tensor& gram);

// In both terms below, M is `positions` where given: the positions G sums over when
// `features` are one tile of them (style/tiles.h); else the features' own H·W.

// scalars[slot] = weight·Σ(G − A)² / (4 N² M²) (or += with Accumulate::add), where
// gram = G holds gram(features). shaders/reduce_partial.comp, reduce_final.comp
void style_loss(vk::Recorder& rec, const Tensor& features, const Tensor& gram, const Tensor& target, float weight,
                Tensor& scalars, uint32_t slot, Accumulate accumulate, uint64_t positions = 0);

// grad = weight·(G − A) F / (N² M²), the gradient of style_loss with respect to F (G being
// symmetric); grad has the features' shape. shaders/gram_grad.comp
void gram_grad(vk::Recorder& rec, const Tensor& features, const Tensor& gram, const Tensor& target, float weight,
               Tensor& grad, Accumulate accumulate, uint64_t positions = 0);

}  // namespace nst::ops
