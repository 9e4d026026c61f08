#include "metrics/prometheus_text.h"

#include <cstdio>

#include "metrics/process_stats.h"

namespace amp::metrics {

void AppendFamilyHeader(std::string_view name, std::string_view help, std::string_view type, std::string* out) {
  out->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out->append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void AppendSample(std::string_view name, std::string_view labels, double value, std::string* out) {
  char number[64];
  std::snprintf(number, sizeof(number), " %.17g\n", value);
  out->append(name);
  if (!labels.empty()) out->append("{").append(labels).append("}");
  out->append(number);
}

void AppendMetric(std::string_view name, std::string_view type, std::string_view help, double value, std::string* out) {
  AppendFamilyHeader(name, help, type, out);
  AppendSample(name, "", value, out);
}

std::string LabelValue(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void AppendProcessMetrics(std::string* out) {
  ProcessStats process = ReadProcessStats();
  AppendMetric("process_cpu_seconds_total", "counter", "User and system CPU time of the process.", process.cpu_seconds,
               out);
  AppendMetric("process_resident_memory_bytes", "gauge", "Resident memory of the process.",
               static_cast<double>(process.resident_bytes), out);
  AppendMetric("process_open_fds", "gauge", "Open file descriptors.", static_cast<double>(process.open_fds), out);
}

}  // namespace amp::metrics
