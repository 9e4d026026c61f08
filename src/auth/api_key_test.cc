#include "auth/api_key.h"

#include <gtest/gtest.h>

#include <set>

namespace amp::auth {
namespace {

TEST(ApiKeyTest, SecretsAreLongRandomAndWellFormed) {
  std::set<std::string> seen;
  for (int idx = 0; idx < 100; ++idx) {
    auto secret = GenerateSecret();
    ASSERT_TRUE(secret.ok());
    EXPECT_EQ(secret->size(), 4u + 43u);  // "amp_" + base64url of 32 bytes
    EXPECT_EQ(SecretPrefix(*secret), secret->substr(0, kPrefixChars));
    EXPECT_TRUE(seen.insert(*secret).second);
  }
}

TEST(ApiKeyTest, PrefixRejectsForeignShapes) {
  EXPECT_EQ(SecretPrefix(""), "");
  EXPECT_EQ(SecretPrefix("amp_short"), "");
  EXPECT_EQ(SecretPrefix("xyz_AAAAAAAAAAAAAAAA"), "");
  EXPECT_EQ(SecretPrefix("amp_AAAAAAAA'; DROP"), "");
  EXPECT_EQ(SecretPrefix("amp_AAAAAAAAbbbb"), "amp_AAAAAAAA");
}

TEST(ApiKeyTest, OnlyTheRightSecretMatchesItsHash) {
  const std::string hash = HashSecret("amp_secret");
  EXPECT_EQ(hash.size(), 64u);
  EXPECT_TRUE(SecretMatches("amp_secret", hash));
  EXPECT_FALSE(SecretMatches("amp_secreT", hash));
  EXPECT_FALSE(SecretMatches("amp_secret", hash.substr(1)));
}

TEST(ApiKeyTest, BearerToken) {
  struct Case {
    const char* header;
    const char* token;
  };
  const Case cases[] = {
      {"Bearer amp_x", "amp_x"},
      {"bearer amp_x", "amp_x"},
      {"Bearer   amp_x  ", "amp_x"},
      {"Basic dXNlcg==", ""},
      {"Bearer ", ""},
      {"", ""},
      {"Bearer", ""},
  };
  for (const Case& test_case : cases) EXPECT_EQ(BearerToken(test_case.header), test_case.token) << test_case.header;
}

}  // namespace
}  // namespace amp::auth
