#include "data/column_type.h"

#include <charconv>
#include <cmath>
#include <string>
#include <system_error>

namespace amp::data {
namespace {

char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// `lower_word` must be lowercase.
bool EqualsIgnoreCase(std::string_view text, std::string_view lower_word) {
  if (text.size() != lower_word.size()) return false;
  for (size_t char_idx = 0; char_idx < text.size(); ++char_idx) {
    if (ToLowerAscii(text[char_idx]) != lower_word[char_idx]) return false;
  }
  return true;
}

// std::from_chars takes no leading '+', but strtod (and CSV files written by people) do; drop one so that "+4"
// parses while "+-4" and "++4" stay rejected.
std::string_view StripPlus(std::string_view text) {
  if (text.size() >= 2 && text[0] == '+' && text[1] != '-' && text[1] != '+') text.remove_prefix(1);
  return text;
}

// For a complete decimal literal that from_chars found out of range: whether its magnitude is below one, i.e.
// whether it underflowed rather than overflowed. Decided by the decimal exponent of its first significant digit.
bool IsBelowOne(std::string_view literal) {
  size_t pos = (!literal.empty() && literal[0] == '-') ? 1 : 0;
  int64_t integer_digits = 0;  // significant digits before the point
  for (; pos < literal.size() && literal[pos] >= '0' && literal[pos] <= '9'; ++pos) {
    if (integer_digits > 0 || literal[pos] != '0') ++integer_digits;
  }
  int64_t leading_fraction_zeros = 0;
  if (pos < literal.size() && literal[pos] == '.') {
    ++pos;
    if (integer_digits == 0) {
      for (; pos < literal.size() && literal[pos] == '0'; ++pos) ++leading_fraction_zeros;
    }
    while (pos < literal.size() && literal[pos] >= '0' && literal[pos] <= '9') ++pos;
  }
  int64_t exponent = 0;
  if (pos < literal.size() && (literal[pos] == 'e' || literal[pos] == 'E')) {
    ++pos;
    const bool negative = pos < literal.size() && literal[pos] == '-';
    if (pos < literal.size() && (literal[pos] == '-' || literal[pos] == '+')) ++pos;
    // Saturate: any exponent beyond a million is far outside a double's range either way.
    for (; pos < literal.size() && exponent < 1000000; ++pos) exponent = exponent * 10 + (literal[pos] - '0');
    if (negative) exponent = -exponent;
  }
  const int64_t magnitude = integer_digits > 0 ? integer_digits - 1 + exponent : exponent - leading_fraction_zeros - 1;
  return magnitude < 0;
}

}  // namespace

std::string_view ColumnTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kNumeric: return "numeric";
    case ColumnType::kInteger: return "integer";
    case ColumnType::kBoolean: return "boolean";
    case ColumnType::kCategorical: return "categorical";
  }
  return "unknown";
}

core::Result<ColumnType> ParseColumnType(std::string_view name) {
  for (ColumnType type : {ColumnType::kNumeric, ColumnType::kInteger, ColumnType::kBoolean, ColumnType::kCategorical}) {
    if (name == ColumnTypeName(type)) return type;
  }
  return core::InvalidArgument("unknown column type \"" + std::string(name) +
                               "\" (expected numeric, integer, boolean or categorical)");
}

std::string_view TrimBlanks(std::string_view text) {
  size_t begin = 0;
  while (begin < text.size() && (text[begin] == ' ' || text[begin] == '\t')) ++begin;
  size_t end = text.size();
  while (end > begin && (text[end - 1] == ' ' || text[end - 1] == '\t')) --end;
  return text.substr(begin, end - begin);
}

bool IsMissingValue(std::string_view cell) {
  std::string_view text = TrimBlanks(cell);
  // Length first: this runs once per cell of every upload, and most cells are longer than four bytes or numeric.
  switch (text.size()) {
    case 0: return true;
    case 2: return EqualsIgnoreCase(text, "na");
    case 3: return EqualsIgnoreCase(text, "n/a") || EqualsIgnoreCase(text, "nan");
    case 4: return EqualsIgnoreCase(text, "null") || EqualsIgnoreCase(text, "none");
    default: return false;
  }
}

std::optional<double> ParseNumber(std::string_view text) {
  text = StripPlus(TrimBlanks(text));
  if (text.empty()) return std::nullopt;
  // from_chars in general format never reads a "0x" prefix, so hex fails on the trailing-text check below.
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::general);
  if (ptr != end) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    // from_chars reports underflow ("1e-400") the same way as overflow ("1e400"). strtod would round the first to
    // zero and keep it a number; so do we, without strtod, whose decimal point follows the process locale.
    if (!IsBelowOne(text)) return std::nullopt;
    value = text[0] == '-' ? -0.0 : 0.0;
  } else if (ec != std::errc()) {
    return std::nullopt;
  }
  if (!std::isfinite(value)) return std::nullopt;  // "inf", "nan", "infinity" and overflow
  return value;
}

std::optional<int64_t> ParseInteger(std::string_view text) {
  text = StripPlus(TrimBlanks(text));
  if (text.empty()) return std::nullopt;
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value, 10);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<bool> ParseBoolean(std::string_view text) {
  text = TrimBlanks(text);
  switch (text.size()) {
    case 1:
      switch (ToLowerAscii(text[0])) {
        case 't':
        case 'y': return true;
        case 'f':
        case 'n': return false;
        default: return std::nullopt;
      }
    case 2: return EqualsIgnoreCase(text, "no") ? std::optional<bool>(false) : std::nullopt;
    case 3: return EqualsIgnoreCase(text, "yes") ? std::optional<bool>(true) : std::nullopt;
    case 4: return EqualsIgnoreCase(text, "true") ? std::optional<bool>(true) : std::nullopt;
    case 5: return EqualsIgnoreCase(text, "false") ? std::optional<bool>(false) : std::nullopt;
    default: return std::nullopt;
  }
}

ColumnType NarrowColumnType(std::optional<ColumnType> current, std::string_view trimmed_value) {
  if (current == ColumnType::kCategorical) return ColumnType::kCategorical;
  // Only the parsers that can still keep the column out of categorical are tried, cheapest first.
  if (!current.has_value() || *current == ColumnType::kBoolean) {
    if (ParseBoolean(trimmed_value).has_value()) return ColumnType::kBoolean;
    if (current.has_value()) return ColumnType::kCategorical;
  }
  if (!current.has_value() || *current == ColumnType::kInteger) {
    if (ParseInteger(trimmed_value).has_value()) return ColumnType::kInteger;
  }
  return ParseNumber(trimmed_value).has_value() ? ColumnType::kNumeric : ColumnType::kCategorical;
}

}  // namespace amp::data
