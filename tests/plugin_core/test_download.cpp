// The weights download's state (plugin/core/download.h) fed the lines and exit statuses
// nst-fetch-weights --machine-readable produces; the real script against a local server:
// tests/plugin_download_test.py.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "plugin/core/download.h"
#include "plugin/core/settings.h"
#include "plugin_core/plugin_core_test.h"

namespace nst::plugin {
namespace {

DownloadState downloading(uint64_t done, uint64_t total, double rate) {
  DownloadState state;
  state.started();
  state.line("source\thttps://storage.googleapis.com/tensorflow/vgg19.h5");
  state.line("progress\t" + std::to_string(done) + "\t" + std::to_string(total) + "\t" + std::to_string(rate));
  return state;
}

TEST(Download, IdleOffersTheDownload) {
  const DownloadView view = DownloadState().view();
  EXPECT_EQ(view.phase, DownloadPhase::idle);
  EXPECT_EQ(view.button, kDownloadLabel);
  EXPECT_TRUE(view.button_sensitive);
  EXPECT_FALSE(view.running);
  EXPECT_NE(view.status.find("80 MB"), std::string::npos);
}

TEST(Download, ProgressShowsBytesRateAndTimeLeft) {
  const DownloadView view = downloading(20'000'000, 80'000'000, 2'000'000).view();
  EXPECT_EQ(view.phase, DownloadPhase::downloading);
  EXPECT_DOUBLE_EQ(view.fraction, 0.25);
  EXPECT_EQ(view.status, "Downloading from storage.googleapis.com: 20.0 MB of 80.0 MB, 2.0 MB/s, about 30 s left");
  EXPECT_EQ(view.button, kStopDownloadLabel);
  EXPECT_TRUE(view.running);
  EXPECT_TRUE(view.button_sensitive);
}

TEST(Download, TimeLeftInMinutes) {
  EXPECT_EQ(time_left(125), "about 2 min 5 s left");
  EXPECT_EQ(time_left(0.2), "about 1 s left");
  EXPECT_EQ(time_left(3600), "about 60 min left");
}

TEST(Download, UnknownSizeShowsBytesWithoutAFraction) {
  const DownloadView view = downloading(5'000'000, 0, 1'000'000).view();
  EXPECT_LT(view.fraction, 0);
  EXPECT_EQ(view.status, "Downloading from storage.googleapis.com: 5.0 MB, 1.0 MB/s");
}

TEST(Download, ResumeIsShown) {
  DownloadState state;
  state.started();
  state.line("source\thttp://127.0.0.1:8000/vgg19.h5");
  state.line("resume\t40000000");
  state.line("progress\t41000000\t80000000\t1000000");
  EXPECT_NE(state.view().status.find("127.0.0.1:8000: 41.0 MB of 80.0 MB"), std::string::npos);
  EXPECT_NE(state.view().status.find("(resumed at 40.0 MB)"), std::string::npos);
}

TEST(Download, NextSourceStartsItsCountAfresh) {
  DownloadState state = downloading(3'000'000, 80'000'000, 1e6);
  state.line("failed\thttps://storage.googleapis.com/tensorflow/vgg19.h5\ttimed out");
  state.line("source\thttps://github.com/fchollet/vgg19.h5");
  EXPECT_EQ(state.view().status, "Downloading from github.com: 0.0 MB");
}

TEST(Download, CheckingConvertingInstalled) {
  DownloadState state = downloading(80'000'000, 80'000'000, 1e6);
  state.line("verifying");
  EXPECT_EQ(state.view().phase, DownloadPhase::verifying);
  EXPECT_TRUE(state.view().button_sensitive);
  state.line("converting");
  EXPECT_EQ(state.view().phase, DownloadPhase::converting);
  EXPECT_FALSE(state.view().button_sensitive) << "the conversion is not stopped half-way";
  state.line("installed\t/home/u/.local/share/neural-style-transfer/vgg19.safetensors");
  EXPECT_EQ(state.phase(), DownloadPhase::converting) << "installed only once the script ends well";
  state.exited(0);
  const DownloadView view = state.view();
  EXPECT_EQ(view.phase, DownloadPhase::installed);
  EXPECT_EQ(view.status, "Installed /home/u/.local/share/neural-style-transfer/vgg19.safetensors.");
  EXPECT_FALSE(view.button_sensitive);
  EXPECT_FALSE(view.running);
  EXPECT_DOUBLE_EQ(view.fraction, 1);
}

TEST(Download, StopKeepsThePartAndOffersResume) {
  DownloadState state = downloading(12'300'000, 80'000'000, 1e6);
  state.stop_requested();
  EXPECT_EQ(state.view().phase, DownloadPhase::stopping);
  EXPECT_FALSE(state.view().button_sensitive);
  state.line("interrupted\t/home/u/.cache/neural-style-transfer/x.h5.part");
  state.exited(130);
  const DownloadView view = state.view();
  EXPECT_EQ(view.phase, DownloadPhase::stopped);
  EXPECT_EQ(view.button, kResumeDownloadLabel);
  EXPECT_TRUE(view.button_sensitive);
  EXPECT_NE(view.status.find("Stopped at 12.3 MB of 80.0 MB"), std::string::npos);
  EXPECT_NE(view.status.find("Resume continues"), std::string::npos);
}

TEST(Download, StopWhileConvertingIsNotTaken) {
  DownloadState state = downloading(1, 1, 1);
  state.line("converting");
  state.stop_requested();
  EXPECT_EQ(state.phase(), DownloadPhase::converting);
}

TEST(Download, ErrorSaysWhatFailedAndWhereAFileGoes) {
  const test_support::WeightsAt elsewhere("/tmp/elsewhere/vgg19.safetensors");
  DownloadState state = downloading(0, 0, 0);
  state.line("failed\thttps://storage.googleapis.com/tensorflow/vgg19.h5\tconnection refused");
  state.line("error\tno source could be downloaded (a: connection refused; b: no route)");
  state.exited(1);
  const DownloadView view = state.view();
  EXPECT_EQ(view.phase, DownloadPhase::failed);
  EXPECT_EQ(view.button, kRetryDownloadLabel);
  EXPECT_NE(view.status.find("The download failed: no source could be downloaded (a: connection refused"),
            std::string::npos);
  EXPECT_NE(view.status.find(kKerasWeightsFile), std::string::npos);
  EXPECT_NE(view.status.find("nst-fetch-weights --from FILE"), std::string::npos);
  EXPECT_NE(view.status.find("/tmp/elsewhere/vgg19.safetensors"), std::string::npos);
}

TEST(Download, ExitWithoutAnErrorLineIsStillAFailure) {
  DownloadState crashed = downloading(1, 2, 1);
  crashed.exited(-1);
  EXPECT_EQ(crashed.phase(), DownloadPhase::failed);
  EXPECT_NE(crashed.view().status.find("stopped by a signal"), std::string::npos);
  DownloadState silent = downloading(1, 2, 1);
  silent.exited(0);
  EXPECT_EQ(silent.phase(), DownloadPhase::failed) << "exit 0 without an installed file";
  DownloadState other = downloading(1, 2, 1);
  other.exited(2);
  EXPECT_NE(other.view().status.find("exit status 2"), std::string::npos);
}

TEST(Download, MalformedAndUnknownLinesChangeNothing) {
  DownloadState state = downloading(10, 100, 1);
  const std::string before = state.view().status;
  for (const char* line : {"", "progress", "progress\tx\ty\tz", "nonsense\t1", "installed", "resume"}) state.line(line);
  EXPECT_EQ(state.phase(), DownloadPhase::downloading);
  EXPECT_NE(state.view().status, "") << before;
  state.exited(0);
  EXPECT_EQ(state.phase(), DownloadPhase::failed) << "a bare \"installed\" names no file";
}

TEST(Download, FailedToStartSaysWhy) {
  DownloadState state;
  state.failed_to_start("could not start /nowhere/nst-fetch-weights: No such file");
  EXPECT_EQ(state.phase(), DownloadPhase::failed);
  EXPECT_NE(state.view().status.find("/nowhere/nst-fetch-weights"), std::string::npos);
  state.started();
  EXPECT_EQ(state.phase(), DownloadPhase::downloading) << "a retry starts afresh";
  EXPECT_EQ(state.view().status, "Starting the download…");
}

TEST(Download, FetchCommandHonoursTheVariable) {
  setenv("NST_FETCH_WEIGHTS", "/bin/true", 1);
  EXPECT_EQ(fetch_command(), (std::vector<std::string>{"/bin/true", "--machine-readable"}));
  setenv("NST_FETCH_WEIGHTS", "/nonexistent/fetch", 1);
  EXPECT_THROW(
      {
        try {
          fetch_command();
        } catch (const PluginError& e) {
          EXPECT_NE(std::string(e.what()).find("/nonexistent/fetch"), std::string::npos);
          throw;
        }
      },
      PluginError);
  unsetenv("NST_FETCH_WEIGHTS");
}

}  // namespace
}  // namespace nst::plugin
