// Histogram: a lock-free latency histogram with fixed bucket bounds, rendered as a Prometheus histogram.
// Observe is wait-free (relaxed atomic increments); safe from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace amp::metrics {

class Histogram {
 public:
  // Upper bounds in microseconds: 50us .. 10s, roughly x2.5 apart.
  static constexpr std::array<int64_t, 14> kBoundsMicros = {50,     100,    250,     500,     1000,
                                                            2500,   5000,   10000,   25000,   50000,
                                                            100000, 250000, 1000000, 10000000};

  void Observe(int64_t micros);

  // Appends the _bucket, _sum and _count lines of `name` with the given label set (e.g. `model="x"`; may be empty).
  void Render(std::string_view name, std::string_view labels, std::string* out) const;

  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<uint64_t>, kBoundsMicros.size() + 1> buckets_{};  // last: +Inf
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

// Escapes a Prometheus label value (backslash, double quote, newline).
std::string EscapeLabel(std::string_view value);

}  // namespace amp::metrics
