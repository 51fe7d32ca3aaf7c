#include "plugin/core/mapping.h"

#include <algorithm>
#include <cmath>

#include "style/parse.h"

namespace nst::plugin {

double style_weight_for_strength(double strength) { return std::pow(10.0, 2.0 + strength / 25.0); }

uint32_t refine_steps(int steps) { return static_cast<uint32_t>(std::min(steps, std::max(10, (steps + 3) / 4))); }

style::ObjectiveSpec objective_spec(const Settings& settings, const vgg::WeightFile& weights) {
  style::ObjectiveChoices choices;
  choices.content_layers = style::split_list(settings.content_layers);
  choices.style_layers = style::split_list(settings.style_layers);
  choices.style_weight = static_cast<float>(style_weight_for_strength(settings.strength));
  choices.tv_weight = static_cast<float>(settings.tv_weight);
  return style::objective_spec(choices, weights);
}

style::RunOptions run_options(const Settings& settings, image::Size full) {
  style::RunOptions run;
  run.steps = static_cast<uint32_t>(settings.steps);
  run.refine_steps = refine_steps(settings.steps);
  run.schedule = style::working_size_schedule(full, static_cast<uint32_t>(settings.working_size),
                                              static_cast<uint32_t>(settings.scales));
  run.refine_within_memory = true;
  run.preserve_colors = settings.preserve_colors;
  run.optimizer = style::parse_optimizer(settings.optimizer);
  run.init = settings.init == "noise" ? style::Init::noise : style::Init::content;
  run.seed = static_cast<uint64_t>(settings.seed);
  run.memory_limit_bytes = static_cast<uint64_t>(settings.memory_limit) << 20;
  run.measure_losses = false;  // not shown; two evaluations at the full size saved
  return run;
}

vgg::Pooling pooling(const Settings& settings) { return style::parse_pooling(settings.pooling); }

}  // namespace nst::plugin
