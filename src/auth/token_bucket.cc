#include "auth/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace amp::auth {

int64_t TokenBucket::TryTake(int64_t now_micros) {
  if (per_second_ <= 0) return 0;
  if (now_micros > last_micros_) {
    tokens_ = std::min(capacity_, tokens_ + static_cast<double>(now_micros - last_micros_) * per_second_ / 1e6);
    last_micros_ = now_micros;
  }
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return 0;
  }
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil((1.0 - tokens_) * 1e6 / per_second_)));
}

}  // namespace amp::auth
