#include "core/text.h"

#include <gtest/gtest.h>

namespace amp::core {
namespace {

TEST(ShortenForMessageTest, KeepsShortTextAndCutsLongTextAtACharacterBoundary) {
  EXPECT_EQ(ShortenForMessage("short", 10), "short");
  EXPECT_EQ(ShortenForMessage("exactly10!", 10), "exactly10!");
  EXPECT_EQ(ShortenForMessage("abcdefghijk", 10), "abcdefghij...");
  // "é" is two bytes (C3 A9); a cut after its first byte steps back before it.
  EXPECT_EQ(ShortenForMessage("abcdefghi\xC3\xA9xyz", 10), "abcdefghi...");
  EXPECT_EQ(ShortenForMessage("", 0), "");
}

}  // namespace
}  // namespace amp::core
