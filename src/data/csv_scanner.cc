#include "data/csv_scanner.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "data/csv_header.h"
#include "data/csv_reader.h"
#include "data/pii_detector.h"

namespace amp::data {
namespace {

// Lets the value-count map be probed with a string_view, so counting a cell allocates nothing.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

using ValueCountMap = std::unordered_map<std::string, int64_t, StringHash, std::equal_to<>>;

// The value a number-like column of `type` records for `text` (booleans as 0/1), or nullopt when `text` is not of
// that type. Categorical columns record no numbers.
std::optional<double> NumberOf(ColumnType type, std::string_view text) {
  switch (type) {
    case ColumnType::kBoolean: {
      const std::optional<bool> flag = ParseBoolean(text);
      return flag.has_value() ? std::optional<double>(*flag ? 1.0 : 0.0) : std::nullopt;
    }
    case ColumnType::kInteger: {
      const std::optional<int64_t> integer = ParseInteger(text);
      return integer.has_value() ? std::optional<double>(static_cast<double>(*integer)) : std::nullopt;
    }
    case ColumnType::kNumeric: return ParseNumber(text);
    case ColumnType::kCategorical: return std::nullopt;
  }
  return std::nullopt;
}

// Sorts by count descending, then value ascending, and keeps at most kMaxTopValues.
std::vector<ValueCount> TopValues(std::vector<ValueCount> values) {
  auto more_frequent = [](const ValueCount& lhs, const ValueCount& rhs) {
    if (lhs.count != rhs.count) return lhs.count > rhs.count;
    return lhs.value < rhs.value;
  };
  const size_t keep = std::min(values.size(), kMaxTopValues);
  std::partial_sort(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(keep), values.end(), more_frequent);
  values.resize(keep);
  return values;
}

// Everything ScanCsv learns about one column in its single pass. The column's type is only known at the end, so
// values are counted by their trimmed text and folded by type in Summarize. Number statistics can be kept on the
// fly because booleans and numbers never mix in a number-like column: once both appear it is categorical and the
// statistics are dropped.
class ColumnProfile {
 public:
  void AddCell(std::string_view cell) {
    const std::string_view text = TrimBlanks(cell);
    if (IsMissingValue(text)) {
      ++missing_count_;
      return;
    }
    pii_.Observe(text);
    if (type_ != ColumnType::kCategorical) {
      // A value that parses as the current type leaves NarrowColumnType's answer unchanged, so the common case is
      // one parse; the rule itself is only consulted when the type has to move.
      std::optional<double> number = type_.has_value() ? NumberOf(*type_, text) : std::nullopt;
      if (!number.has_value()) {
        type_ = NarrowColumnType(type_, text);
        number = NumberOf(*type_, text);
      }
      if (number.has_value()) AddNumber(*number);
    }
    // A number-like column only reports distinct_count, which is final once capped; skipping the lookup then saves
    // most of the scan time on id-like and real-valued columns. (If the column later turns categorical its top
    // values miss these rows, within the documented approximation after the cap.)
    if (!distinct_capped_ || type_ == ColumnType::kCategorical) CountValue(text);
  }

  ColumnSummary Summarize(std::string name) const {
    ColumnSummary summary;
    summary.name = std::move(name);
    // A column with no values at all is numeric: a model can still take it (as all-missing), a label cannot.
    summary.type = type_.value_or(ColumnType::kNumeric);
    summary.missing_count = missing_count_;
    summary.distinct_capped = distinct_capped_;
    summary.pii = std::string(PiiKindName(pii_.Verdict()));
    if (IsNumberLike(summary.type) && number_count_ > 0) {
      summary.min = min_;
      summary.max = max_;
      summary.mean = mean_;
      summary.stddev = std::sqrt(sum_squared_deviations_ / static_cast<double>(number_count_));
      if (summary.type != ColumnType::kBoolean) {
        summary.histogram = histogram_.Finish(summary.type == ColumnType::kInteger);
      }
    }
    switch (summary.type) {
      case ColumnType::kCategorical: {
        summary.distinct_count = static_cast<int64_t>(value_counts_.size());
        std::vector<ValueCount> values;
        values.reserve(value_counts_.size());
        for (const auto& [value, count] : value_counts_) values.push_back({value, count});
        summary.top_values = TopValues(std::move(values));
        break;
      }
      case ColumnType::kBoolean: {
        int64_t true_count = 0;
        int64_t false_count = 0;
        for (const auto& [value, count] : value_counts_) {
          (ParseBoolean(value).value_or(false) ? true_count : false_count) += count;
        }
        std::vector<ValueCount> values;
        if (true_count > 0) values.push_back({"true", true_count});
        if (false_count > 0) values.push_back({"false", false_count});
        summary.distinct_count = static_cast<int64_t>(values.size());
        summary.top_values = TopValues(std::move(values));
        break;
      }
      case ColumnType::kInteger:
      case ColumnType::kNumeric: {
        // std::hash<double> maps 0.0 and -0.0 alike, matching ==, so "-0" and "0" are one value.
        std::unordered_set<double> numbers;
        numbers.reserve(value_counts_.size());
        for (const auto& [value, count] : value_counts_) numbers.insert(ParseNumber(value).value_or(0.0));
        summary.distinct_count = static_cast<int64_t>(numbers.size());
        break;
      }
    }
    return summary;
  }

 private:
  // Welford's update: stable where the textbook sum-of-squares formula cancels catastrophically.
  void AddNumber(double value) {
    ++number_count_;
    const double delta = value - mean_;
    mean_ += delta / static_cast<double>(number_count_);
    sum_squared_deviations_ += delta * (value - mean_);
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
    histogram_.Add(value);
  }

  void CountValue(std::string_view text) {
    auto it = value_counts_.find(text);
    if (it != value_counts_.end()) {
      ++it->second;
    } else if (static_cast<int64_t>(value_counts_.size()) < kMaxTrackedDistinct) {
      value_counts_.emplace(std::string(text), 1);
    } else {
      distinct_capped_ = true;
    }
  }

  std::optional<ColumnType> type_;
  int64_t missing_count_ = 0;
  int64_t number_count_ = 0;
  double mean_ = 0;
  double sum_squared_deviations_ = 0;
  StreamingHistogram histogram_;
  double min_ = std::numeric_limits<double>::infinity();
  double max_ = -std::numeric_limits<double>::infinity();
  ValueCountMap value_counts_;  // by trimmed text, at most kMaxTrackedDistinct entries
  bool distinct_capped_ = false;
  PiiColumnDetector pii_;
};

}  // namespace

core::Result<TableSummary> ScanCsv(std::istream& input, const ScanLimits& limits) {
  CsvReader reader(input);
  reader.set_max_fields(limits.max_columns);
  reader.set_max_field_bytes(limits.max_field_bytes);
  AMP_ASSIGN_OR_RETURN(std::vector<std::string> names, ReadCsvHeader(&reader));
  const int64_t header_line = reader.record_line();

  std::vector<ColumnProfile> profiles(names.size());
  std::vector<std::string> fields;
  TableSummary summary;
  for (;;) {
    AMP_ASSIGN_OR_RETURN(bool has_record, reader.Next(&fields));
    if (!has_record) break;
    AMP_RETURN_IF_ERROR(CheckRecordWidth(reader, names.size(), fields.size()));
    for (size_t column_idx = 0; column_idx < fields.size(); ++column_idx) {
      profiles[column_idx].AddCell(fields[column_idx]);
    }
    ++summary.row_count;
  }
  if (summary.row_count == 0) {
    return core::InvalidArgument("line " + std::to_string(header_line) +
                                 ": the header is not followed by any data rows");
  }
  summary.columns.reserve(names.size());
  for (size_t column_idx = 0; column_idx < names.size(); ++column_idx) {
    summary.columns.push_back(profiles[column_idx].Summarize(std::move(names[column_idx])));
  }
  return summary;
}

}  // namespace amp::data
