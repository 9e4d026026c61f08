#include "auth/key_quotas.h"

#include <algorithm>

namespace amp::auth {

KeyQuotas::Admission KeyQuotas::Admit(std::string_view key_id) {
  if (!enabled()) return Admission{};
  const int64_t now = clock_.NowMicros();
  core::MutexLock lock(mu_);
  auto [state, inserted] = keys_.try_emplace(
      std::string(key_id),
      KeyState{TokenBucket(std::max(1.0, options_.burst > 0 ? options_.burst : options_.requests_per_second),
                           options_.requests_per_second, now),
               0});
  KeyState& key = state->second;
  if (options_.max_concurrent > 0 && key.in_flight >= options_.max_concurrent) {
    return Admission{false, 1, "at most " + std::to_string(options_.max_concurrent) + " concurrent requests per key"};
  }
  int64_t wait_micros = key.bucket.TryTake(now);
  if (wait_micros > 0) {
    return Admission{false, (wait_micros + 999'999) / 1'000'000, "rate limit exceeded for this key"};
  }
  ++key.in_flight;
  return Admission{};
}

void KeyQuotas::Release(std::string_view key_id) {
  if (!enabled()) return;
  core::MutexLock lock(mu_);
  auto found = keys_.find(std::string(key_id));
  if (found != keys_.end() && found->second.in_flight > 0) --found->second.in_flight;
}

}  // namespace amp::auth
