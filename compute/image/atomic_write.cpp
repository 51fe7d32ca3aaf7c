#include "image/atomic_write.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <stdexcept>

namespace nst::image {
namespace {

std::string errno_text() { return std::strerror(errno); }

// "0123456789abcdef": 64 random bits, so that two writers never pick the same name.
std::string random_suffix() {
  std::random_device entropy;
  char text[17];
  std::snprintf(text, sizeof text, "%08x%08x", unsigned(entropy()), unsigned(entropy()));
  return text;
}

// ".out.png.0123456789abcdef.tmp": hidden, and plainly a leftover should one survive.
std::string temporary_name(const std::string& filename) {
  std::string name = ".";
  name.append(filename).append(".").append(random_suffix()).append(".tmp");
  return name;
}

// Creates an empty, hidden file beside `path` (same folder, so rename is atomic) and
// returns its name. Mode 0666 lets the umask decide, as for any new file.
std::string create_temporary_beside(const std::filesystem::path& path) {
  if (path.filename().empty()) throw std::runtime_error("the path names no file");
  const std::filesystem::path folder = path.parent_path().empty() ? "." : path.parent_path();
  for (int attempt = 0; attempt < 16; ++attempt) {
    const std::filesystem::path candidate = folder / temporary_name(path.filename().string());
    const int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      ::close(fd);
      return candidate.string();
    }
    if (errno != EEXIST) throw std::runtime_error("cannot create a file in '" + folder.string() + "': " + errno_text());
  }
  throw std::runtime_error("cannot find a free temporary name in '" + folder.string() + "'");
}

// So that a crash just after the rename cannot leave an empty file in place of the old one.
void flush_to_disk(const std::string& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const std::string reason = errno_text();
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot flush the written file to disk: " + reason);
  }
  ::close(fd);
}

}  // namespace

void check_writable(const std::string& path) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) throw std::runtime_error("cannot write '" + path + "': it is a folder");
  try {
    std::filesystem::remove(create_temporary_beside(path));
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot write '" + path + "': " + e.what());
  }
}

void write_atomically(const std::string& path, const std::function<void(const std::string& file)>& write) {
  std::string temporary;
  try {
    temporary = create_temporary_beside(path);
    write(temporary);
    flush_to_disk(temporary);
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
      throw std::runtime_error("cannot move the finished file into place: " + errno_text());
    }
  } catch (const std::exception& e) {
    std::error_code ignored;
    if (!temporary.empty()) std::filesystem::remove(temporary, ignored);
    throw std::runtime_error("cannot write '" + path + "': " + e.what());
  }
}

}  // namespace nst::image
