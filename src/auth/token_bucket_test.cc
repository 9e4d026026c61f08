#include "auth/token_bucket.h"

#include <gtest/gtest.h>

namespace amp::auth {
namespace {

TEST(TokenBucketTest, TableOfTakesOverTime) {
  // capacity 2, 1 token per second, starting full at t=0.
  struct Step {
    int64_t at_micros;
    int64_t expected_wait;  // 0: admitted
  };
  const Step steps[] = {
      {0, 0},                  // 2 -> 1
      {0, 0},                  // 1 -> 0
      {0, 1'000'000},          // empty: a whole second to the next token
      {250'000, 750'000},      // a quarter refilled
      {1'000'000, 0},          // refilled one
      {1'000'000, 1'000'000},  // empty again
      {10'000'000, 0},         // long idle refills only up to capacity
      {10'000'000, 0},
      {10'000'000, 1'000'000},
      {9'000'000, 1'000'000},  // a clock going backwards refills nothing
  };
  TokenBucket bucket(2, 1, 0);
  for (const Step& step : steps) {
    EXPECT_EQ(bucket.TryTake(step.at_micros), step.expected_wait) << "at " << step.at_micros;
  }
}

TEST(TokenBucketTest, ZeroRateIsUnlimited) {
  TokenBucket bucket(0, 0, 0);
  for (int idx = 0; idx < 1000; ++idx) EXPECT_EQ(bucket.TryTake(0), 0);
}

}  // namespace
}  // namespace amp::auth
