// KeyQuotas: per-key request rate (a TokenBucket per key) and a per-key cap on concurrent requests, so one client
// cannot starve the others. Anonymous requests share one bucket, keyed by "". api::AccessGuard admits each request
// through it. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/token_bucket.h"
#include "core/clock.h"
#include "core/mutex.h"

namespace amp::auth {

struct QuotaOptions {
  double requests_per_second = 0;  // per key; 0: unlimited
  double burst = 0;                // bucket size; 0: the same as requests_per_second (at least 1)
  int max_concurrent = 0;          // per key; 0: unlimited
};

class KeyQuotas {
 public:
  KeyQuotas(QuotaOptions options, const core::Clock& clock) : options_(options), clock_(clock) {}

  struct Admission {
    bool admitted = true;
    int64_t retry_after_seconds = 0;  // when not admitted
    std::string reason;
  };
  // False when no limit is set: callers may skip Admit and Release altogether.
  bool enabled() const { return options_.requests_per_second > 0 || options_.max_concurrent > 0; }

  // Admits one request of `key_id`; an admitted request must be matched by one Release(key_id).
  Admission Admit(std::string_view key_id);
  void Release(std::string_view key_id);

 private:
  struct KeyState {
    TokenBucket bucket;
    int in_flight = 0;
  };

  const QuotaOptions options_;
  const core::Clock& clock_;
  core::Mutex mu_;
  std::unordered_map<std::string, KeyState> keys_ AMP_GUARDED_BY(mu_);
};

}  // namespace amp::auth
