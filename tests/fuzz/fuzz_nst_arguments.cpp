// libFuzzer target: nst's command line (compute/cli/options.h). The input is split at
// NUL bytes into arguments; a UsageError is the expected refusal, anything else escaping
// (another exception, a crash, a sanitizer report) is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/options.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> arguments(1);
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      arguments.emplace_back();
    } else {
      arguments.back().push_back(char(data[i]));
    }
  }
  try {
    nst::cli::parse_arguments(arguments);
  } catch (const nst::cli::UsageError&) {
  }
  return 0;
}
