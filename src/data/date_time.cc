#include "data/date_time.h"

#include "data/column_type.h"

namespace amp::data {
namespace {

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// Reads exactly `count` digits at `pos`, advancing it.
std::optional<int> ReadDigits(std::string_view text, size_t& pos, size_t count) {
  if (pos + count > text.size()) return std::nullopt;
  int value = 0;
  for (size_t idx = 0; idx < count; ++idx) {
    char c = text[pos + idx];
    if (!IsDigit(c)) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += count;
  return value;
}

bool IsLeapYear(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
long DaysFromCivil(int year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const long era = (year >= 0 ? year : year - 399) / 400;
  const long year_of_era = year - era * 400;
  const long day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const long day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

}  // namespace

std::optional<DateTimeParts> ParseDateTime(std::string_view text) {
  text = TrimBlanks(text);
  // The shortest date is 10 characters; checking the separators first rejects numbers and words cheaply.
  if (text.size() < 10 || (text[4] != '-' && text[4] != '/') || text[7] != text[4]) return std::nullopt;
  size_t pos = 0;
  DateTimeParts parts;
  auto year = ReadDigits(text, pos, 4);
  ++pos;
  auto month = ReadDigits(text, pos, 2);
  ++pos;
  auto day = ReadDigits(text, pos, 2);
  if (!year || !month || !day || *year < 1000 || *month < 1 || *month > 12 || *day < 1 ||
      *day > DaysInMonth(*year, *month)) {
    return std::nullopt;
  }
  parts.year = *year;
  parts.month = *month;
  parts.day = *day;
  const long days = DaysFromCivil(*year, *month, *day);
  parts.weekday = static_cast<int>(((days % 7) + 7 + 3) % 7);  // 1970-01-01 was a Thursday (3)
  if (pos == text.size()) return parts;

  if (text[pos] != 'T' && text[pos] != ' ') return std::nullopt;
  ++pos;
  auto hour = ReadDigits(text, pos, 2);
  if (!hour || *hour > 23 || pos >= text.size() || text[pos] != ':') return std::nullopt;
  ++pos;
  auto minute = ReadDigits(text, pos, 2);
  if (!minute || *minute > 59) return std::nullopt;
  if (pos < text.size() && text[pos] == ':') {
    ++pos;
    auto second = ReadDigits(text, pos, 2);
    if (!second || *second > 60) return std::nullopt;  // 60: a leap second
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
      ++pos;
      size_t digits = 0;
      while (pos < text.size() && IsDigit(text[pos])) ++pos, ++digits;
      if (digits == 0) return std::nullopt;
    }
  }
  if (pos < text.size()) {
    if (text[pos] == 'Z' || text[pos] == 'z') {
      ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
      ++pos;
      auto offset_hours = ReadDigits(text, pos, 2);
      if (!offset_hours || *offset_hours > 23) return std::nullopt;
      if (pos < text.size() && text[pos] == ':') ++pos;
      auto offset_minutes = ReadDigits(text, pos, 2);
      if (!offset_minutes || *offset_minutes > 59) return std::nullopt;
    }
  }
  if (pos != text.size()) return std::nullopt;
  parts.hour = *hour;
  parts.has_time = true;
  return parts;
}

}  // namespace amp::data
