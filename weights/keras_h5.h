#pragma once
// Keras' VGG-19 weight file (HDF5), read with libhdf5's C API. The layout, as in
// vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5:
//   file attribute layer_names: input_1, block1_conv1, block1_conv2, block1_pool, …
//   per layer a group of that name with attribute weight_names — [<layer>_W_1:0,
//   <layer>_b_1:0] for a convolution (datasets in the group, or nested, as Keras 2 writes
//   "<layer>/kernel:0"), an empty float64 array for layers without weights;
//   kernels 3×3×Cin×Cout (HWIO), biases Cout.
// Only the converter (nst-weights) links libhdf5; the engine reads safetensors.
#include <string>

#include "vgg/weights.h"

namespace nst::weights {

// The convolutions of a Keras VGG-19 file, a prefix of the network (the test file holds
// block1_conv1 … block3_conv4), in fp32. Throws std::runtime_error "<path>: <problem>"
// for a file that is missing, not HDF5 or truncated, lacks an attribute or group, lists
// an unknown layer, or is not VGG-19 (a convolution VGG-19 lacks, other channel counts,
// convolutions out of order), holds no convolution, or holds non-finite weights.
vgg::WeightFile read_keras_h5(const std::string& path);

}  // namespace nst::weights
