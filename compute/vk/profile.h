#pragma once
// GPU time per kind of kernel, as a Recorder gathers it when asked (Recorder::profile_into):
// a timestamp after every dispatch and copy, the time since the previous one charged to
// it. Barrier waits before a dispatch count as its time: that is what the step spends on
// its account. For benchmarks (bench_objective --profile), not for runs.
#include <cstdint>
#include <map>
#include <string>

namespace nst::vk {

struct KernelTime {
  double ms = 0;
  uint64_t calls = 0;
};

struct KernelProfile {
  std::map<std::string, KernelTime> kernels;  // by shader name, or "copy" / "fill"
  uint64_t untimed = 0;                       // recorded beyond the query pool's size

  void add(const std::string& kernel, double ms) {
    KernelTime& time = kernels[kernel];
    time.ms += ms;
    ++time.calls;
  }
  double total_ms() const {
    double total = 0;
    for (const auto& entry : kernels) total += entry.second.ms;
    return total;
  }
};

}  // namespace nst::vk
