// The Prometheus text exposition format (version 0.0.4), as /metrics on `amp serve` and on `amp worker`'s health
// listener write it: family headers, samples with optional labels, escaped label values, and the process figures
// both expose.
#pragma once

#include <string>
#include <string_view>

namespace amp::metrics {

// The "# HELP" and "# TYPE" lines that open a metric family.
void AppendFamilyHeader(std::string_view name, std::string_view help, std::string_view type, std::string* out);

// One sample line: `name{labels} value` (no braces when `labels` is empty), the value printed exactly (%.17g).
void AppendSample(std::string_view name, std::string_view labels, double value, std::string* out);

// A family with one unlabelled sample.
void AppendMetric(std::string_view name, std::string_view type, std::string_view help, double value, std::string* out);

// A label value with backslash, double quote and newline escaped.
std::string LabelValue(std::string_view text);

// process_cpu_seconds_total, process_resident_memory_bytes and process_open_fds of this process.
void AppendProcessMetrics(std::string* out);

}  // namespace amp::metrics
