#pragma once
// Files written whole or not at all: under a temporary name in the same folder, flushed,
// then renamed into place, so that a failure leaves the previous file (or none), never a
// half-written one, and no temporary file behind.
#include <functional>
#include <string>

namespace nst::image {

// Runs `write` on a fresh temporary file beside `path`, then renames it into place. On any
// failure the temporary file is removed and the error (std::runtime_error) names `path`.
void write_atomically(const std::string& path, const std::function<void(const std::string& file)>& write);

// Throws what write_atomically would throw before writing (the folder missing, not
// writable or read-only, the path a folder), by creating and removing a temporary file
// beside `path`: lets a front end refuse an output before it spends minutes computing it.
void check_writable(const std::string& path);

}  // namespace nst::image
