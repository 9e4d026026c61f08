#include "data/date_time.h"

#include <gtest/gtest.h>

namespace amp::data {
namespace {

struct DateCase {
  const char* text;
  std::optional<DateTimeParts> expected;
};

TEST(ParseDateTimeTest, Table) {
  const DateCase cases[] = {
      {"2024-03-05", DateTimeParts{2024, 3, 5, 1, 0, false}},  // a Tuesday
      {"1970-01-01", DateTimeParts{1970, 1, 1, 3, 0, false}},  // a Thursday
      {"2000-02-29", DateTimeParts{2000, 2, 29, 1, 0, false}},
      {" 2024/12/31 ", DateTimeParts{2024, 12, 31, 1, 0, false}},
      {"2024-03-10 14:30", DateTimeParts{2024, 3, 10, 6, 14, true}},  // a Sunday
      {"2024-03-05T23:59:59Z", DateTimeParts{2024, 3, 5, 1, 23, true}},
      {"2024-03-05T08:00:00.125+02:00", DateTimeParts{2024, 3, 5, 1, 8, true}},
      {"2024-03-05T08:00:00-0500", DateTimeParts{2024, 3, 5, 1, 8, true}},
      {"2023-02-29", std::nullopt},  // not a leap year
      {"1900-02-29", std::nullopt},
      {"2024-13-01", std::nullopt},
      {"2024-00-10", std::nullopt},
      {"2024-04-31", std::nullopt},
      {"2024-03-05T24:00", std::nullopt},
      {"2024-03-05T12", std::nullopt},
      {"2024-03-05x", std::nullopt},
      {"2024-03/05", std::nullopt},
      {"0999-01-01", std::nullopt},
      {"20240305", std::nullopt},
      {"12.5", std::nullopt},
      {"", std::nullopt},
      {"hello world", std::nullopt},
      {"2024-03-05T10:00:00.", std::nullopt},
  };
  for (const DateCase& test_case : cases) {
    EXPECT_EQ(ParseDateTime(test_case.text), test_case.expected) << test_case.text;
  }
}

}  // namespace
}  // namespace amp::data
