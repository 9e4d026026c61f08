// Clock: the source of wall time for timestamps and timeouts. Inject FakeClock in tests where time matters.
// Both implementations are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace amp::core {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch.
  virtual int64_t NowMicros() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMicros() const override;
  // The process-wide system clock.
  static SystemClock& Get();
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_micros = 1'700'000'000'000'000) : now_(start_micros) {}
  int64_t NowMicros() const override { return now_.load(); }
  void AdvanceMicros(int64_t delta) { now_ += delta; }

 private:
  std::atomic<int64_t> now_;
};

// Formats microseconds since the epoch as RFC 3339 UTC with millisecond precision, e.g. 2026-11-28T23:55:42.123Z.
std::string FormatRfc3339(int64_t micros);

}  // namespace amp::core
