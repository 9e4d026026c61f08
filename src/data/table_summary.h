// TableSummary: the schema and a short profile of a table, as inferred from a CSV file by ScanCsv.
// Plain value types; stored with a dataset and shown by the API.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "data/column_type.h"
#include "data/histogram.h"

namespace amp::data {

struct ValueCount {
  std::string value;
  int64_t count = 0;
  bool operator==(const ValueCount&) const = default;
};

struct ColumnSummary {
  std::string name;
  ColumnType type = ColumnType::kNumeric;
  int64_t missing_count = 0;
  // Distinct non-missing values: trimmed text for categorical columns, numeric values for integer and numeric ones
  // ("1" and "1.0" are one value), true/false for boolean ones. Exact up to kMaxTrackedDistinct, then a lower bound.
  int64_t distinct_count = 0;
  bool distinct_capped = false;   // true when distinct_count is a lower bound
  // For number-like columns (boolean counts true as 1), over the non-missing values:
  std::optional<double> min, max, mean, stddev;  // stddev is the population standard deviation
  // Most frequent non-missing values, most frequent first (ties by value), at most kMaxTopValues; filled for
  // categorical (trimmed text) and boolean columns (spelled "true" and "false", whatever the file wrote). Counts are
  // approximate once distinct_capped is set: values first seen after the cap are not counted.
  std::vector<ValueCount> top_values;
  // For integer and numeric columns, the non-missing values binned (StreamingHistogram, exact counts); empty for
  // other types and for datasets profiled before it was recorded.
  Histogram histogram;
  // The kind of personal or payment data most sampled values look like ("email", "phone", "card_number",
  // "national_id"; see data/pii_detector.h), empty when none.
  std::string pii;
  bool operator==(const ColumnSummary&) const = default;
};

struct TableSummary {
  int64_t row_count = 0;
  std::vector<ColumnSummary> columns;

  // Index of the column named `name`, or -1.
  int FindColumn(std::string_view name) const;
  bool operator==(const TableSummary&) const = default;
};

inline constexpr int64_t kMaxTrackedDistinct = 10000;
inline constexpr size_t kMaxTopValues = 10;

}  // namespace amp::data
