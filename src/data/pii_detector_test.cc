#include "data/pii_detector.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace amp::data {
namespace {

TEST(PiiDetectorTest, ClassifiesValues) {
  struct Case {
    const char* value;
    PiiKind kind;
  };
  const Case cases[] = {
      // Emails.
      {"jane.doe@example.com", PiiKind::kEmail},
      {"a+tag@mail.example.co.uk", PiiKind::kEmail},
      {"@example.com", PiiKind::kNone},
      {"jane@localhost", PiiKind::kNone},
      {"jane@@example.com", PiiKind::kNone},
      {"jane@example..com", PiiKind::kNone},
      {"jane doe@example.com", PiiKind::kNone},
      // Card numbers: Luhn-valid test numbers of Visa, Mastercard, Amex; a Luhn failure is not a card.
      {"4111111111111111", PiiKind::kCardNumber},
      {"4111 1111 1111 1111", PiiKind::kCardNumber},
      {"5500-0000-0000-0004", PiiKind::kCardNumber},
      {"378282246310005", PiiKind::kCardNumber},
      {"4111111111111112", PiiKind::kNone},
      {"4111  1111 1111 1111", PiiKind::kNone},
      // Phones.
      {"+1 415 555 2671", PiiKind::kPhone},
      {"+44 20 7946 0958", PiiKind::kPhone},
      {"(415) 555-2671", PiiKind::kPhone},
      {"415-555-2671", PiiKind::kPhone},
      {"+49 (30) 1234567", PiiKind::kPhone},
      {"555-2671", PiiKind::kNone},    // too short without a country code
      {"2024-01-15", PiiKind::kNone},  // a date
      {"298150.67", PiiKind::kNone},   // a price
      {"1650", PiiKind::kNone},
      {"+1 (415 555 2671", PiiKind::kNone},
      // National ids.
      {"123-45-6789", PiiKind::kNationalId},
      {"000-45-6789", PiiKind::kNone},
      {"666-45-6789", PiiKind::kNone},
      {"123-00-6789", PiiKind::kNone},
      {"AB123456C", PiiKind::kNationalId},
      {"AB 12 34 56 C", PiiKind::kNationalId},
      {"AB123456E", PiiKind::kNone},
      // Everything else.
      {"", PiiKind::kNone},
      {"Riverside", PiiKind::kNone},
      {"true", PiiKind::kNone},
  };
  for (const Case& test_case : cases) {
    EXPECT_EQ(ClassifyPiiValue(test_case.value), test_case.kind) << test_case.value;
  }
}

TEST(PiiDetectorTest, Luhn) {
  EXPECT_TRUE(PassesLuhn("79927398713"));
  EXPECT_FALSE(PassesLuhn("79927398710"));
  EXPECT_TRUE(PassesLuhn("4111-1111-1111-1111"));
  EXPECT_FALSE(PassesLuhn("0"));
  EXPECT_FALSE(PassesLuhn(""));
}

TEST(PiiDetectorTest, ColumnVerdictNeedsMostValuesOfOneKind) {
  struct Case {
    std::vector<std::string> values;
    PiiKind verdict;
  };
  const std::vector<Case> cases = {
      {{"a@x.com", "b@y.org", "c@z.net", "d@w.io"}, PiiKind::kEmail},
      {{"a@x.com", "b@y.org", "c@z.net", "not an email"}, PiiKind::kNone},  // 75% < 80%
      {{"a@x.com", "b@y.org"}, PiiKind::kNone},                             // too few to say
      {{"4111111111111111", "5500000000000004", "378282246310005"}, PiiKind::kCardNumber},
      {{"123-45-6789", "234-56-7890", "345-67-8901"}, PiiKind::kNationalId},
      {{"+1 415 555 2671", "+1 415 555 2672", "+1 415 555 2673"}, PiiKind::kPhone},
      {{"1", "2", "3", "4"}, PiiKind::kNone},
  };
  for (const Case& test_case : cases) {
    PiiColumnDetector detector;
    for (const std::string& value : test_case.values) detector.Observe(value);
    EXPECT_EQ(detector.Verdict(), test_case.verdict) << test_case.values[0];
  }
}

TEST(PiiDetectorTest, OnlyTheFirstSamplesAreClassified) {
  PiiColumnDetector detector;
  for (int idx = 0; idx < PiiColumnDetector::kMaxSamples; ++idx) detector.Observe("a@x.com");
  for (int idx = 0; idx < 5000; ++idx) detector.Observe("plain");
  EXPECT_EQ(detector.Verdict(), PiiKind::kEmail);
}

}  // namespace
}  // namespace amp::data
