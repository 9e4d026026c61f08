#include "training/lease_policy.h"

#include <gtest/gtest.h>

namespace amp::training {
namespace {

TEST(LeasePolicyTest, HeartbeatIsAThirdOfTheLeaseWithinBounds) {
  struct Case {
    int64_t lease;
    int64_t max_heartbeat;
    int64_t expected;
  };
  const Case cases[] = {
      {30'000'000, 1'000'000, 1'000'000},  // long lease: capped so a cancel is seen within a second
      {2'000'000, 1'000'000, 666'666},     // short lease: a third of it
      {3'000'000, 0, 1'000'000},           // no cap
      {60'000'000, 0, 20'000'000},         // no cap, a third
      {15'000, 1'000'000, 10'000},         // floor: never a busy loop
      {0, 1'000'000, 10'000},
  };
  for (const Case& c : cases) {
    LeaseOptions options;
    options.lease_micros = c.lease;
    options.max_heartbeat_micros = c.max_heartbeat;
    EXPECT_EQ(HeartbeatIntervalMicros(options), c.expected) << "lease " << c.lease;
  }
}

TEST(LeasePolicyTest, LeaseEndsAtItsDeadline) {
  struct Case {
    int64_t lease_until;
    int64_t now;
    bool ended;
  };
  const Case cases[] = {
      {1000, 999, false}, {1000, 1000, true}, {1000, 5000, true}, {0, 5000, false}, {0, 0, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(LeaseEnded(c.lease_until, c.now), c.ended) << c.lease_until << " at " << c.now;
  }
}

TEST(LeasePolicyTest, IdleBackoffDoublesUpToTheCap) {
  LeaseOptions options;
  options.idle_min_micros = 100'000;
  options.idle_max_micros = 1'000'000;
  struct Case {
    int empty_polls;
    int64_t expected;
  };
  const Case cases[] = {{-1, 0},      {0, 0},         {1, 100'000},   {2, 200'000},     {3, 400'000},
                        {4, 800'000}, {5, 1'000'000}, {6, 1'000'000}, {1000, 1'000'000}};
  for (const Case& c : cases) EXPECT_EQ(IdleBackoffMicros(c.empty_polls, options), c.expected) << c.empty_polls;

  // A cap below the minimum waits the minimum; a zero minimum still makes progress.
  options.idle_min_micros = 500;
  options.idle_max_micros = 100;
  EXPECT_EQ(IdleBackoffMicros(3, options), 500);
  options.idle_min_micros = 0;
  options.idle_max_micros = 8;
  EXPECT_EQ(IdleBackoffMicros(1, options), 1);
  EXPECT_EQ(IdleBackoffMicros(10, options), 8);
}

TEST(LeasePolicyTest, AJobIsGivenUpAfterMaxAttempts) {
  LeaseOptions options;
  options.max_attempts = 3;
  EXPECT_FALSE(ShouldGiveUp(1, options));
  EXPECT_FALSE(ShouldGiveUp(3, options));
  EXPECT_TRUE(ShouldGiveUp(4, options));
  options.max_attempts = 0;  // never give up
  EXPECT_FALSE(ShouldGiveUp(1000, options));
}

TEST(LeasePolicyTest, JudgeRenewal) {
  using core::StatusCode;
  struct Case {
    StatusCode code;
    bool cancel_requested;
    int64_t held_until;
    int64_t now;
    RenewalVerdict expected;
  };
  const Case cases[] = {
      {StatusCode::kOk, false, 2000, 1000, RenewalVerdict::kKeepRunning},
      {StatusCode::kOk, true, 2000, 1000, RenewalVerdict::kStopCancelled},
      // Requeued after the lease lapsed (someone else may run it), or it ended: stop without recording.
      {StatusCode::kFailedPrecondition, false, 2000, 1000, RenewalVerdict::kStopLeaseLost},
      {StatusCode::kFailedPrecondition, true, 2000, 1000, RenewalVerdict::kStopLeaseLost},
      {StatusCode::kNotFound, false, 2000, 1000, RenewalVerdict::kStopLeaseLost},
      // The store is unreachable: keep going while the last lease holds, stop once it has ended.
      {StatusCode::kUnavailable, false, 2000, 1000, RenewalVerdict::kRetry},
      {StatusCode::kInternal, false, 2000, 1999, RenewalVerdict::kRetry},
      {StatusCode::kInternal, false, 2000, 2000, RenewalVerdict::kStopLeaseLost},
      {StatusCode::kUnavailable, true, 2000, 3000, RenewalVerdict::kStopLeaseLost},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(JudgeRenewal(c.code, c.cancel_requested, c.held_until, c.now), c.expected)
        << core::StatusCodeName(c.code) << " cancel=" << c.cancel_requested << " now=" << c.now;
  }
}

}  // namespace
}  // namespace amp::training
