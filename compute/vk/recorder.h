#pragma once
// Records many dispatches into one command buffer and submits them at once: no round trip
// to the host between dependent steps. Barriers are inserted only where a dispatch or copy
// touches a buffer that an earlier, not yet barriered one wrote (or writes one it read).
#include <vulkan/vulkan.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "vk/context.h"
#include "vk/handle.h"
#include "vk/memory.h"
#include "vk/pipeline.h"
#include "vk/profile.h"

namespace nst::vk {

struct Groups {
  uint32_t x = 1, y = 1, z = 1;
};

// How many groups of `size` cover `count` items.
inline uint32_t groups_for(uint64_t count, uint32_t size) {
  return static_cast<uint32_t>((count + size - 1) / size);
}

struct Timing {
  std::string label;
  double ms;  // from the previous timestamp to this one
};

class Recorder {
 public:
  explicit Recorder(Context& context);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  Context& context() const { return context_; }

  // Binds `bindings` (in the shader's binding order) and records one dispatch.
  void dispatch(const Shader& shader, const Specialization& spec, std::initializer_list<BufferSpan> bindings,
                const void* push, uint32_t push_bytes, Groups groups);
  template <typename Push>
  void dispatch(const Shader& shader, const Specialization& spec, std::initializer_list<BufferSpan> bindings,
                const Push& push, Groups groups) {
    dispatch(shader, spec, bindings, &push, sizeof(Push), groups);
  }

  // Device memory for intermediate results (e.g. partial sums) that lives as long as this
  // recorder, so that an op can record work needing scratch space without owning any.
  BufferSpan scratch(VkDeviceSize bytes, const std::string& what);

  void copy(const BufferSpan& source, const BufferSpan& destination);
  void fill(const BufferSpan& destination, uint32_t word);

  // Host data into a buffer, through a staging buffer this recorder keeps until submit.
  void upload(const BufferSpan& destination, const void* data, size_t bytes);
  // A buffer's contents into a staging buffer; read() them after submit().
  size_t download(const BufferSpan& source, size_t bytes);
  void read(size_t download, void* data, size_t bytes) const;

  // A GPU timestamp; after submit, timings() gives the time between consecutive ones.
  void timestamp(const std::string& label);
  std::vector<Timing> timings() const;

  // From now on, a timestamp after every dispatch, copy and fill, their times added to
  // `profile` by kernel at each flush and submit (nothing on a device without timestamps).
  void profile_into(KernelProfile& profile);

  // Ends recording, submits, waits. A recorder is submitted once.
  void submit();
  // Submits what is recorded so far, waits, and goes on recording into a new command
  // buffer: the scratch and upload staging of the work done are released (downloads are
  // kept for read()). A long evaluation (a tiled objective) flushes between tiles, so
  // that its temporary memory stays that of one tile and the host can report progress.
  void flush();

 private:
  void begin();
  void end_and_submit();
  void before_access(const std::vector<std::pair<VkBuffer, Access>>& accesses);
  void check_span(const Shader& shader, size_t binding, const BufferSpan& span) const;
  void start_profile_segment();
  void profile_mark(const char* kernel);
  void gather_profile();

  Context& context_;
  VkCommandBuffer commands_ = VK_NULL_HANDLE;
  bool submitted_ = false;
  std::vector<VkBuffer> written_;  // since the last barrier
  std::vector<VkBuffer> read_;
  std::vector<std::unique_ptr<Buffer>> staging_;  // staging and scratch buffers
  std::vector<const Buffer*> downloads_;
  UniqueQueryPool queries_;
  std::vector<std::string> labels_;
  KernelProfile* profile_ = nullptr;
  UniqueQueryPool profile_queries_;
  std::vector<const char*> profile_labels_;  // since the command buffer began; [0] the start
};

}  // namespace nst::vk
