// libFuzzer target: weight file bytes → VGG-19 weights or an error (vgg/weights.h over
// vgg/safetensors.h: the header's length and JSON, dtypes, shapes, offsets, the layer
// list, finite values). The bytes are handed over as a file in memory (memfd), since the
// reader maps a path as nst does.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "vgg/weights.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int fd = memfd_create("weights", MFD_CLOEXEC);
  if (fd < 0) __builtin_trap();
  for (size_t written = 0; written < size;) {
    const ssize_t count = write(fd, data + written, size - written);
    if (count <= 0) __builtin_trap();
    written += size_t(count);
  }
  try {
    nst::vgg::read_weights("/proc/self/fd/" + std::to_string(fd));
  } catch (const std::runtime_error&) {
  }
  close(fd);
  return 0;
}
