#include "metrics/process_stats.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace amp::metrics {

ProcessStats ReadProcessStats() {
  ProcessStats stats;
  std::ifstream stat_file("/proc/self/stat");
  std::string stat;
  std::getline(stat_file, stat);
  // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
  size_t close = stat.rfind(')');
  if (close != std::string::npos) {
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    int64_t utime = 0;
    int64_t stime = 0;
    for (int field_idx = 3; fields >> field; ++field_idx) {
      if (field_idx == 14) utime = std::stoll(field);
      if (field_idx == 15) {
        stime = std::stoll(field);
        break;
      }
    }
    stats.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  std::ifstream statm("/proc/self/statm");
  int64_t size_pages = 0;
  int64_t resident_pages = 0;
  if (statm >> size_pages >> resident_pages) stats.resident_bytes = resident_pages * sysconf(_SC_PAGESIZE);
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::end(it);
       it.increment(ec)) {
    ++stats.open_fds;
  }
  return stats;
}

}  // namespace amp::metrics
