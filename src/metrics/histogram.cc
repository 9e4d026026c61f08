#include "metrics/histogram.h"

#include <cstdio>

namespace amp::metrics {

void Histogram::Observe(int64_t micros) {
  if (micros < 0) micros = 0;
  size_t bucket = 0;
  while (bucket < kBoundsMicros.size() && micros > kBoundsMicros[bucket]) ++bucket;
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(micros), std::memory_order_relaxed);
}

void Histogram::Render(std::string_view name, std::string_view labels, std::string* out) const {
  auto line = [&](std::string_view suffix, std::string_view extra_label, std::string_view value) {
    out->append(name);
    out->append(suffix);
    if (!labels.empty() || !extra_label.empty()) {
      out->push_back('{');
      out->append(labels);
      if (!labels.empty() && !extra_label.empty()) out->push_back(',');
      out->append(extra_label);
      out->push_back('}');
    }
    out->push_back(' ');
    out->append(value);
    out->push_back('\n');
  };
  uint64_t cumulative = 0;
  char label[48];
  for (size_t bucket = 0; bucket <= kBoundsMicros.size(); ++bucket) {
    cumulative += buckets_[bucket].load(std::memory_order_relaxed);
    if (bucket < kBoundsMicros.size()) {
      std::snprintf(label, sizeof(label), "le=\"%g\"", static_cast<double>(kBoundsMicros[bucket]) / 1e6);
    } else {
      std::snprintf(label, sizeof(label), "le=\"+Inf\"");
    }
    line("_bucket", label, std::to_string(cumulative));
  }
  char sum[48];
  std::snprintf(sum, sizeof(sum), "%.6f", static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6);
  line("_sum", "", sum);
  line("_count", "", std::to_string(cumulative));
}

std::string EscapeLabel(std::string_view value) {
  std::string escaped;
  escaped.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == '"') {
      escaped.push_back('\\');
      escaped.push_back(c);
    } else if (c == '\n') {
      escaped.append("\\n");
    } else {
      escaped.push_back(c);
    }
  }
  return escaped;
}

}  // namespace amp::metrics
