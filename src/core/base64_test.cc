#include "core/base64.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace amp::core {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [bytes, text] : cases) {
    EXPECT_EQ(Base64Encode(bytes), text) << bytes;
    Result<std::string> decoded = Base64Decode(text);
    ASSERT_TRUE(decoded.ok()) << text << ": " << decoded.status().ToString();
    EXPECT_EQ(*decoded, bytes);
  }
}

TEST(Base64Test, RandomBinaryRoundTrips) {
  std::mt19937_64 rng(7);
  for (size_t length = 0; length < 300; ++length) {
    std::string bytes(length, '\0');
    for (char& byte : bytes) byte = static_cast<char>(rng() & 0xFF);
    Result<std::string> decoded = Base64Decode(Base64Encode(bytes));
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(*decoded, bytes) << "length " << length;
  }
}

TEST(Base64Test, MalformedTextIsInvalidArgument) {
  for (const char* text : {"Zg=", "Zm9", "Zm9v!A==", "Z===", "====", "Zg==Zg==", "Zh==", "Zm9=", "Zm 9v", "Zm9v\n"}) {
    Result<std::string> decoded = Base64Decode(text);
    EXPECT_FALSE(decoded.ok()) << text;
    if (!decoded.ok()) {
      EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument) << text;
    }
  }
}

}  // namespace
}  // namespace amp::core
