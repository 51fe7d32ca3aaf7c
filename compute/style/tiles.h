#pragma once
// How an image too large for the device is evaluated in tiles (docs/design.md § Tiled
// objective): each tile owns a rectangle of the image and is run through the network over a
// larger window, its own rectangle plus a halo as wide as the deepest layer's receptive
// field, so that the features at the tile's own positions are exactly the untiled ones.
// Windows start on the pooling grid, so a tile's own feature positions are whole ones.
#include <cstdint>
#include <string>
#include <vector>

#include "image/image.h"
#include "ops/window.h"

namespace nst::style {

using ops::Rect;

struct Tile {
  Rect own;     // the image pixels this tile accounts for; the tiles' own rectangles partition the image
  Rect window;  // what the network sees: own grown by the halo, cut at the image's border
};

struct TilePlan {
  image::Size image;
  uint32_t halo = 0;       // pixels a window reaches beyond its own rectangle (where the image goes on)
  uint32_t alignment = 1;  // own rectangles and windows start at multiples of this
  std::vector<Tile> tiles; // row by row, top to bottom, left to right
  // The widest and the tallest window (the network's buffers are sized to hold either).
  image::Size largest_window() const;
};

// The farthest, in image pixels, that the deepest of `layers` (VGG-19 names: relu3_1,
// pool2, conv5_1, …) sees from a position, from the layer table: each 3×3 convolution
// after k poolings reaches 2^k px further, each 2×2 pooling 2^k further on one side.
// 85 px for conv5_1. Throws for an unknown layer name.
uint32_t receptive_radius(const std::vector<std::string>& layers);

// 2^(the poolings up to the deepest of `layers`): a window starting at a multiple of it
// pools the same pixels together as the whole image does. 16 for conv5_1.
uint32_t pooling_alignment(const std::vector<std::string>& layers);

// The 2×2 poolings on the way to `layer`: its features are 2^that smaller than the image.
uint32_t poolings_before(const std::string& layer);

// A tile's own positions in the features of its window at a layer after `poolings`
// poolings (`features` the window's feature shape there).
Rect own_features(const Tile& tile, uint32_t poolings, const Shape& features);

// Tiles of at most `own_side`² own pixels (rounded up to the alignment; the rows and
// columns made as even as the alignment allows), each window reaching `halo` px (rounded up
// to the alignment) beyond its own rectangle. One tile, its window the whole image, where
// own_side covers it.
TilePlan plan_tiles(image::Size image, uint32_t own_side, uint32_t halo, uint32_t alignment);

// `plan` as text for messages and --json: "6 tiles (3×2) of ≤ 512×512 px, halo 96 px".
std::string describe(const TilePlan& plan);

}  // namespace nst::style
