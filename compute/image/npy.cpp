#include "image/npy.h"

#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <numeric>
#include <stdexcept>

#include "image/atomic_write.h"

namespace nst::image {
namespace {

// "(3, 2, 4)", "(5,)" or "()": Python's repr of the shape tuple, as NumPy writes it.
std::string python_tuple(const std::vector<size_t>& shape) {
  std::string text = "(";
  for (size_t i = 0; i < shape.size(); ++i) text += (i == 0 ? "" : ", ") + std::to_string(shape[i]);
  if (shape.size() == 1) text += ",";
  return text + ")";
}

// Format 1.0: the magic string, the version, the header's length (uint16, little-endian),
// then the header: a Python dict literal padded with spaces and ended by '\n' so that the
// data starts at a multiple of 64 bytes. Like NumPy, a header that would already end on
// the boundary still gets 64 spaces.
std::string npy_header(const std::vector<size_t>& shape) {
  static_assert(std::endian::native == std::endian::little, "save_npy writes the host's floats as '<f4'");
  constexpr size_t kPreambleBytes = 10;  // magic (6), version (2), header length (2)
  constexpr size_t kAlignment = 64;
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + python_tuple(shape) + ", }";
  dict.append(kAlignment - (kPreambleBytes + dict.size() + 1) % kAlignment, ' ');
  dict += '\n';
  if (dict.size() > UINT16_MAX) throw std::invalid_argument("save_npy: too many dimensions for a .npy 1.0 header");
  std::string header("\x93NUMPY\x01\x00", 8);
  header += char(dict.size() & 0xff);
  header += char(dict.size() >> 8);
  return header + dict;
}

void write_npy(const std::string& file, const std::string& header, const std::vector<float>& data) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(header.data(), std::streamsize(header.size()));
  out.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size() * sizeof(float)));
  out.close();
  if (!out) throw std::runtime_error(std::string("writing failed: ") + std::strerror(errno));
}

}  // namespace

void save_npy(const std::string& path, const std::vector<float>& data, const std::vector<size_t>& shape) {
  const size_t count = std::accumulate(shape.begin(), shape.end(), size_t{1}, std::multiplies<>());
  if (count != data.size()) {
    throw std::invalid_argument("save_npy '" + path + "': shape " + python_tuple(shape) + " holds " +
                                std::to_string(count) + " values, but there are " + std::to_string(data.size()));
  }
  const std::string header = npy_header(shape);
  write_atomically(path, [&](const std::string& file) { write_npy(file, header, data); });
}

}  // namespace nst::image
