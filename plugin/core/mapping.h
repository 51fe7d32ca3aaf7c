#pragma once
// How the dialog's friendly settings map onto the engine: strength → β, the working-size
// schedule and its refinement steps, the objective and run options. The text settings
// (layer lists, pooling, optimiser) go through style/parse.h, as nst's options do.
#include <cstdint>

#include "image/image.h"
#include "plugin/core/settings.h"
#include "style/objective.h"
#include "style/run.h"
#include "vgg/network.h"
#include "vgg/weights.h"

namespace nst::plugin {

// β at the reference size style::kStyleWeightReferencePixels (256×256): 10^(2 + strength/25),
// so 0 → 1e2, 25 → 1e3, 50 → 1e4, 75 → 1e5, 100 → 1e6; each quarter of the slider is
// ten times the style. α is 1. The engine scales β with the working image's pixels
// (ObjectiveSpec::style_weight_reference_pixels), which makes a strength look the same at
// every working size. Calibrated on the partial test weights (docs/design.md § Size-scaled
// style weight: at 256 px, β = 1e3 barely styles, 1e4 styles clearly, 1e5 breaks the
// content up).
double style_weight_for_strength(double strength);

// Refinement steps at each size above the working size: a quarter of `steps`, at least 10
// (or `steps`, if fewer): the image is already styled; they add detail.
uint32_t refine_steps(int steps);

// The engine's objective and run options for a content layer of `full` size.
style::ObjectiveSpec objective_spec(const Settings& settings, const vgg::WeightFile& weights);
style::RunOptions run_options(const Settings& settings, image::Size full);
vgg::Pooling pooling(const Settings& settings);

}  // namespace nst::plugin
