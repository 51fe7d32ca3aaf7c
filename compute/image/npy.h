#pragma once
// NumPy .npy output, for gradients (nst eval --grad-out).
#include <cstddef>
#include <string>
#include <vector>

namespace nst::image {

// Writes `data` as a NumPy .npy file (format 1.0, '<f4', C order, the header padded to a
// multiple of 64 bytes as NumPy writes it), atomically. The product of `shape` must equal
// data.size().
void save_npy(const std::string& path, const std::vector<float>& data, const std::vector<size_t>& shape);

}  // namespace nst::image
