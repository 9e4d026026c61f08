#include "training/lease_policy.h"

#include <algorithm>

namespace amp::training {

int64_t HeartbeatIntervalMicros(const LeaseOptions& options) {
  constexpr int64_t kFloor = 10'000;
  int64_t interval = options.lease_micros / 3;
  if (options.max_heartbeat_micros > 0) interval = std::min(interval, options.max_heartbeat_micros);
  return std::max(interval, kFloor);
}

bool LeaseEnded(int64_t lease_until_micros, int64_t now_micros) {
  return lease_until_micros > 0 && now_micros >= lease_until_micros;
}

int64_t IdleBackoffMicros(int empty_polls, const LeaseOptions& options) {
  if (empty_polls <= 0) return 0;
  const int64_t cap = std::max(options.idle_max_micros, options.idle_min_micros);
  int64_t wait = std::max<int64_t>(options.idle_min_micros, 1);
  for (int poll = 1; poll < empty_polls && wait < cap; ++poll) wait *= 2;
  return std::min(wait, cap);
}

bool ShouldGiveUp(int64_t attempts, const LeaseOptions& options) {
  return options.max_attempts > 0 && attempts > options.max_attempts;
}

RenewalVerdict JudgeRenewal(core::StatusCode code, bool cancel_requested, int64_t held_until_micros,
                            int64_t now_micros) {
  switch (code) {
    case core::StatusCode::kOk:
      return cancel_requested ? RenewalVerdict::kStopCancelled : RenewalVerdict::kKeepRunning;
    case core::StatusCode::kFailedPrecondition:
    case core::StatusCode::kNotFound:
      return RenewalVerdict::kStopLeaseLost;
    default:
      return LeaseEnded(held_until_micros, now_micros) ? RenewalVerdict::kStopLeaseLost : RenewalVerdict::kRetry;
  }
}

}  // namespace amp::training
