// TokenBucket: a rate limit as a pure value: `capacity` tokens, refilled at `per_second`, one taken per request.
// The caller passes the time, so tests drive it with a fake clock. Thread-compatible (KeyQuotas locks around it).
#pragma once

#include <cstdint>

namespace amp::auth {

class TokenBucket {
 public:
  // A full bucket at `now_micros`. per_second <= 0 means unlimited.
  TokenBucket(double capacity, double per_second, int64_t now_micros)
      : capacity_(capacity), per_second_(per_second), tokens_(capacity), last_micros_(now_micros) {}

  // Takes one token if there is one and returns 0; otherwise takes nothing and returns how many microseconds until
  // a token will be there.
  int64_t TryTake(int64_t now_micros);

  double tokens() const { return tokens_; }

 private:
  double capacity_;
  double per_second_;
  double tokens_;
  int64_t last_micros_;
};

}  // namespace amp::auth
