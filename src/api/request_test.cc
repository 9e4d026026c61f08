#include "api/request.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace amp::api {
namespace {

TEST(PercentDecodeTest, Table) {
  struct Case {
    std::string text;
    bool plus_as_space;
    std::optional<std::string> want;  // nullopt: rejected
  };
  const std::vector<Case> cases = {
      {"", false, ""},
      {"plain", false, "plain"},
      {"House%20Price", false, "House Price"},
      {"%41%42%43", false, "ABC"},
      {"%4a%4A", false, "JJ"},  // either case of hex digit
      {"%2F%3f%25", false, "/?%"},
      {"%25ZZ", false, "%ZZ"},  // a decoded '%' is not decoded again
      {"%C3%A9", false, "\xC3\xA9"},
      {"%FF", false, "\xFF"},
      {"%01", false, "\x01"},
      {"a+b", false, "a+b"},
      {"a+b", true, "a b"},
      {"+++", true, "   "},
      {"%2B", true, "+"},  // an escaped plus stays a plus
      {"%20+%20", true, "   "},
      {"100%", false, std::nullopt},
      {"%", false, std::nullopt},
      {"%4", false, std::nullopt},
      {"abc%4", false, std::nullopt},
      {"%G1", false, std::nullopt},
      {"%1G", false, std::nullopt},
      {"%%41", false, std::nullopt},
      {"% 1", false, std::nullopt},
      {"%-1", false, std::nullopt},
      {"%+1", true, std::nullopt},
      {"%00", false, std::nullopt},  // a NUL would truncate names downstream
      {"a%00b", true, std::nullopt},
      {"%0", false, std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("'" + c.text + "' plus_as_space=" + (c.plus_as_space ? "true" : "false"));
    EXPECT_EQ(PercentDecode(c.text, c.plus_as_space), c.want);
  }
}

TEST(PercentDecodeTest, EveryByteRoundTrips) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (int byte = 1; byte < 256; ++byte) {
    const std::string escaped = {'%', kHex[byte >> 4], kHex[byte & 15]};
    std::optional<std::string> decoded = PercentDecode(escaped, true);
    ASSERT_TRUE(decoded.has_value()) << escaped;
    EXPECT_EQ(*decoded, std::string(1, static_cast<char>(byte))) << escaped;
  }
}

std::optional<std::string> Query(std::string_view query, std::string_view name) {
  Request request;
  request.query = query;
  return request.QueryParam(name);
}

TEST(QueryParamTest, Table) {
  struct Case {
    std::string query;
    std::string name;
    std::optional<std::string> want;
  };
  const std::vector<Case> cases = {
      {"", "limit", std::nullopt},
      {"limit=10", "limit", "10"},
      {"limit=10", "offset", std::nullopt},
      {"limit=10", "lim", std::nullopt},  // whole keys only
      {"xlimit=10", "limit", std::nullopt},
      {"limit=", "limit", ""},
      {"limit", "limit", ""},  // present without a value
      {"limit&x=1", "limit", ""},
      {"q=a+b", "q", "a b"},
      {"q=a%2Bb", "q", "a+b"},
      {"q=House%20Price", "q", "House Price"},
      {"q=%C3%A9", "q", "\xC3\xA9"},
      {"q=a=b", "q", "a=b"},  // only the first '=' separates
      {"a=1&b=2&c=3", "a", "1"},
      {"a=1&b=2&c=3", "b", "2"},
      {"a=1&b=2&c=3", "c", "3"},
      {"a=1&b=2&c=3", "d", std::nullopt},
      {"a=1&a=2", "a", "1"},  // the first occurrence
      {"&&a=1&", "a", "1"},
      {"a=1;b=2", "b", std::nullopt},  // ';' is not a separator
      {"q=%ZZ", "q", std::nullopt},    // undecodable
      {"q=%00", "q", std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("query '" + c.query + "', name '" + c.name + "'");
    EXPECT_EQ(Query(c.query, c.name), c.want);
  }
}

TEST(ResponseTest, Defaults) {
  Response response;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_TRUE(response.body.empty());
  EXPECT_TRUE(response.headers.empty());
}

}  // namespace
}  // namespace amp::api
