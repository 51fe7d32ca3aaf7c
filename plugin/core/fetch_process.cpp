#include "plugin/core/fetch_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace nst::plugin {
namespace {

// How long the destructor waits for a stopped script before killing it: it only has to
// close its partial file.
constexpr auto kStopGrace = std::chrono::seconds(5);

int exit_status_of(int wait_status) { return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1; }

}  // namespace

FetchProcess::FetchProcess(const std::vector<std::string>& command, Changed changed) : changed_(std::move(changed)) {
  std::vector<char*> argv;
  for (const std::string& word : command) argv.push_back(const_cast<char*>(word.c_str()));
  argv.push_back(nullptr);
  gint output_fd = -1;
  GError* error = nullptr;
  // stderr stays GIMP's: the script's own messages for a person reading GIMP's log.
  if (command.empty() ||
      !g_spawn_async_with_pipes(nullptr, argv.data(), nullptr, GSpawnFlags(G_SPAWN_DO_NOT_REAP_CHILD), nullptr,
                                nullptr, &pid_, nullptr, &output_fd, nullptr, &error)) {
    state_.failed_to_start("could not start " + (command.empty() ? std::string("nst-fetch-weights") : command[0]) +
                           (error ? std::string(": ") + error->message : std::string()));
    if (error) g_error_free(error);
    pid_ = 0;
    notify();
    return;
  }
  state_.started();
  output_ = g_io_channel_unix_new(output_fd);
  g_io_channel_set_close_on_unref(output_, TRUE);
  g_io_channel_set_flags(output_, G_IO_FLAG_NONBLOCK, nullptr);
  output_watch_ = g_io_add_watch(output_, GIOCondition(G_IO_IN | G_IO_HUP | G_IO_ERR), on_output, this);
  exit_watch_ = g_child_watch_add(pid_, on_exit, this);
  notify();
}

FetchProcess::~FetchProcess() {
  if (running()) {
    g_source_remove(exit_watch_);  // reaped here, not by GLib
    kill(pid_, SIGTERM);
    int wait_status = 0;
    const auto deadline = std::chrono::steady_clock::now() + kStopGrace;
    while (waitpid(pid_, &wait_status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &wait_status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    g_spawn_close_pid(pid_);
  }
  if (output_watch_ != 0) g_source_remove(output_watch_);
  if (output_ != nullptr) g_io_channel_unref(output_);
}

void FetchProcess::stop() {
  if (!running()) return;
  state_.stop_requested();
  kill(pid_, SIGTERM);
  notify();
}

void FetchProcess::read_lines() {
  gchar* line = nullptr;
  gsize length = 0;
  while (output_ != nullptr &&
         g_io_channel_read_line(output_, &line, &length, nullptr, nullptr) == G_IO_STATUS_NORMAL) {
    std::string text(line, length);
    g_free(line);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    state_.line(text);
  }
}

gboolean FetchProcess::on_output(GIOChannel*, GIOCondition condition, gpointer data) {
  auto* self = static_cast<FetchProcess*>(data);
  self->read_lines();
  self->notify();
  if ((condition & (G_IO_HUP | G_IO_ERR)) != 0 && (condition & G_IO_IN) == 0) {
    self->output_watch_ = 0;
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

void FetchProcess::on_exit(GPid, gint wait_status, gpointer data) {
  auto* self = static_cast<FetchProcess*>(data);
  self->exit_watch_ = 0;
  self->finish(exit_status_of(wait_status));
}

void FetchProcess::finish(int exit_status) {
  // The script has ended: what is left in the pipe is its last lines.
  g_io_channel_set_flags(output_, GIOFlags(0), nullptr);
  read_lines();
  g_spawn_close_pid(pid_);
  pid_ = 0;
  state_.exited(exit_status);
  notify();
}

void FetchProcess::notify() const {
  if (changed_) changed_(state_.view());
}

}  // namespace nst::plugin
