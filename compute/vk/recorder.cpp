#include "vk/recorder.h"

#include <algorithm>
#include <cstring>

#include "vk/error.h"

namespace nst::vk {
namespace {

constexpr uint32_t kMaxTimestamps = 512;
constexpr uint32_t kProfileQueries = 16384;  // per command buffer: a tiled step flushes between tiles

bool contains(const std::vector<VkBuffer>& set, VkBuffer buffer) {
  return std::find(set.begin(), set.end(), buffer) != set.end();
}

VkFormat texel_format(BindingKind kind) {
  return kind == BindingKind::texel_rgba32f ? VK_FORMAT_R32G32B32A32_SFLOAT : VK_FORMAT_R32_SFLOAT;
}

VkDeviceSize texel_bytes(BindingKind kind) { return kind == BindingKind::texel_rgba32f ? 16 : 4; }

UniqueQueryPool timestamp_pool(const Context& context, uint32_t count) {
  VkQueryPoolCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO;
  info.queryType = VK_QUERY_TYPE_TIMESTAMP;
  info.queryCount = count;
  VkQueryPool pool = VK_NULL_HANDLE;
  check(vkCreateQueryPool(context.device(), &info, nullptr, &pool), "creating a timestamp query pool");
  return UniqueQueryPool(context.device(), pool);
}

// The times between consecutive timestamps 0 … count−1 of `pool`, in ms.
std::vector<double> intervals_ms(const Context& context, VkQueryPool pool, size_t count) {
  std::vector<uint64_t> ticks(count);
  check(vkGetQueryPoolResults(context.device(), pool, 0, static_cast<uint32_t>(count), count * sizeof(uint64_t),
                              ticks.data(), sizeof(uint64_t), VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
        "reading timestamps");
  const double ms_per_tick = context.limits().timestamp_period_ns * 1e-6;
  const uint32_t bits = context.limits().timestamp_bits;
  const uint64_t mask = bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;  // counters wrap at `bits`
  std::vector<double> intervals;
  for (size_t i = 1; i < count; ++i) {
    intervals.push_back(static_cast<double>((ticks[i] - ticks[i - 1]) & mask) * ms_per_tick);
  }
  return intervals;
}

}  // namespace

Recorder::Recorder(Context& context) : context_(context) { begin(); }

void Recorder::begin() {
  VkCommandBufferAllocateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
  info.commandPool = context_.command_pool();
  info.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  info.commandBufferCount = 1;
  check(vkAllocateCommandBuffers(context_.device(), &info, &commands_), "allocating a command buffer");
  VkCommandBufferBeginInfo begin_info{};
  begin_info.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  begin_info.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  check(vkBeginCommandBuffer(commands_, &begin_info), "beginning a command buffer");
  if (profile_ != nullptr) start_profile_segment();  // after a flush
}

Recorder::~Recorder() {
  // The command pool is the context's, shared by recorders of one thread at a time.
  vkFreeCommandBuffers(context_.device(), context_.command_pool(), 1, &commands_);
}

void Recorder::before_access(const std::vector<std::pair<VkBuffer, Access>>& accesses) {
  bool hazard = false;
  for (const auto& [buffer, access] : accesses) {
    hazard = hazard || contains(written_, buffer) || (access != Access::read && contains(read_, buffer));
  }
  if (hazard) {
    VkMemoryBarrier barrier{};
    barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
    barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    barrier.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                            VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    const VkPipelineStageFlags stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
    vkCmdPipelineBarrier(commands_, stages, stages, 0, 1, &barrier, 0, nullptr, 0, nullptr);
    written_.clear();
    read_.clear();
  }
  for (const auto& [buffer, access] : accesses) {
    if (access != Access::write) read_.push_back(buffer);
    if (access != Access::read) written_.push_back(buffer);
  }
}

void Recorder::check_span(const Shader& shader, size_t binding, const BufferSpan& span) const {
  const Limits& limits = context_.limits();
  const BindingKind kind = shader.bindings[binding].kind;
  const std::string where = std::string("shader '") + shader.name + "', binding " + std::to_string(binding) +
                            " ('" + (span.buffer ? span.buffer->name() : "null") + "')";
  if (!span.buffer || span.size == 0) throw Error(where + ": no buffer bound");
  if (span.offset + span.size > span.buffer->size()) throw Error(where + ": range outside the buffer");
  if (kind == BindingKind::storage_buffer) {
    if (span.size > limits.max_storage_buffer_range) {
      throw Error(where + ": " + std::to_string(span.size) + " bytes exceed the device's maxStorageBufferRange of " +
                  std::to_string(limits.max_storage_buffer_range));
    }
    if (span.offset % limits.min_storage_offset_alignment) throw Error(where + ": misaligned storage offset");
  } else {
    if (!limits.texel_buffers) throw Error(where + ": the device has no float storage texel buffers");
    if (span.size / texel_bytes(kind) > limits.max_texel_buffer_elements) {
      throw Error(where + ": " + std::to_string(span.size / texel_bytes(kind)) +
                  " texels exceed the device's maxTexelBufferElements of " +
                  std::to_string(limits.max_texel_buffer_elements));
    }
    if (span.offset % limits.min_texel_offset_alignment) throw Error(where + ": misaligned texel offset");
  }
}

void Recorder::dispatch(const Shader& shader, const Specialization& spec, std::initializer_list<BufferSpan> bindings,
                        const void* push, uint32_t push_bytes, Groups groups) {
  const Limits& limits = context_.limits();
  const std::string name = std::string("shader '") + shader.name + "'";
  if (bindings.size() != shader.bindings.size()) throw Error(name + ": wrong number of bindings");
  if (push_bytes != shader.push_bytes) throw Error(name + ": wrong push-constant size");
  const uint32_t counts[3] = {groups.x, groups.y, groups.z};
  for (int axis = 0; axis < 3; ++axis) {
    if (counts[axis] > limits.max_workgroup_count[axis]) {
      throw Error(name + ": " + std::to_string(counts[axis]) + " workgroups on axis " + std::to_string(axis) +
                  " exceed the device's maxComputeWorkGroupCount of " + std::to_string(limits.max_workgroup_count[axis]));
    }
  }
  if (groups.x == 0 || groups.y == 0 || groups.z == 0) return;  // nothing to do

  std::vector<VkDescriptorBufferInfo> buffer_infos(bindings.size());
  std::vector<VkBufferView> views(bindings.size());
  std::vector<VkWriteDescriptorSet> writes;
  std::vector<std::pair<VkBuffer, Access>> accesses;
  size_t i = 0;
  for (const BufferSpan& span : bindings) {
    check_span(shader, i, span);
    const Binding& binding = shader.bindings[i];
    VkWriteDescriptorSet write{};
    write.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
    write.dstBinding = static_cast<uint32_t>(i);
    write.descriptorCount = 1;
    if (binding.kind == BindingKind::storage_buffer) {
      buffer_infos[i] = {span.buffer->handle(), span.offset, span.size};
      write.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      write.pBufferInfo = &buffer_infos[i];
    } else {
      const VkDeviceSize range = span.size / texel_bytes(binding.kind) * texel_bytes(binding.kind);
      views[i] = span.buffer->view(texel_format(binding.kind), span.offset, range);
      write.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER;
      write.pTexelBufferView = &views[i];
    }
    writes.push_back(write);
    accesses.emplace_back(span.buffer->handle(), binding.access);
    ++i;
  }
  before_access(accesses);

  const Pipeline& pipeline = context_.pipeline(shader, spec);
  vkCmdBindPipeline(commands_, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.handle());
  context_.push_descriptor_set()(commands_, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.layout(), 0,
                                 static_cast<uint32_t>(writes.size()), writes.data());
  if (push_bytes) vkCmdPushConstants(commands_, pipeline.layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes, push);
  vkCmdDispatch(commands_, groups.x, groups.y, groups.z);
  profile_mark(shader.name);
}

BufferSpan Recorder::scratch(VkDeviceSize bytes, const std::string& what) {
  staging_.push_back(std::make_unique<Buffer>(context_, bytes, MemoryUse::device, what));
  return whole(*staging_.back());
}

void Recorder::copy(const BufferSpan& source, const BufferSpan& destination) {
  if (source.size != destination.size) throw Error("copy between ranges of different sizes");
  before_access({{source.buffer->handle(), Access::read}, {destination.buffer->handle(), Access::write}});
  VkBufferCopy region{source.offset, destination.offset, source.size};
  vkCmdCopyBuffer(commands_, source.buffer->handle(), destination.buffer->handle(), 1, &region);
  profile_mark("copy");
}

void Recorder::fill(const BufferSpan& destination, uint32_t word) {
  before_access({{destination.buffer->handle(), Access::write}});
  vkCmdFillBuffer(commands_, destination.buffer->handle(), destination.offset, destination.size, word);
  profile_mark("fill");
}

void Recorder::profile_into(KernelProfile& profile) {
  profile_ = &profile;
  start_profile_segment();
}

// A reset pool and the start mark at the head of this command buffer's profiled work.
void Recorder::start_profile_segment() {
  if (!context_.limits().timestamps) return;
  if (!profile_queries_) profile_queries_ = timestamp_pool(context_, kProfileQueries);
  vkCmdResetQueryPool(commands_, profile_queries_.get(), 0, kProfileQueries);
  vkCmdWriteTimestamp(commands_, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, profile_queries_.get(), 0);
  profile_labels_.assign(1, "start");
}

void Recorder::profile_mark(const char* kernel) {
  if (profile_ == nullptr || profile_labels_.empty()) return;  // not profiling, or no timestamps
  if (profile_labels_.size() == kProfileQueries) {
    ++profile_->untimed;
    return;
  }
  vkCmdWriteTimestamp(commands_, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, profile_queries_.get(),
                      static_cast<uint32_t>(profile_labels_.size()));
  profile_labels_.push_back(kernel);
}

void Recorder::gather_profile() {
  if (profile_ == nullptr || profile_labels_.size() < 2) {
    profile_labels_.clear();
    return;
  }
  const std::vector<double> ms = intervals_ms(context_, profile_queries_.get(), profile_labels_.size());
  for (size_t i = 0; i < ms.size(); ++i) profile_->add(profile_labels_[i + 1], ms[i]);
  profile_labels_.clear();
}

void Recorder::upload(const BufferSpan& destination, const void* data, size_t bytes) {
  if (bytes != destination.size) throw Error("upload of " + std::to_string(bytes) + " bytes into a range of " +
                                             std::to_string(destination.size) + " ('" + destination.buffer->name() + "')");
  staging_.push_back(std::make_unique<Buffer>(context_, bytes, MemoryUse::upload, "upload staging"));
  std::memcpy(staging_.back()->mapped(), data, bytes);
  copy(whole(*staging_.back()), destination);
}

size_t Recorder::download(const BufferSpan& source, size_t bytes) {
  if (bytes != source.size) throw Error("download of a range of the wrong size ('" + source.buffer->name() + "')");
  staging_.push_back(std::make_unique<Buffer>(context_, bytes, MemoryUse::download, "download staging"));
  copy(source, whole(*staging_.back()));
  downloads_.push_back(staging_.back().get());
  return downloads_.size() - 1;
}

void Recorder::read(size_t download, void* data, size_t bytes) const {
  if (!submitted_) throw Error("a download is read before its recorder was submitted");
  std::memcpy(data, downloads_.at(download)->mapped(), std::min<size_t>(bytes, downloads_[download]->size()));
}

void Recorder::timestamp(const std::string& label) {
  if (!context_.limits().timestamps) return;  // timings() will then be empty
  if (!queries_) {
    queries_ = timestamp_pool(context_, kMaxTimestamps);
    vkCmdResetQueryPool(commands_, queries_.get(), 0, kMaxTimestamps);
  }
  if (labels_.size() == kMaxTimestamps) throw Error("more than 512 timestamps in one recorder");
  vkCmdWriteTimestamp(commands_, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, queries_.get(),
                      static_cast<uint32_t>(labels_.size()));
  labels_.push_back(label);
}

std::vector<Timing> Recorder::timings() const {
  std::vector<Timing> result;
  if (!submitted_ || labels_.size() < 2) return result;
  const std::vector<double> ms = intervals_ms(context_, queries_.get(), labels_.size());
  for (size_t i = 0; i < ms.size(); ++i) result.push_back({labels_[i + 1], ms[i]});
  return result;
}

void Recorder::submit() {
  if (submitted_) throw Error("a recorder was submitted twice");
  end_and_submit();
  submitted_ = true;
}

void Recorder::flush() {
  if (submitted_) throw Error("a recorder was flushed after its submit");
  end_and_submit();
  vkFreeCommandBuffers(context_.device(), context_.command_pool(), 1, &commands_);
  commands_ = VK_NULL_HANDLE;
  std::erase_if(staging_, [this](const std::unique_ptr<Buffer>& buffer) {
    return std::find(downloads_.begin(), downloads_.end(), buffer.get()) == downloads_.end();
  });
  written_.clear();  // the wait ordered everything before what comes next
  read_.clear();
  begin();
}

void Recorder::end_and_submit() {
  if (!downloads_.empty()) {
    VkMemoryBarrier barrier{};
    barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
    barrier.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    barrier.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(commands_, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &barrier, 0,
                         nullptr, 0, nullptr);
  }
  check(vkEndCommandBuffer(commands_), "ending a command buffer");
  context_.submit_and_wait(commands_);
  gather_profile();
}

}  // namespace nst::vk
