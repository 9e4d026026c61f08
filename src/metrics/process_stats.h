// ProcessStats: this process's CPU time and resident memory, read from /proc for /metrics. Thread-safe.
#pragma once

#include <cstdint>

namespace amp::metrics {

struct ProcessStats {
  double cpu_seconds = 0.0;  // user + system
  int64_t resident_bytes = 0;
  int64_t open_fds = 0;
};

ProcessStats ReadProcessStats();

}  // namespace amp::metrics
