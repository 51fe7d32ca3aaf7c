#pragma once
// docs/design.md § Objective in double precision on the CPU, written as plainly as possible,
// for checking the device's values and gradients (the latter by finite differences).
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "style/objective.h"
#include "vgg/layers.h"
#include "vgg/weights.h"

namespace nst::test {

struct Map {
  uint32_t c, h, w;
  std::vector<double> v;
  double& at(uint32_t ch, uint32_t y, uint32_t x) { return v[(size_t(ch) * h + y) * w + x]; }
  double at(uint32_t ch, uint32_t y, uint32_t x) const { return v[(size_t(ch) * h + y) * w + x]; }
};

inline Map reference_conv(const Map& in, const ops::ConvKernel& k) {
  Map out{k.cout, in.h, in.w, std::vector<double>(size_t(k.cout) * in.h * in.w)};
  for (uint32_t co = 0; co < k.cout; ++co)
    for (uint32_t y = 0; y < in.h; ++y)
      for (uint32_t x = 0; x < in.w; ++x) {
        double sum = k.bias[co];
        for (uint32_t ci = 0; ci < k.cin; ++ci)
          for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx) {
              const int sy = int(y) + ky - 1, sx = int(x) + kx - 1;
              if (sy < 0 || sy >= int(in.h) || sx < 0 || sx >= int(in.w)) continue;
              sum += k.hwio[((ky * 3 + kx) * k.cin + ci) * k.cout + co] * in.at(ci, sy, sx);
            }
        out.at(co, y, x) = sum;
      }
  return out;
}

inline Map reference_pool(const Map& in, bool max) {
  Map out{in.c, in.h / 2, in.w / 2, std::vector<double>(size_t(in.c) * (in.h / 2) * (in.w / 2))};
  for (uint32_t c = 0; c < in.c; ++c)
    for (uint32_t y = 0; y < out.h; ++y)
      for (uint32_t x = 0; x < out.w; ++x) {
        const double a = in.at(c, 2 * y, 2 * x), b = in.at(c, 2 * y, 2 * x + 1);
        const double d = in.at(c, 2 * y + 1, 2 * x), e = in.at(c, 2 * y + 1, 2 * x + 1);
        out.at(c, y, x) = max ? std::max({a, b, d, e}) : (a + b + d + e) / 4;
      }
  return out;
}

// Every layer's activation, by name (conv1_1 pre-activation, relu1_1, pool1, …).
inline std::map<std::string, Map> reference_features(const vgg::WeightFile& weights, const Map& image, bool max_pool) {
  std::map<std::string, Map> features;
  Map x = image;
  for (size_t i = 0; i < weights.layers.size(); ++i) {
    const auto& spec = vgg::kConvolutions[i];
    x = reference_conv(x, weights.layers[i].kernel);
    features[spec.name] = x;
    for (double& v : x.v) v = std::max(v, 0.0);
    features[spec.relu] = x;
    if (i + 1 == vgg::kConvolutions.size() || vgg::kConvolutions[i + 1].block != spec.block) {
      x = reference_pool(x, max_pool);
      features["pool" + std::to_string(spec.block)] = x;
    }
  }
  return features;
}

inline std::vector<double> reference_gram(const Map& f) {
  const size_t m = size_t(f.h) * f.w;
  std::vector<double> g(size_t(f.c) * f.c, 0.0);
  for (uint32_t i = 0; i < f.c; ++i)
    for (uint32_t j = 0; j < f.c; ++j)
      for (size_t p = 0; p < m; ++p) g[i * f.c + j] += f.v[i * m + p] * f.v[j * m + p];
  return g;
}

struct ReferenceStyle {
  Map image;
  double blend;
};

inline style::LossTerms reference_objective(const vgg::WeightFile& weights, const style::ObjectiveSpec& spec,
                                            bool max_pool, const Map& x, const Map& content,
                                            const std::vector<ReferenceStyle>& styles) {
  style::LossTerms terms;
  const auto fx = reference_features(weights, x, max_pool);
  const auto fc = reference_features(weights, content, max_pool);
  for (const auto& layer : spec.content_layers) {
    double sum = 0;
    for (size_t i = 0; i < fx.at(layer).v.size(); ++i) sum += 0.5 * std::pow(fx.at(layer).v[i] - fc.at(layer).v[i], 2);
    terms.content += spec.content_weight * sum;
  }
  double blend_total = 0;
  for (const auto& s : styles) blend_total += s.blend;
  for (const auto& s : spec.style_layers) {
    const Map& f = fx.at(s.layer);
    const double n = f.c, m = double(f.h) * f.w;
    std::vector<double> target(size_t(f.c) * f.c, 0.0);
    for (const auto& style : styles) {
      const Map fs = reference_features(weights, style.image, max_pool).at(s.layer);
      const auto g = reference_gram(fs);
      const double scale = style.blend / blend_total * m / (double(fs.h) * fs.w);
      for (size_t i = 0; i < g.size(); ++i) target[i] += scale * g[i];
    }
    const auto g = reference_gram(f);
    double sum = 0;
    for (size_t i = 0; i < g.size(); ++i) sum += std::pow(g[i] - target[i], 2);
    terms.style += spec.style_weight * s.weight * sum / (4 * n * n * m * m);
  }
  double tv = 0;
  for (uint32_t c = 0; c < x.c; ++c)
    for (uint32_t y = 0; y < x.h; ++y)
      for (uint32_t xx = 0; xx < x.w; ++xx) {
        if (xx + 1 < x.w) tv += std::pow(x.at(c, y, xx + 1) - x.at(c, y, xx), 2);
        if (y + 1 < x.h) tv += std::pow(x.at(c, y + 1, xx) - x.at(c, y, xx), 2);
      }
  terms.tv = spec.tv_weight * tv;
  terms.total = terms.content + terms.style + terms.tv;
  return terms;
}

}  // namespace nst::test
