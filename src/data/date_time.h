// DateTime: the calendar parts of a date or date-time cell ("2024-03-05", "2024/03/05", "2024-03-05 14:30",
// "2024-03-05T14:30:00Z", "2024-03-05T14:30:00.5+02:00"), which the preprocessing pipeline turns into numeric
// features (year, month, day, weekday, hour). The time zone suffix is accepted and ignored: the parts are the local
// wall-clock time the cell wrote. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string_view>

namespace amp::data {

struct DateTimeParts {
  int year = 0;
  int month = 0;    // 1-12
  int day = 0;      // 1-31
  int weekday = 0;  // 0 = Monday ... 6 = Sunday (ISO order, as pandas' dt.weekday)
  int hour = 0;     // 0-23; 0 when the cell has no time
  bool has_time = false;
  bool operator==(const DateTimeParts&) const = default;
};

// The parts of `text` (blanks trimmed) if it is a real calendar date in year-month-day order (years 1000-9999,
// '-' or '/' between the fields), optionally followed by 'T' or a blank and a time HH:MM[:SS[.fraction]] with an
// optional 'Z' or +HH:MM / -HH:MM / +HHMM offset. nullopt otherwise, also for impossible dates ("2023-02-29").
std::optional<DateTimeParts> ParseDateTime(std::string_view text);

}  // namespace amp::data
