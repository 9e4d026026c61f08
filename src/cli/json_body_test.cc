#include "cli/json_body.h"

#include <gtest/gtest.h>

namespace amp::cli {
namespace {

TEST(JsonQuoteTest, EscapesWhatJsonRequires) {
  struct Case {
    std::string text;
    std::string quoted;
  };
  const std::vector<Case> cases = {
      {"", R"("")"},
      {"House Price", R"("House Price")"},
      {"say \"hi\"", R"("say \"hi\"")"},
      {"a\\b", R"("a\\b")"},
      {std::string("tab\there"), R"("tab\u0009here")"},
      {std::string("nl\n"), R"("nl\u000a")"},
      {std::string("nul\0x", 5), R"("nul\u0000x")"},
      {"caf\xc3\xa9", "\"caf\xc3\xa9\""},  // UTF-8 passes through
  };
  for (const Case& c : cases) EXPECT_EQ(JsonQuote(c.text), c.quoted) << c.quoted;
}

TEST(JsonStringArrayTest, QuotesEachValue) {
  EXPECT_EQ(JsonStringArray({}), "[]");
  EXPECT_EQ(JsonStringArray({"a", "b\"c"}), R"(["a","b\"c"])");
}

}  // namespace
}  // namespace amp::cli
