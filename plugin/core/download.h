#pragma once
// The weights download the dialogs offer while no weights are installed. One
// implementation with the command line: nst-fetch-weights runs as a child process with
// --machine-readable (resume, source fallback, MD5 check and conversion all live in the
// script; docs/design.md § Weights download says why). DownloadState turns the script's
// event lines and exit status into what the dialogs show; FetchProcess (fetch_process.h)
// runs the script and feeds it.
#include <cstdint>
#include <string>
#include <vector>

namespace nst::plugin {

// One mnemonic for the one button whatever it says (Alt+L): free among the settings' and
// the dialog buttons' (a shared one would only move the focus).
inline constexpr const char* kDownloadLabel = "Down_load VGG-19 weights (80 MB)";
inline constexpr const char* kStopDownloadLabel = "Stop down_load";
inline constexpr const char* kResumeDownloadLabel = "Resume down_load";
inline constexpr const char* kRetryDownloadLabel = "Try the down_load again";
inline constexpr const char* kDownloadedLabel = "Weights installed";
// The file the manifest (weights/sources.json) names, for a user who fetches it elsewhere.
inline constexpr const char* kKerasWeightsFile = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5";

enum class DownloadPhase { idle, downloading, verifying, converting, stopping, stopped, failed, installed };

// What a dialog shows of the download: a status line, the progress bar (fraction of the
// bytes; negative when the size is unknown) and the one button's label and sensitivity.
struct DownloadView {
  DownloadPhase phase = DownloadPhase::idle;
  std::string status;
  double fraction = 0;
  std::string button = kDownloadLabel;
  bool button_sensitive = true;
  bool running = false;  // the button stops the download rather than starting one
};

class DownloadState {
 public:
  void started();
  void stop_requested();
  // One line of the script's --machine-readable output. Unknown events are ignored (a
  // newer script's additions must not break an older plug-in), and so is "failed": a
  // failed source is followed by the next one's "source", or by "error" naming them all.
  void line(const std::string& text);
  // How the script ended: its exit status, or -1 when a signal ended it.
  void exited(int status);
  // The script could not be found or started.
  void failed_to_start(const std::string& why);

  DownloadPhase phase() const { return phase_; }
  DownloadView view() const;

 private:
  std::string failure_advice() const;

  DownloadPhase phase_ = DownloadPhase::idle;
  bool stop_asked_ = false;
  std::string source_;        // the URL being downloaded
  uint64_t done_ = 0, total_ = 0, resumed_at_ = 0;
  double rate_ = 0;           // bytes per second, as the script measures it
  std::string error_;
  std::string installed_path_;
};

// "12.3 MB"; "about 2 min 5 s left".
std::string megabytes(uint64_t bytes);
std::string time_left(double seconds);

// The command that runs the script: $NST_FETCH_WEIGHTS, else the installed
// nst-fetch-weights (this build's bindir), else the build folder's copy, else one on
// PATH; with --machine-readable. Throws PluginError naming the places looked in.
std::vector<std::string> fetch_command();

}  // namespace nst::plugin
