// Fixtures for the tests of Pipeline and of what reads it (pipeline*_test.cc, onnx/*_test.cc): columns and tables
// built by hand, all the rows of a table, the table the Encode and JSON tests share, and fitted transforms given
// their statistics directly.
#pragma once

#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "ml/pipeline.h"

namespace amp::ml {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

inline data::Column NumberColumn(std::string name, std::vector<double> numbers,
                                 data::ColumnType type = data::ColumnType::kNumeric) {
  data::Column column;
  column.name = std::move(name);
  column.type = type;
  column.numbers = std::move(numbers);
  return column;
}

inline data::Column CategoryColumn(std::string name, std::vector<std::string> categories, std::vector<int32_t> codes) {
  data::Column column;
  column.name = std::move(name);
  column.type = data::ColumnType::kCategorical;
  column.categories = std::move(categories);
  column.codes = std::move(codes);
  return column;
}

inline std::vector<int64_t> AllRows(int64_t count) {
  std::vector<int64_t> rows(static_cast<size_t>(count));
  std::iota(rows.begin(), rows.end(), 0);
  return rows;
}

// The table of the Encode tests. Fitted on rows 0-3:
//   size  (numeric): present {1, 3, 5}, median 3; imputed {1, 3, 3, 5}: mean 3, std sqrt(2)
//   beds  (integer): present {2, 2, 4}, median 2; imputed {2, 2, 2, 4}: mean 2.5, std sqrt(0.75)
//   pool  (boolean): present {1, 0, 0}, median 0; imputed {1, 0, 0, 0}: mean 0.25, std sqrt(0.1875)
//   city  (categorical): paris x1, berlin x2, one missing -> categories [berlin, paris], impute berlin;
//                         "rome" appears only in row 4, "oslo" in no row.
inline data::Table EncodeTable() {
  return data::Table(5, {NumberColumn("size", {1.0, kNaN, 3.0, 5.0, 7.0}),
                         NumberColumn("beds", {2.0, 2.0, kNaN, 4.0, 100.0}, data::ColumnType::kInteger),
                         NumberColumn("pool", {1.0, 0.0, 0.0, kNaN, 1.0}, data::ColumnType::kBoolean),
                         CategoryColumn("city", {"paris", "berlin", "oslo", "rome"}, {0, 1, -1, 1, 3})});
}

// A fitted numeric transform: missing values become `impute`, then (value - center) / scale.
inline FeatureTransform Number(std::string name, double impute, double center, double scale) {
  FeatureTransform transform;
  transform.feature = {std::move(name), data::ColumnType::kNumeric};
  transform.impute_value = impute;
  transform.center = center;
  transform.scale = scale;
  return transform;
}

// A fitted categorical transform: one-hot over `categories`, missing values as categories[impute_category].
inline FeatureTransform Category(std::string name, std::vector<std::string> categories, int32_t impute_category) {
  FeatureTransform transform;
  transform.feature = {std::move(name), data::ColumnType::kCategorical};
  transform.categories = std::move(categories);
  transform.impute_category = impute_category;
  return transform;
}

}  // namespace amp::ml
