#include "auth/key_quotas.h"

#include <gtest/gtest.h>

namespace amp::auth {
namespace {

TEST(KeyQuotasTest, RateAndConcurrencyArePerKey) {
  core::FakeClock clock(0);
  KeyQuotas quotas(QuotaOptions{2, 2, 0}, clock);
  EXPECT_TRUE(quotas.Admit("a").admitted);
  EXPECT_TRUE(quotas.Admit("a").admitted);
  KeyQuotas::Admission third = quotas.Admit("a");
  EXPECT_FALSE(third.admitted);
  EXPECT_EQ(third.retry_after_seconds, 1);
  EXPECT_TRUE(quotas.Admit("b").admitted);  // another key has its own bucket
  clock.AdvanceMicros(500'000);
  EXPECT_TRUE(quotas.Admit("a").admitted);

  KeyQuotas concurrent(QuotaOptions{0, 0, 2}, clock);
  EXPECT_TRUE(concurrent.Admit("a").admitted);
  EXPECT_TRUE(concurrent.Admit("a").admitted);
  EXPECT_FALSE(concurrent.Admit("a").admitted);
  EXPECT_TRUE(concurrent.Admit("b").admitted);
  concurrent.Release("a");
  EXPECT_TRUE(concurrent.Admit("a").admitted);
}

}  // namespace
}  // namespace amp::auth
