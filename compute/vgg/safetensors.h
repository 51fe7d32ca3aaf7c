#pragma once
// The safetensors container (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON header
//   {"<tensor>": {"dtype": "F32"|"F16", "shape": [..], "data_offsets": [begin, end]}, ...,
//    "__metadata__": {"<key>": "<string>", ...}}
// then the tensors' raw little-endian bytes, offsets counted from the end of the header.
// Only the two dtypes the engine stores are accepted. The reader maps the file and checks
// every byte of it is accounted for; the writer writes exactly the file it is given (the
// caller chooses where, e.g. a temporary name renamed into place).
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nst::vgg {

// IEEE binary16 ↔ binary32. Narrowing rounds to nearest, ties to even; values beyond the
// half range become ±infinity, NaN stays NaN. Widening is exact.
uint16_t float_to_half(float value);
float half_to_float(uint16_t half);

}  // namespace nst::vgg

namespace nst::vgg::safetensors {

enum class DType { f32, f16 };
const char* dtype_name(DType dtype);  // "F32", "F16"
size_t dtype_bytes(DType dtype);
std::string shape_text(const std::vector<uint64_t>& shape);  // "[3,3,64,128]"

using Metadata = std::map<std::string, std::string>;

// A read-only mapping of a whole file, unmapped when destroyed.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path);  // throws std::runtime_error naming the file
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const std::byte> bytes() const { return {data_, size_}; }

 private:
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
};

// A tensor inside a mapped file: its bytes stay valid as long as the Reader lives.
struct TensorView {
  std::string name;
  DType dtype;
  std::vector<uint64_t> shape;
  std::span<const std::byte> data;

  uint64_t count() const { return data.size() / dtype_bytes(dtype); }
  // The values widened to fp32 (copied: the mapped bytes need not be aligned).
  std::vector<float> to_floats() const;
};

class Reader {
 public:
  // Maps `path` and validates it: the header length, the JSON, every tensor's dtype,
  // shape and offsets, and that the tensors tile the data section exactly. Throws
  // std::runtime_error "<path>: <problem>".
  explicit Reader(const std::string& path);

  const std::string& path() const { return path_; }
  const std::vector<TensorView>& tensors() const { return tensors_; }  // in data order
  const TensorView* find(std::string_view name) const;                 // null if absent
  const Metadata& metadata() const { return metadata_; }

 private:
  std::string path_;
  MappedFile file_;
  std::vector<TensorView> tensors_;
  Metadata metadata_;
};

// A tensor to write: `data` holds count(shape) values of `dtype`, little-endian.
struct TensorToWrite {
  std::string name;
  DType dtype;
  std::vector<uint64_t> shape;
  std::span<const std::byte> data;
};

// Writes the tensors in the order given, the header padded with spaces so that the data
// section starts 8-byte aligned. Throws std::runtime_error naming `path` on any failure
// (a tensor whose bytes do not fit its shape included); a failed write may leave `path`
// half-written, so callers write to a temporary name.
void write(const std::string& path, const std::vector<TensorToWrite>& tensors, const Metadata& metadata);

}  // namespace nst::vgg::safetensors
