#include "vgg/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <utility>

namespace nst::vgg {

// The file format is little-endian and the tensors are used in place: a big-endian host
// would need byte swaps everywhere, and none is in sight.
static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

namespace {

// value / 2^shift rounded to the nearest integer, ties to even.
uint32_t shift_right_round_even(uint32_t value, uint32_t shift) {
  if (shift == 0) return value;
  if (shift > 31) return 0;
  const uint32_t kept = value >> shift;
  const uint32_t dropped = value & ((1u << shift) - 1);
  const uint32_t half = 1u << (shift - 1);
  return kept + ((dropped > half || (dropped == half && (kept & 1))) ? 1 : 0);
}

}  // namespace

uint16_t float_to_half(float value) {
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  const uint16_t sign = uint16_t((bits >> 16) & 0x8000);
  const uint32_t magnitude = bits & 0x7fffffff;
  constexpr uint32_t kInfinity = 0x7f800000;
  constexpr uint32_t kHalfOverflow = 0x477ff000;    // 65520: halfway above 65504, rounds to infinity
  constexpr uint32_t kSmallestNormal = 0x38800000;  // 2^-14
  if (magnitude > kInfinity) return sign | 0x7e00;  // NaN: a quiet NaN
  if (magnitude >= kHalfOverflow) return sign | 0x7c00;
  if (magnitude >= kSmallestNormal) {
    // Rebias the exponent (127 → 15) and drop 13 mantissa bits; a carry out of the
    // mantissa correctly bumps the exponent.
    return sign | uint16_t(shift_right_round_even(magnitude - ((127u - 15u) << 23), 13));
  }
  // Subnormal half: the value in units of 2^-24, from the float's full significand.
  const uint32_t exponent = magnitude >> 23;
  if (exponent == 0) return sign;  // float subnormals are far below half's smallest step
  const uint32_t significand = (magnitude & 0x7fffff) | 0x800000;
  return sign | uint16_t(shift_right_round_even(significand, 126 - exponent));
}

float half_to_float(uint16_t half) {
  const uint32_t sign = uint32_t(half & 0x8000) << 16;
  const uint32_t exponent = (half >> 10) & 0x1f;
  const uint32_t mantissa = half & 0x3ff;
  if (exponent == 0x1f) return std::bit_cast<float>(sign | 0x7f800000 | (mantissa << 13));
  if (exponent == 0) {
    const float magnitude = std::ldexp(float(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  return std::bit_cast<float>(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
}

}  // namespace nst::vgg

namespace nst::vgg::safetensors {
namespace {

using Json = nlohmann::json;

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  throw std::runtime_error(path + ": " + problem);
}

// The bytes of count(shape) values of `dtype`; none when that overflows 64 bits (a
// hostile header must not wrap around to a small size).
std::optional<uint64_t> byte_size(const std::vector<uint64_t>& shape, DType dtype) {
  uint64_t bytes = dtype_bytes(dtype);
  for (uint64_t extent : shape) {
    if (__builtin_mul_overflow(bytes, extent, &bytes)) return std::nullopt;
  }
  return bytes;
}

DType parse_dtype(const std::string& path, const std::string& tensor, const Json& entry) {
  const auto dtype = entry.find("dtype");
  if (dtype == entry.end() || !dtype->is_string()) fail(path, "tensor '" + tensor + "' has no dtype string");
  if (*dtype == "F32") return DType::f32;
  if (*dtype == "F16") return DType::f16;
  fail(path, "tensor '" + tensor + "' has dtype " + dtype->dump() + "; only F32 and F16 are supported");
}

std::vector<uint64_t> parse_unsigned_array(const std::string& path, const std::string& tensor, const Json& entry,
                                           const char* field) {
  const auto array = entry.find(field);
  if (array == entry.end() || !array->is_array()) fail(path, "tensor '" + tensor + "' has no " + field + " array");
  std::vector<uint64_t> values;
  for (const Json& value : *array) {
    if (!value.is_number_unsigned()) {
      fail(path, "tensor '" + tensor + "': " + field + " " + array->dump() + " holds something not a whole number ≥ 0");
    }
    values.push_back(value.get<uint64_t>());
  }
  return values;
}

struct Entry {
  std::string name;
  DType dtype;
  std::vector<uint64_t> shape;
  uint64_t begin, end;
};

Entry parse_entry(const std::string& path, const std::string& name, const Json& entry, uint64_t data_size) {
  if (!entry.is_object()) fail(path, "tensor '" + name + "' is described by " + entry.dump() + ", not an object");
  for (const auto& [field, value] : entry.items()) {
    if (field != "dtype" && field != "shape" && field != "data_offsets") {
      fail(path, "tensor '" + name + "' has an unexpected field '" + field + "'");
    }
  }
  Entry parsed{name, parse_dtype(path, name, entry), parse_unsigned_array(path, name, entry, "shape"), 0, 0};
  const auto offsets = parse_unsigned_array(path, name, entry, "data_offsets");
  if (offsets.size() != 2) fail(path, "tensor '" + name + "': data_offsets must be [begin, end]");
  parsed.begin = offsets[0];
  parsed.end = offsets[1];
  const std::string where = "tensor '" + name + "': data_offsets [" + std::to_string(parsed.begin) + "," +
                            std::to_string(parsed.end) + "]";
  if (parsed.begin > parsed.end) fail(path, where + " end before they begin");
  if (parsed.end > data_size) {
    fail(path, where + " reach beyond the " + std::to_string(data_size) + " data bytes (truncated file?)");
  }
  const auto bytes = byte_size(parsed.shape, parsed.dtype);
  if (bytes != parsed.end - parsed.begin) {
    fail(path, where + " hold " + std::to_string(parsed.end - parsed.begin) + " bytes, but shape " +
                   shape_text(parsed.shape) + " of " + dtype_name(parsed.dtype) + " needs " +
                   (bytes ? std::to_string(*bytes) : std::string("more than 2^64")));
  }
  return parsed;
}

Metadata parse_metadata(const std::string& path, const Json& metadata) {
  if (!metadata.is_object()) fail(path, "__metadata__ is not an object of strings");
  Metadata parsed;
  for (const auto& [key, value] : metadata.items()) {
    if (!value.is_string()) fail(path, "__metadata__ entry '" + key + "' is " + value.dump() + ", not a string");
    parsed[key] = value.get<std::string>();
  }
  return parsed;
}

// The tensors must tile the data section: no overlap, no gap, nothing after the last.
void check_coverage(const std::string& path, std::vector<Entry>& entries, uint64_t data_size) {
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t covered = 0;
  const Entry* previous = nullptr;
  for (const Entry& entry : entries) {
    if (entry.begin < covered) {
      fail(path, "tensors '" + previous->name + "' and '" + entry.name + "' overlap at data byte " +
                     std::to_string(entry.begin));
    }
    if (entry.begin > covered) {
      fail(path, "data bytes " + std::to_string(covered) + ".." + std::to_string(entry.begin) +
                     " belong to no tensor");
    }
    covered = entry.end;
    previous = &entry;
  }
  if (covered < data_size) {
    fail(path, std::to_string(data_size - covered) + " bytes of trailing data after the last tensor");
  }
}

Json parse_header(const std::string& path, std::span<const std::byte> header) {
  const auto* text = reinterpret_cast<const char*>(header.data());
  try {
    Json parsed = Json::parse(text, text + header.size());
    if (!parsed.is_object()) fail(path, "the JSON header is not an object");
    return parsed;
  } catch (const Json::exception& error) {
    fail(path, std::string("malformed JSON header: ") + error.what());
  }
}

}  // namespace

const char* dtype_name(DType dtype) { return dtype == DType::f32 ? "F32" : "F16"; }
size_t dtype_bytes(DType dtype) { return dtype == DType::f32 ? 4 : 2; }

std::string shape_text(const std::vector<uint64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) text += ',';
    text += std::to_string(shape[i]);
  }
  text += ']';
  return text;
}

MappedFile::MappedFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    fail(path, "not a regular file");
  }
  size_ = size_t(info.st_size);
  if (size_ > 0) {  // mmap refuses an empty range; an empty file maps to an empty span
    void* mapped = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    const int mmap_errno = errno;
    ::close(fd);
    if (mapped == MAP_FAILED) fail(path, std::string("cannot map: ") + std::strerror(mmap_errno));
    data_ = static_cast<const std::byte*>(mapped);
  } else {
    ::close(fd);
  }
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<std::byte*>(data_), size_);
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (data_) ::munmap(const_cast<std::byte*>(data_), size_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

std::vector<float> TensorView::to_floats() const {
  std::vector<float> values(count());
  if (dtype == DType::f32) {
    std::memcpy(values.data(), data.data(), data.size());
    return values;
  }
  for (size_t i = 0; i < values.size(); ++i) {
    uint16_t half = 0;
    std::memcpy(&half, data.data() + 2 * i, 2);
    values[i] = half_to_float(half);
  }
  return values;
}

Reader::Reader(const std::string& path) : path_(path), file_(path) {
  const std::span<const std::byte> bytes = file_.bytes();
  if (bytes.size() < 8) {
    fail(path, std::to_string(bytes.size()) + " bytes: too short for a safetensors file (8-byte header length first)");
  }
  uint64_t header_size = 0;
  std::memcpy(&header_size, bytes.data(), 8);
  if (header_size > bytes.size() - 8) {
    fail(path, "header length " + std::to_string(header_size) + " reaches beyond the file's " +
                   std::to_string(bytes.size()) + " bytes (truncated, or not a safetensors file)");
  }
  const Json header = parse_header(path, bytes.subspan(8, header_size));
  const std::span<const std::byte> data = bytes.subspan(8 + header_size);

  std::vector<Entry> entries;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      metadata_ = parse_metadata(path, value);
    } else {
      entries.push_back(parse_entry(path, name, value, data.size()));
    }
  }
  check_coverage(path, entries, data.size());
  for (Entry& entry : entries) {
    tensors_.push_back({std::move(entry.name), entry.dtype, std::move(entry.shape),
                        data.subspan(entry.begin, entry.end - entry.begin)});
  }
}

const TensorView* Reader::find(std::string_view name) const {
  for (const TensorView& tensor : tensors_) {
    if (tensor.name == name) return &tensor;
  }
  return nullptr;
}

void write(const std::string& path, const std::vector<TensorToWrite>& tensors, const Metadata& metadata) {
  nlohmann::ordered_json header;
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const TensorToWrite& tensor : tensors) {
    const auto bytes = byte_size(tensor.shape, tensor.dtype);
    if (bytes != tensor.data.size()) {
      fail(path, "tensor '" + tensor.name + "' has " + std::to_string(tensor.data.size()) + " bytes for shape " +
                     shape_text(tensor.shape) + " of " + dtype_name(tensor.dtype));
    }
    header[tensor.name] = {{"dtype", dtype_name(tensor.dtype)},
                           {"shape", tensor.shape},
                           {"data_offsets", {offset, offset + *bytes}}};
    offset += *bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // 8 + header: the data starts 8-byte aligned

  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) fail(path, std::string("cannot create: ") + std::strerror(errno));
  const uint64_t header_size = text.size();
  out.write(reinterpret_cast<const char*>(&header_size), 8);
  out.write(text.data(), std::streamsize(text.size()));
  for (const TensorToWrite& tensor : tensors) {
    out.write(reinterpret_cast<const char*>(tensor.data.data()), std::streamsize(tensor.data.size()));
  }
  out.close();
  if (!out) fail(path, std::string("cannot write: ") + std::strerror(errno));
}

}  // namespace nst::vgg::safetensors
