#include "http/listen_policy.h"

#include <gtest/gtest.h>

namespace amp::http {
namespace {

TEST(ListenPolicyTest, Table) {
  struct Case {
    const char* host;
    bool tls;
    bool insecure_http;
    ListenDecision want;
  };
  const Case cases[] = {
      {"127.0.0.1", false, false, ListenDecision::kAllowed},
      {"127.0.0.2", false, false, ListenDecision::kAllowed},  // all of 127/8 is loopback
      {"::1", false, false, ListenDecision::kAllowed},
      {"0.0.0.0", false, false, ListenDecision::kRefused},
      {"::", false, false, ListenDecision::kRefused},
      {"10.1.2.3", false, false, ListenDecision::kRefused},
      {"10.1.2.3", false, true, ListenDecision::kAllowedWithWarning},
      {"0.0.0.0", false, true, ListenDecision::kAllowedWithWarning},
      {"0.0.0.0", true, false, ListenDecision::kAllowed},
      {"10.1.2.3", true, true, ListenDecision::kAllowed},
      {"127.0.0.1", true, false, ListenDecision::kAllowed},
      {"localhost", false, false, ListenDecision::kRefused},  // not an address: the server binds addresses only
      {"not an address", false, true, ListenDecision::kAllowedWithWarning},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(DecideListen(c.host, c.tls, c.insecure_http), c.want)
        << c.host << " tls=" << c.tls << " insecure_http=" << c.insecure_http;
  }
}

}  // namespace
}  // namespace amp::http
