#pragma once
// The shape of VGG-19 (without the classifier): 16 convolutions in 5 blocks, each
// followed by a ReLU, a 2×2 pooling after each block. Layer names follow Gatys et al.
// (conv1_1, relu1_1, pool1, …); the Keras HDF5 names (block1_conv1, …) map onto them.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nst::vgg {

struct ConvSpec {
  const char* name;   // conv1_1
  const char* relu;   // relu1_1: the ReLU fused into this convolution
  const char* keras;  // block1_conv1
  uint32_t block;     // 1..5
  uint32_t cin, cout;
};

inline constexpr std::array<ConvSpec, 16> kConvolutions{{
    {"conv1_1", "relu1_1", "block1_conv1", 1, 3, 64},     {"conv1_2", "relu1_2", "block1_conv2", 1, 64, 64},
    {"conv2_1", "relu2_1", "block2_conv1", 2, 64, 128},   {"conv2_2", "relu2_2", "block2_conv2", 2, 128, 128},
    {"conv3_1", "relu3_1", "block3_conv1", 3, 128, 256},  {"conv3_2", "relu3_2", "block3_conv2", 3, 256, 256},
    {"conv3_3", "relu3_3", "block3_conv3", 3, 256, 256},  {"conv3_4", "relu3_4", "block3_conv4", 3, 256, 256},
    {"conv4_1", "relu4_1", "block4_conv1", 4, 256, 512},  {"conv4_2", "relu4_2", "block4_conv2", 4, 512, 512},
    {"conv4_3", "relu4_3", "block4_conv3", 4, 512, 512},  {"conv4_4", "relu4_4", "block4_conv4", 4, 512, 512},
    {"conv5_1", "relu5_1", "block5_conv1", 5, 512, 512},  {"conv5_2", "relu5_2", "block5_conv2", 5, 512, 512},
    {"conv5_3", "relu5_3", "block5_conv3", 5, 512, 512},  {"conv5_4", "relu5_4", "block5_conv4", 5, 512, 512},
}};

// Whether convolution `conv` is the last of its block, so that a pooling layer follows it.
inline bool ends_block(size_t conv) {
  return conv + 1 == kConvolutions.size() || kConvolutions[conv + 1].block != kConvolutions[conv].block;
}

// The index in kConvolutions of the convolution named `name` (conv1_1) or of its Keras
// name (block1_conv1); none for anything else.
inline std::optional<size_t> find_convolution(std::string_view name) {
  for (size_t i = 0; i < kConvolutions.size(); ++i) {
    if (name == kConvolutions[i].name || name == kConvolutions[i].keras) return i;
  }
  return std::nullopt;
}

}  // namespace nst::vgg
