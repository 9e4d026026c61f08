// Pipeline::Fit: fits each feature's transform (scaling, one-hot levels, date parts, imputation) on the training
// rows, one feature per worker thread.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <vector>

#include "core/parallel_for.h"
#include "data/date_time.h"
#include "ml/date_part_value.h"
#include "ml/pipeline.h"

namespace amp::ml {
namespace {

// numpy's median: the mean of the two middle values for an even count. Reorders `values`.
double Median(std::vector<double>& values) {
  size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  double lower = *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
  double sum = lower + upper;
  return std::isfinite(sum) ? sum / 2.0 : lower / 2.0 + upper / 2.0;  // the sum of two huge values can overflow
}

// The non-NaN values of a column at some rows: their count, their sum in row order, and their range.
struct PresentValues {
  size_t count = 0;
  double sum = 0.0;
  double low = std::numeric_limits<double>::infinity();
  double high = -std::numeric_limits<double>::infinity();
};

// The hot loops below are functions of their own, kept out of line, with no call inside: every xmm register is
// caller-saved, so a loop that may call (a vector's push_back) or sits in a large function kept its running values
// in memory and waited on a store and a load per row (measured: 12.5 ms per 1,000,000-row column, now 3.5).
[[gnu::noinline]] PresentValues ScanPresent(const double* numbers, std::span<const int64_t> rows) {
  PresentValues out;
  for (int64_t row_idx : rows) {
    const double value = numbers[row_idx];
    if (std::isnan(value)) continue;
    ++out.count;
    out.sum += value;
    out.low = value < out.low ? value : out.low;
    out.high = value > out.high ? value : out.high;
  }
  return out;
}

// The sum of (value - mean)^2 over the non-NaN values at `rows`, in row order.
[[gnu::noinline]] double SquaredDeviations(const double* numbers, std::span<const int64_t> rows, double mean) {
  double m2 = 0.0;
  for (int64_t row_idx : rows) {
    const double value = numbers[row_idx];
    if (!std::isnan(value)) m2 += (value - mean) * (value - mean);
  }
  return m2;
}

// From rows[begin] on: counts the values below `low` into *below and copies those in [low, high] to out[*kept],
// out[*kept + 1]... while they fit in out.size() - 1 (the last slot takes the store of a value that is not kept).
// Returns the position it stopped at: rows.size(), or the first row it had no room for. Half the values fall below
// the bracket in no predictable order, so that count is branch-free; NaN is neither below nor inside.
[[gnu::noinline]] size_t BracketRows(const double* numbers, std::span<const int64_t> rows, size_t begin, double low,
                                     double high, std::vector<double>& out, size_t* kept, size_t* below) {
  double* slots = out.data();
  const size_t room = out.size() - 1;
  size_t taken = *kept;
  size_t under = *below;
  size_t pos = begin;
  for (; pos < rows.size() && taken < room; ++pos) {
    const double value = numbers[rows[pos]];
    under += static_cast<size_t>(value < low);
    slots[taken] = value;
    taken += static_cast<size_t>(value >= low) & static_cast<size_t>(value <= high);  // `&`, not `&&`: no branch
  }
  *kept = taken;
  *below = under;
  return pos;
}

// The same as Median over the `present` non-NaN values of `numbers` at `rows`, without copying them all: the two
// middle order statistics are bracketed by an evenly spaced sample of about kSample values, one pass counts the
// values below the bracket and keeps those inside it, and nth_element runs on those few. When the bracket misses
// (a skewed sample), Median on a full copy.
double MedianOfRows(const std::vector<double>& numbers, std::span<const int64_t> rows, size_t present) {
  constexpr size_t kSample = 8192;
  auto full_copy = [&] {
    std::vector<double> values;
    values.reserve(present);
    for (int64_t row_idx : rows) {
      const double value = numbers[static_cast<size_t>(row_idx)];
      if (!std::isnan(value)) values.push_back(value);
    }
    return Median(values);
  };
  if (present < 16 * kSample) return full_copy();
  std::vector<double> sample;
  sample.reserve(kSample + 1);
  const size_t step = rows.size() / kSample;
  for (size_t pos = 0; pos < rows.size(); pos += step) {
    const double value = numbers[static_cast<size_t>(rows[pos])];
    if (!std::isnan(value)) sample.push_back(value);
  }
  if (sample.size() < kSample / 2) return full_copy();
  std::sort(sample.begin(), sample.end());
  const size_t lower_rank = (present - 1) / 2;  // the middle order statistics, 0-based
  const size_t upper_rank = present / 2;
  // About four standard deviations of the sample's rank of the median (sqrt(m) / 2) on each side.
  const auto margin = static_cast<size_t>(2.0 * std::sqrt(static_cast<double>(sample.size()))) + 1;
  const size_t middle = sample.size() * lower_rank / present;
  const double bracket_low = sample[middle > margin ? middle - margin : 0];
  const double bracket_high = sample[std::min(sample.size() - 1, middle + margin)];
  size_t below = 0;
  size_t kept = 0;
  // Room for about twice the values the bracket is expected to hold; more (many ties at the median) grows it.
  std::vector<double> between(4 * margin * (present / sample.size() + 1) + 1);
  for (size_t pos = 0; pos < rows.size();) {
    pos = BracketRows(numbers.data(), rows, pos, bracket_low, bracket_high, between, &kept, &below);
    if (pos < rows.size()) between.resize(2 * between.size());
  }
  between.resize(kept);
  if (below > lower_rank || below + between.size() <= upper_rank) return full_copy();
  const auto upper_it = between.begin() + static_cast<std::ptrdiff_t>(upper_rank - below);
  std::nth_element(between.begin(), upper_it, between.end());
  const double upper = *upper_it;
  if (lower_rank == upper_rank) return upper;
  const double lower = *std::max_element(between.begin(), upper_it);  // upper_rank > below: not empty
  const double sum = lower + upper;
  return std::isfinite(sum) ? sum / 2.0 : lower / 2.0 + upper / 2.0;  // as Median
}

core::Result<FeatureTransform> FitNumber(const data::Column& column, std::span<const int64_t> rows,
                                         NumberScaling scaling, bool missing_indicator) {
  FeatureTransform transform;
  transform.feature = {column.name, column.type};
  const PresentValues scan = ScanPresent(column.numbers.data(), rows);
  const size_t present = scan.count;
  const double present_sum = scan.sum;
  const double low = scan.low;
  const double high = scan.high;
  transform.impute_value = present == 0 ? 0.0 : MedianOfRows(column.numbers, rows, present);
  if (missing_indicator) {
    transform.missing_indicator = true;
    transform.missing_share = static_cast<double>(rows.size() - present) / static_cast<double>(rows.size());
  }
  if (scaling == NumberScaling::kNone) return transform;  // center 0, scale 1
  // Mean and population standard deviation after imputation, as StandardScaler sees them: two passes (the sum, then
  // the squared deviations from the mean) over the present values, the imputed ones added in closed form. When the
  // sum overflows, Welford's running update, which keeps the mean finite for huge values.
  const auto count = static_cast<int64_t>(rows.size());
  const auto missing = static_cast<double>(count - static_cast<int64_t>(present));
  double mean = (present_sum + missing * transform.impute_value) / static_cast<double>(count);
  double m2 = 0.0;
  if (low == high) {  // one value (imputed as itself): exactly that mean and no spread, whatever the sum's rounding
    mean = low;
  } else if (std::isfinite(mean)) {
    m2 = SquaredDeviations(column.numbers.data(), rows, mean);
    m2 += missing * (transform.impute_value - mean) * (transform.impute_value - mean);
  } else {
    mean = 0.0;
    int64_t seen = 0;
    for (int64_t row_idx : rows) {
      double value = column.numbers[static_cast<size_t>(row_idx)];
      if (std::isnan(value)) value = transform.impute_value;
      ++seen;
      double delta = value - mean;
      mean += delta / static_cast<double>(seen);
      m2 += delta * (value - mean);
    }
  }
  double stddev = count > 0 ? std::sqrt(m2 / static_cast<double>(count)) : 0.0;
  transform.center = mean;
  transform.scale = stddev > 0.0 ? stddev : 1.0;
  // Values near the double range overflow the mean or the variance; an infinite center or scale could neither be
  // fitted on nor written to the model artifact (JSON has no infinity).
  if (!std::isfinite(transform.center) || !std::isfinite(transform.scale)) {
    return core::InvalidArgument("numeric feature '" + column.name +
                                 "' has values too large to standardize (its mean or variance overflows)");
  }
  return transform;
}

core::Result<FeatureTransform> FitCategory(const data::Column& column, std::span<const int64_t> rows, int max_levels) {
  FeatureTransform transform;
  transform.feature = {column.name, column.type};
  std::vector<int64_t> counts(column.categories.size(), 0);
  for (int64_t row_idx : rows) {
    int32_t code = column.codes[static_cast<size_t>(row_idx)];
    if (code >= 0) ++counts[static_cast<size_t>(code)];
  }
  std::map<std::string, int64_t> seen;  // sorted, as OneHotEncoder orders its categories
  for (size_t code = 0; code < counts.size(); ++code) {
    if (counts[code] > 0) seen.emplace(column.categories[code], counts[code]);
  }
  if (seen.empty()) {
    return core::InvalidArgument("categorical feature '" + column.name + "' has no values in the training rows");
  }
  std::vector<int64_t> level_counts;
  for (const auto& [category, count] : seen) level_counts.push_back(count);
  const std::vector<bool> keep =
      ChooseOneHotLevels(level_counts, static_cast<int64_t>(rows.size()), std::max(1, max_levels));
  int64_t best_count = -1;
  int64_t present_count = 0;
  int64_t other_count = 0;
  size_t level_idx = 0;
  for (const auto& [category, count] : seen) {
    present_count += count;
    if (!keep[level_idx++]) {
      other_count += count;
      continue;
    }
    // Ties go to the smallest category, as SimpleImputer(strategy="most_frequent") does.
    if (count > best_count) {
      best_count = count;
      transform.impute_category = static_cast<int32_t>(transform.categories.size());
    }
    transform.categories.push_back(category);
    transform.category_means.push_back(static_cast<double>(count));
  }
  // Missing values are imputed as the most frequent category before encoding, so they count towards its mean.
  transform.category_means[static_cast<size_t>(transform.impute_category)] +=
      static_cast<double>(static_cast<int64_t>(rows.size()) - present_count);
  for (double& mean : transform.category_means) mean /= static_cast<double>(rows.size());
  if (transform.categories.size() < seen.size()) {
    transform.other_bucket = true;
    transform.other_mean = static_cast<double>(other_count) / static_cast<double>(rows.size());
  }
  return transform;
}

// Mean and population standard deviation of `values`, as StandardScaler sees them.
void MeanAndStd(const std::vector<double>& values, double* mean, double* stddev) {
  double running_mean = 0.0;
  double m2 = 0.0;
  int64_t count = 0;
  for (double value : values) {
    ++count;
    double delta = value - running_mean;
    running_mean += delta / static_cast<double>(count);
    m2 += delta * (value - running_mean);
  }
  *mean = running_mean;
  *stddev = count > 0 ? std::sqrt(m2 / static_cast<double>(count)) : 0.0;
}

core::Result<FeatureTransform> FitDate(const data::Column& column, std::span<const int64_t> rows, NumberScaling scaling,
                                       bool missing_indicator) {
  FeatureTransform transform;
  transform.feature = {column.name, column.type};
  std::vector<std::optional<data::DateTimeParts>> parsed(column.categories.size());
  for (size_t code = 0; code < column.categories.size(); ++code)
    parsed[code] = data::ParseDateTime(column.categories[code]);
  std::vector<const data::DateTimeParts*> row_parts;
  row_parts.reserve(rows.size());
  bool any_time = false;
  int64_t missing = 0;
  for (int64_t row_idx : rows) {
    int32_t code = column.codes[static_cast<size_t>(row_idx)];
    const data::DateTimeParts* parts =
        code >= 0 && parsed[static_cast<size_t>(code)].has_value() ? &*parsed[static_cast<size_t>(code)] : nullptr;
    if (parts == nullptr) ++missing;
    any_time = any_time || (parts != nullptr && parts->has_time);
    row_parts.push_back(parts);
  }
  if (missing == static_cast<int64_t>(rows.size())) {
    return core::InvalidArgument("date feature '" + column.name + "' has no date in the training rows");
  }
  const size_t part_count = any_time ? 5 : 4;
  for (size_t part_idx = 0; part_idx < part_count; ++part_idx) {
    DatePart part;
    part.part = DatePartNames()[part_idx];
    std::vector<double> present;
    for (const data::DateTimeParts* parts : row_parts) {
      if (parts != nullptr) present.push_back(DatePartValue(*parts, part_idx));
    }
    part.impute_value = Median(present);
    std::vector<double> imputed;
    imputed.reserve(row_parts.size());
    for (const data::DateTimeParts* parts : row_parts) {
      imputed.push_back(parts != nullptr ? DatePartValue(*parts, part_idx) : part.impute_value);
    }
    double mean = 0.0;
    double stddev = 0.0;
    MeanAndStd(imputed, &mean, &stddev);
    if (scaling == NumberScaling::kStandardize) {
      part.center = mean;
      part.scale = stddev > 0.0 ? stddev : 1.0;
    }
    part.mean = (mean - part.center) / part.scale;
    transform.date_parts.push_back(std::move(part));
  }
  if (missing_indicator) {
    transform.missing_indicator = true;
    transform.missing_share = static_cast<double>(missing) / static_cast<double>(rows.size());
  }
  return transform;
}

}  // namespace

std::vector<bool> ChooseOneHotLevels(const std::vector<int64_t>& counts, int64_t row_count, int max_levels) {
  std::vector<size_t> order(counts.size());
  for (size_t idx = 0; idx < order.size(); ++idx) order[idx] = idx;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return counts[a] > counts[b]; });
  std::vector<bool> keep(counts.size(), false);
  const double rare_below = kRareLevelShare * static_cast<double>(row_count);
  for (size_t rank = 0; rank < order.size() && rank < static_cast<size_t>(std::max(1, max_levels)); ++rank) {
    const int64_t count = counts[order[rank]];
    const bool rare = count < kRareLevelRows && static_cast<double>(count) < rare_below;
    if (rank == 0 || !rare) keep[order[rank]] = true;
  }
  return keep;
}

core::Result<Pipeline> Pipeline::Fit(const data::Table& table, const std::vector<int>& feature_columns,
                                     std::span<const int64_t> rows, NumberScaling scaling) {
  FitOptions options;
  options.scaling = scaling;
  return Fit(table, feature_columns, rows, options);
}

core::Result<Pipeline> Pipeline::Fit(const data::Table& table, const std::vector<int>& feature_columns,
                                     std::span<const int64_t> rows, const FitOptions& options) {
  if (rows.empty()) return core::InvalidArgument("no rows to fit the preprocessing on");
  if (!options.features.empty() && options.features.size() != feature_columns.size()) {
    return core::InvalidArgument("one set of feature options per feature column is needed");
  }
  // Columns are independent: fitted on up to hardware_concurrency threads (each column by one thread, so the
  // result does not depend on the count), the first error in column order reported.
  std::vector<core::Result<FeatureTransform>> fitted(feature_columns.size(), core::Internal("not fitted"));
  auto fit_column = [&](size_t pos) {
    const data::Column& column = table.column(static_cast<size_t>(feature_columns[pos]));
    const FeatureOptions feature_options = options.features.empty() ? FeatureOptions{} : options.features[pos];
    if (feature_options.date) {
      if (data::IsNumberLike(column.type)) {
        fitted[pos] = core::InvalidArgument("feature '" + column.name + "' is " +
                                            std::string(data::ColumnTypeName(column.type)) + ", not text with dates");
      } else {
        fitted[pos] = FitDate(column, rows, options.scaling, feature_options.missing_indicator);
      }
    } else if (data::IsNumberLike(column.type)) {
      fitted[pos] = FitNumber(column, rows, options.scaling, feature_options.missing_indicator);
    } else {
      fitted[pos] = FitCategory(column, rows, options.max_levels);
    }
  };
  core::ParallelFor(fitted.size(), rows.size() < 10000 ? 1 : static_cast<size_t>(std::max(options.threads, 0)),
                    fit_column);
  std::vector<FeatureTransform> transforms;
  for (auto& transform : fitted) {
    if (!transform.ok()) return transform.status();
    transforms.push_back(std::move(transform).value());
  }
  return Pipeline(std::move(transforms));
}

}  // namespace amp::ml
