#include "style/tiles.h"

#include <algorithm>

#include "errors.h"
#include "vgg/layers.h"

namespace nst::style {
namespace {

// Where a layer sits in VGG-19: how far its features reach, and after how many poolings.
struct Depth {
  uint32_t radius = 0;
  uint32_t poolings = 0;
};

Depth depth_of(const std::string& layer) {
  Depth d;
  for (size_t i = 0; i < vgg::kConvolutions.size(); ++i) {
    const vgg::ConvSpec& conv = vgg::kConvolutions[i];
    d.radius += 1u << d.poolings;  // a 3×3 kernel: one position further on each side
    if (layer == conv.name || layer == conv.relu) return d;
    if (!vgg::ends_block(i)) continue;
    d.radius += 1u << d.poolings;  // a 2×2 window: one position further on its right and bottom
    ++d.poolings;
    if (layer == "pool" + std::to_string(conv.block)) return d;
  }
  throw nst::Error("layer '" + layer + "' is not a VGG-19 layer");
}

Depth deepest(const std::vector<std::string>& layers) {
  Depth most;
  for (const auto& layer : layers) {
    const Depth d = depth_of(layer);
    most.radius = std::max(most.radius, d.radius);
    most.poolings = std::max(most.poolings, d.poolings);
  }
  return most;
}

uint32_t round_up(uint32_t value, uint32_t multiple) { return (value + multiple - 1) / multiple * multiple; }

// [start, end) intervals of at most `part` (a multiple of the alignment) covering [0, length).
std::vector<std::pair<uint32_t, uint32_t>> split(uint32_t length, uint32_t side, uint32_t alignment) {
  const uint32_t count = (length + side - 1) / side;
  const uint32_t part = round_up((length + count - 1) / count, alignment);
  std::vector<std::pair<uint32_t, uint32_t>> parts;
  for (uint32_t start = 0; start < length; start += part) parts.emplace_back(start, std::min(length, start + part));
  return parts;
}

}  // namespace

image::Size TilePlan::largest_window() const {
  image::Size largest;
  for (const Tile& tile : tiles) {
    largest.width = std::max(largest.width, tile.window.width);
    largest.height = std::max(largest.height, tile.window.height);
  }
  return largest;
}

uint32_t poolings_before(const std::string& layer) { return depth_of(layer).poolings; }

Rect own_features(const Tile& tile, uint32_t poolings, const Shape& features) {
  const Rect& own = tile.own;
  const Rect& window = tile.window;
  // Windows start on the pooling grid, so own positions start on whole feature positions;
  // an own rectangle ending at the window's end (the image's border) ends where the window's
  // features do (pooling rounds an odd side down).
  const uint32_t x0 = (own.x - window.x) >> poolings, y0 = (own.y - window.y) >> poolings;
  const bool right = own.x + own.width == window.x + window.width;
  const bool bottom = own.y + own.height == window.y + window.height;
  const uint32_t x1 = right ? features.w : (own.x + own.width - window.x) >> poolings;
  const uint32_t y1 = bottom ? features.h : (own.y + own.height - window.y) >> poolings;
  return {x0, y0, x1 - x0, y1 - y0};
}

uint32_t receptive_radius(const std::vector<std::string>& layers) { return deepest(layers).radius; }

uint32_t pooling_alignment(const std::vector<std::string>& layers) { return 1u << deepest(layers).poolings; }

TilePlan plan_tiles(image::Size image, uint32_t own_side, uint32_t halo, uint32_t alignment) {
  if (image.width == 0 || image.height == 0) throw nst::Error("cannot tile an empty image");
  if (alignment == 0 || (alignment & (alignment - 1))) throw nst::Error("a tile alignment must be a power of 2");
  const uint32_t side = round_up(std::max(own_side, 1u), alignment);
  TilePlan plan{image, round_up(halo, alignment), alignment, {}};
  for (const auto& [top, bottom] : split(image.height, side, alignment)) {
    for (const auto& [left, right] : split(image.width, side, alignment)) {
      const uint32_t x0 = left > plan.halo ? left - plan.halo : 0, y0 = top > plan.halo ? top - plan.halo : 0;
      const uint32_t x1 = std::min(image.width, right + plan.halo), y1 = std::min(image.height, bottom + plan.halo);
      plan.tiles.push_back({{left, top, right - left, bottom - top}, {x0, y0, x1 - x0, y1 - y0}});
    }
  }
  return plan;
}

std::string describe(const TilePlan& plan) {
  const image::Size largest = plan.largest_window();
  if (plan.tiles.size() == 1) return "1 tile (untiled)";
  uint32_t columns = 0;
  for (const Tile& tile : plan.tiles) columns += tile.own.y == 0 ? 1 : 0;
  return std::to_string(plan.tiles.size()) + " tiles (" + std::to_string(columns) + "×" +
         std::to_string(plan.tiles.size() / columns) + "), windows ≤ " + image::describe(largest) + ", halo " +
         std::to_string(plan.halo) + " px";
}

}  // namespace nst::style
