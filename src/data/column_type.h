// ColumnType: the inferred type of a table column, and the pure rules that decide it from text values.
// Used by the CSV scanner (inference), the table loader (parsing) and the preprocessing pipeline.
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/status.h"

namespace amp::data {

enum class ColumnType {
  kNumeric,      // real numbers
  kInteger,      // whole numbers that fit in int64
  kBoolean,      // true/false, yes/no, t/f, y/n (case-insensitive)
  kCategorical,  // anything else: a string label
};

// The lowercase names "numeric", "integer", "boolean", "categorical"; ParseColumnType is its exact inverse
// (InvalidArgument for any other text).
std::string_view ColumnTypeName(ColumnType type);
core::Result<ColumnType> ParseColumnType(std::string_view name);

// True for types a model treats as a number (numeric, integer, boolean).
inline bool IsNumberLike(ColumnType type) { return type != ColumnType::kCategorical; }

// A cell is missing if, after trimming ASCII blanks, it is empty or one of NA, N/A, NaN, null, None (any case).
bool IsMissingValue(std::string_view cell);

// Trims leading and trailing spaces and tabs.
std::string_view TrimBlanks(std::string_view text);

// Parsers for one (already trimmed, non-missing) cell. They return nullopt when the text is not of that type.
// They trim blanks themselves too, so an untrimmed cell gives the same answer.
// ParseNumber accepts what strtod accepts for finite decimal numbers ("1", "-2.5", "1e3", "+4", ".5"), rejecting
// inf/nan/hex, trailing text and values that overflow a double. ParseInteger accepts an optional sign and decimal
// digits that fit in int64. ParseBoolean accepts the words above; "0" and "1" are integers, not booleans.
std::optional<double> ParseNumber(std::string_view text);
std::optional<int64_t> ParseInteger(std::string_view text);
std::optional<bool> ParseBoolean(std::string_view text);

// Narrows a column's candidate type after seeing one more non-missing value: the order is
// boolean -> integer -> numeric -> categorical, and a column only ever moves towards categorical.
// Start from `std::nullopt` (nothing seen yet). An integer column that sees "2.5" becomes numeric; a boolean column
// that sees "7" becomes categorical (booleans and numbers do not mix).
ColumnType NarrowColumnType(std::optional<ColumnType> current, std::string_view trimmed_value);

}  // namespace amp::data
