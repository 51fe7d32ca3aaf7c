#include "plugin/core/download.h"

#include <glib.h>

#include <cmath>
#include <cstdio>
#include <sstream>

#include "plugin/core/settings.h"
#include "vgg/weights.h"

namespace nst::plugin {
namespace {

std::vector<std::string> split_tabs(const std::string& text) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(text);
  while (std::getline(in, field, '\t')) fields.push_back(field);
  return fields;
}

uint64_t to_bytes(const std::string& text) {
  try {
    return std::stoull(text);
  } catch (const std::exception&) {
    return 0;  // a malformed figure shows as nothing done, not as a crash
  }
}

// "storage.googleapis.com" of "https://storage.googleapis.com/tensorflow/…".
std::string host_of(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const size_t start = scheme + 3;
  const std::string host = url.substr(start, url.find('/', start) - start);
  return host.empty() ? "this computer" : host;  // file:///…
}

std::string downloading_status(const std::string& source, uint64_t done, uint64_t total, double rate,
                               uint64_t resumed_at) {
  std::ostringstream out;
  out << "Downloading from " << host_of(source) << ": " << megabytes(done);
  if (total > 0) out << " of " << megabytes(total);
  if (rate > 0) {
    char speed[32];
    std::snprintf(speed, sizeof speed, "%.1f MB/s", rate / 1e6);
    out << ", " << speed;
    if (total > done) out << ", " << time_left(static_cast<double>(total - done) / rate);
  }
  if (resumed_at > 0) out << " (resumed at " << megabytes(resumed_at) << ")";
  return out.str();
}

}  // namespace

std::string megabytes(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

std::string time_left(double seconds) {
  const long s = std::max(1L, std::lround(seconds));
  std::ostringstream out;
  out << "about ";
  if (s >= 60) out << s / 60 << " min" << (s < 600 ? " " : "");
  if (s < 600) out << s % 60 << " s";  // seconds matter only while minutes are few
  out << " left";
  return out.str();
}

void DownloadState::started() {
  *this = DownloadState();
  phase_ = DownloadPhase::downloading;
}

void DownloadState::stop_requested() {
  if (phase_ != DownloadPhase::downloading && phase_ != DownloadPhase::verifying) return;
  stop_asked_ = true;
  phase_ = DownloadPhase::stopping;
}

void DownloadState::line(const std::string& text) {
  const std::vector<std::string> f = split_tabs(text);
  if (f.empty()) return;
  const std::string& event = f[0];
  const bool busy = phase_ != DownloadPhase::stopping;
  if (event == "source" && f.size() >= 2) {
    source_ = f[1];
    done_ = total_ = resumed_at_ = 0;
    rate_ = 0;
  } else if (event == "resume" && f.size() >= 2) {
    resumed_at_ = done_ = to_bytes(f[1]);
  } else if (event == "progress" && f.size() >= 4) {
    done_ = to_bytes(f[1]);
    total_ = to_bytes(f[2]);
    rate_ = std::strtod(f[3].c_str(), nullptr);
  } else if (event == "verifying" && busy) {
    phase_ = DownloadPhase::verifying;
  } else if (event == "converting" && busy) {
    phase_ = DownloadPhase::converting;
  } else if (event == "installed" && f.size() >= 2) {
    installed_path_ = f[1];
  } else if (event == "error" && f.size() >= 2) {
    error_ = f[1];
  }
}

void DownloadState::exited(int status) {
  if (status == 0 && !installed_path_.empty()) {
    phase_ = DownloadPhase::installed;
  } else if (status == 130 || (stop_asked_ && status != 0)) {
    phase_ = DownloadPhase::stopped;
  } else {
    if (error_.empty()) {
      error_ = status == 0    ? "nst-fetch-weights ended without installing anything"
               : status < 0   ? "nst-fetch-weights was stopped by a signal"
                              : "nst-fetch-weights failed (exit status " + std::to_string(status) + ")";
    }
    phase_ = DownloadPhase::failed;
  }
}

void DownloadState::failed_to_start(const std::string& why) {
  *this = DownloadState();
  error_ = why;
  phase_ = DownloadPhase::failed;
}

std::string DownloadState::failure_advice() const {
  return "Without a connection: download " + std::string(kKerasWeightsFile) +
         " elsewhere and install it with `nst-fetch-weights --from FILE`, or put a converted weight file at " +
         vgg::default_weights_path() + " (or name one in NST_WEIGHTS).";
}

DownloadView DownloadState::view() const {
  DownloadView v;
  v.phase = phase_;
  v.fraction = total_ > 0 ? std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_)) : -1;
  switch (phase_) {
    case DownloadPhase::idle:
      v.status = "Download fetches Keras' VGG-19 file once (80 MB), checks its MD5 and installs it for the filter.";
      v.fraction = 0;
      break;
    case DownloadPhase::downloading:
      v.status = source_.empty() ? "Starting the download…"
                                 : downloading_status(source_, done_, total_, rate_, resumed_at_);
      v.button = kStopDownloadLabel;
      v.running = true;
      break;
    case DownloadPhase::verifying:
      v.status = "Checking the download (MD5)…";
      v.button = kStopDownloadLabel;
      v.running = true;
      break;
    case DownloadPhase::converting:
      v.status = "Converting the weights for the engine…";
      v.button = kStopDownloadLabel;
      v.button_sensitive = false;  // nst-weights writes the file whole or not at all: let it finish
      v.running = true;
      break;
    case DownloadPhase::stopping:
      v.status = "Stopping the download…";
      v.button = kStopDownloadLabel;
      v.button_sensitive = false;
      v.running = true;
      break;
    case DownloadPhase::stopped:
      v.status = "Stopped at " + megabytes(done_) + (total_ > 0 ? " of " + megabytes(total_) : std::string()) +
                 ". What was downloaded is kept: Resume continues from there.";
      v.button = kResumeDownloadLabel;
      break;
    case DownloadPhase::failed:
      v.status = "The download failed: " + error_ + ". " + failure_advice();
      v.button = kRetryDownloadLabel;
      v.fraction = std::max(0.0, v.fraction);
      break;
    case DownloadPhase::installed:
      v.status = "Installed " + installed_path_ + ".";
      v.fraction = 1;
      v.button = kDownloadedLabel;
      v.button_sensitive = false;
      break;
  }
  return v;
}

std::vector<std::string> fetch_command() {
  std::vector<std::string> looked;
  auto usable = [&looked](const std::string& path) {
    looked.push_back(path);
    return !path.empty() && g_file_test(path.c_str(), G_FILE_TEST_IS_EXECUTABLE) &&
           !g_file_test(path.c_str(), G_FILE_TEST_IS_DIR);
  };
  const char* chosen = g_getenv("NST_FETCH_WEIGHTS");
  if (chosen != nullptr && *chosen != '\0') {
    if (!usable(chosen)) throw PluginError(std::string("NST_FETCH_WEIGHTS=") + chosen + ": not an executable file");
    return {chosen, "--machine-readable"};
  }
  // Where this build installs it, then where the build folder keeps it (meson defines both).
  for (const char* path : {NST_FETCH_WEIGHTS_INSTALLED, NST_FETCH_WEIGHTS_BUILT}) {
    if (usable(path)) return {path, "--machine-readable"};
  }
  if (gchar* found = g_find_program_in_path("nst-fetch-weights")) {
    std::string path = found;
    g_free(found);
    return {path, "--machine-readable"};
  }
  std::string places;
  for (const std::string& path : looked) places += (places.empty() ? "" : ", ") + path;
  throw PluginError("Cannot find nst-fetch-weights (looked at " + places +
                    " and on PATH): install the neural-style-transfer package, or set NST_FETCH_WEIGHTS.");
}

}  // namespace nst::plugin
