#include "training/data_checks.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <map>
#include <vector>

#include "core/huge_pages.h"
#include "core/radix_sort.h"

namespace amp::training {
namespace {

// A cell as a 64-bit key: the bits of a number (all NaNs one key) or a category code (-1 = missing).
uint64_t CellKey(const data::Column& column, size_t row) {
  if (data::IsNumberLike(column.type)) {
    double value = column.numbers[row];
    if (std::isnan(value)) return 0x7ff8000000000001ULL;
    if (value == 0.0) value = 0.0;  // -0 equals 0
    return std::bit_cast<uint64_t>(value);
  }
  return static_cast<uint64_t>(static_cast<int64_t>(column.codes[row]));
}

// Evenly spaced rows of a check: positions 0, step, 2 step... of `rows` (step 1 up to kMaxCheckRows rows), read in
// place rather than copied (each copy of a large sample costs its page faults).
struct CheckSample {
  std::span<const int64_t> rows;
  std::span<const int32_t> labels;  // the class of each of `rows`; empty for a regression
  size_t step = 1;

  CheckSample(std::span<const int64_t> all_rows, std::span<const int32_t> all_labels)
      : rows(all_rows), labels(all_labels) {
    const auto max_rows = static_cast<size_t>(kMaxCheckRows);
    if (all_rows.size() > max_rows) step = (all_rows.size() + max_rows - 1) / max_rows;
  }
  size_t size() const { return (rows.size() + step - 1) / step; }
  size_t row(size_t idx) const { return static_cast<size_t>(rows[idx * step]); }
  int32_t label(size_t idx) const { return labels[idx * step]; }
};

// Pearson's r of the feature `x` and the target (the 0/1 label of a binary classification, else `target`) over
// the sample's rows where x is present. Three passes over those rows (their count, the means, the sums of
// products), no copy.
std::optional<double> PearsonR(const std::vector<double>& x, const std::vector<double>& target, const CheckSample& sample,
                               bool labels) {
  const size_t size = sample.size();
  auto y_at = [&](size_t idx) { return labels ? static_cast<double>(sample.label(idx)) : target[sample.row(idx)]; };
  size_t count = 0;
  for (size_t idx = 0; idx < size; ++idx) count += std::isnan(x[sample.row(idx)]) ? 0 : 1;
  if (count < static_cast<size_t>(kMinRowsForChecks)) return std::nullopt;
  const auto n = static_cast<double>(count);
  double mean_x = 0.0, mean_y = 0.0;
  for (size_t idx = 0; idx < size; ++idx) {
    const double value = x[sample.row(idx)];
    if (std::isnan(value)) continue;
    mean_x += value / n;
    mean_y += y_at(idx) / n;
  }
  double sxy = 0.0, sxx = 0.0, syy = 0.0;
  for (size_t idx = 0; idx < size; ++idx) {
    const double value = x[sample.row(idx)];
    if (std::isnan(value)) continue;
    const double dx = value - mean_x;
    const double dy = y_at(idx) - mean_y;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (!(sxx > 0.0) || !(syy > 0.0)) return std::nullopt;
  const double r = sxy / std::sqrt(sxx * syy);
  return std::isfinite(r) ? std::optional<double>(r) : std::nullopt;
}

// A feature value as a group key for grouped measures: its cell key.
using GroupKey = uint64_t;

std::optional<data::LeakFinding> Finding(const data::Column& feature, std::string measure, double value) {
  if (!(std::fabs(value) >= data::kLeakThreshold)) return std::nullopt;
  return data::LeakFinding{feature.name, std::move(measure), value};
}

// numpy's linear-interpolation percentile, by selection rather than a sort (linear time: this runs on every
// numeric feature of every training job). Reorders `values`.
double Quantile(std::vector<double>& values, double q) {
  const double position = q * static_cast<double>(values.size() - 1);
  const auto lower = static_cast<size_t>(std::floor(position));
  const auto lower_it = values.begin() + static_cast<std::ptrdiff_t>(lower);
  std::nth_element(values.begin(), lower_it, values.end());
  const double lower_value = *lower_it;
  if (lower + 1 >= values.size()) return lower_value;
  const double upper_value = *std::min_element(lower_it + 1, values.end());  // the next order statistic
  return lower_value + (upper_value - lower_value) * (position - static_cast<double>(lower));
}

}  // namespace

int64_t CountDuplicateRows(const data::Table& table) {
  // Hash every row column by column (cache-friendly), sort (hash, row) pairs, and compare cells only within runs of
  // equal hashes: linear memory and n log n time, without a node per row.
  const auto row_count = static_cast<size_t>(table.row_count());
  const std::vector<data::Column>& columns = table.columns();
  std::vector<std::pair<uint64_t, int64_t>> hashed;
  core::AssignZeros(&hashed, row_count);
  for (size_t row = 0; row < row_count; ++row) hashed[row] = {1469598103934665603ULL, static_cast<int64_t>(row)};
  auto mix = [](uint64_t hash, uint64_t key) {
    hash = (hash ^ key) * 1099511628211ULL;
    return hash ^ (hash >> 29);
  };
  for (const data::Column& column : columns) {
    if (data::IsNumberLike(column.type)) {  // the type test hoisted out of the row loop
      for (size_t row = 0; row < row_count; ++row) hashed[row].first = mix(hashed[row].first, CellKey(column, row));
    } else {
      for (size_t row = 0; row < row_count; ++row) {
        hashed[row].first = mix(hashed[row].first, static_cast<uint64_t>(static_cast<int64_t>(column.codes[row])));
      }
    }
  }
  // By hash, stably: rows ascend within a run of equal hashes, as they were numbered.
  core::RadixSortByKey(hashed, [](const std::pair<uint64_t, int64_t>& entry) { return entry.first; });
  auto same_row = [&](int64_t a, int64_t b) {
    return std::all_of(columns.begin(), columns.end(), [&](const data::Column& column) {
      return CellKey(column, static_cast<size_t>(a)) == CellKey(column, static_cast<size_t>(b));
    });
  };
  int64_t duplicates = 0;
  std::vector<int64_t> distinct;  // the distinct rows of the current run of equal hashes
  for (size_t begin = 0; begin < row_count;) {
    size_t end = begin + 1;
    while (end < row_count && hashed[end].first == hashed[begin].first) ++end;
    distinct.clear();
    for (size_t idx = begin; idx < end; ++idx) {  // rows ascend within a run, so the earliest is kept
      const int64_t row = hashed[idx].second;
      if (std::any_of(distinct.begin(), distinct.end(), [&](int64_t kept) { return same_row(kept, row); })) {
        ++duplicates;
      } else {
        distinct.push_back(row);
      }
    }
    begin = end;
  }
  return duplicates;
}

std::optional<data::LeakFinding> FindLeak(const data::Column& feature, const data::Column& target, ml::Task task,
                                          std::span<const int64_t> all_rows, std::span<const int32_t> all_labels) {
  if (static_cast<int64_t>(all_rows.size()) < kMinRowsForChecks) return std::nullopt;
  // Evenly spaced rows beyond kMaxCheckRows: a near-perfect association shows as well in a large sample.
  const CheckSample sample(all_rows, all_labels);
  const size_t size = sample.size();
  const bool classification = ml::IsClassification(task);
  const bool number = data::IsNumberLike(feature.type);
  if (number && (!classification || task == ml::Task::kBinaryClassification)) {
    if (auto r = PearsonR(feature.numbers, target.numbers, sample, classification); r.has_value()) {
      if (auto finding = Finding(feature, "correlation", *r)) return finding;
    }
    if (!classification) return std::nullopt;
  }
  if (!classification && number) return std::nullopt;

  // Too many distinct values and any key looks perfect. Counted on a sorted copy of the keys first: a continuous
  // feature (the common case) then costs one sort, not a map node and a vector per value.
  std::vector<GroupKey> keys;
  keys.reserve(size);
  for (size_t idx = 0; idx < size; ++idx) keys.push_back(CellKey(feature, sample.row(idx)));
  core::RadixSortByKey(keys, [](GroupKey key) { return key; });
  const auto distinct = static_cast<size_t>(std::unique(keys.begin(), keys.end()) - keys.begin());
  if (distinct * 2 > size) return std::nullopt;
  std::map<GroupKey, std::vector<size_t>> groups;  // feature value -> indices into the sample
  for (size_t idx = 0; idx < size; ++idx) groups[CellKey(feature, sample.row(idx))].push_back(idx);
  const auto n = static_cast<double>(size);
  if (!classification) {  // correlation ratio of a categorical feature and a numeric target
    double mean = 0.0;
    for (size_t idx = 0; idx < size; ++idx) mean += target.numbers[sample.row(idx)] / n;
    double total = 0.0;
    for (size_t idx = 0; idx < size; ++idx) {
      const double delta = target.numbers[sample.row(idx)] - mean;
      total += delta * delta;
    }
    if (!(total > 0.0)) return std::nullopt;
    double between = 0.0;
    for (const auto& [key, members] : groups) {
      double group_mean = 0.0;
      for (size_t idx : members) group_mean += target.numbers[sample.row(idx)];
      group_mean /= static_cast<double>(members.size());
      between += static_cast<double>(members.size()) * (group_mean - mean) * (group_mean - mean);
    }
    return Finding(feature, "correlation_ratio", std::sqrt(std::min(1.0, between / total)));
  }
  std::map<int32_t, int64_t> overall;
  for (size_t idx = 0; idx < size; ++idx) ++overall[sample.label(idx)];
  int64_t majority = 0;
  for (const auto& [label, count] : overall) majority = std::max(majority, count);
  if (static_cast<double>(majority) / n >= data::kLeakThreshold) return std::nullopt;  // nearly one class anyway
  int64_t pure = 0;
  for (const auto& [key, members] : groups) {
    std::map<int32_t, int64_t> counts;
    int64_t best = 0;
    for (size_t idx : members) best = std::max(best, ++counts[sample.label(idx)]);
    pure += best;
  }
  return Finding(feature, "purity", static_cast<double>(pure) / n);
}

std::optional<data::OutlierFinding> FindOutliers(const data::Column& feature, std::span<const int64_t> rows) {
  if (feature.type != data::ColumnType::kNumeric && feature.type != data::ColumnType::kInteger) return std::nullopt;
  auto value_at = [&](int64_t row_idx) { return feature.numbers[static_cast<size_t>(row_idx)]; };
  const auto present = static_cast<size_t>(
      std::count_if(rows.begin(), rows.end(), [&](int64_t row_idx) { return !std::isnan(value_at(row_idx)); }));
  if (static_cast<int64_t>(present) < kMinRowsForChecks) return std::nullopt;
  // The quartiles from every present value, or from evenly spaced ones (every step-th) beyond kMaxCheckRows; the
  // count from all of them, read in place.
  const size_t step = present > static_cast<size_t>(kMaxCheckRows)
                          ? (present + static_cast<size_t>(kMaxCheckRows) - 1) / static_cast<size_t>(kMaxCheckRows)
                          : 1;
  std::vector<double> quartile_values;
  quartile_values.reserve((present + step - 1) / step);
  size_t until_next = 0;  // every step-th present value, counted down (a division per row cost more than the rest)
  for (int64_t row_idx : rows) {
    const double value = value_at(row_idx);
    if (std::isnan(value)) continue;
    if (until_next == 0) {
      quartile_values.push_back(value);
      until_next = step;
    }
    --until_next;
  }
  const double q1 = Quantile(quartile_values, 0.25);
  const double q3 = Quantile(quartile_values, 0.75);
  const double iqr = q3 - q1;
  if (!(iqr > 0.0) || !std::isfinite(iqr)) return std::nullopt;
  data::OutlierFinding finding{feature.name, 0, q1 - data::kOutlierIqrMultiple * iqr,
                               q3 + data::kOutlierIqrMultiple * iqr};
  for (int64_t row_idx : rows) {
    const double value = value_at(row_idx);  // NaN is neither below nor above a fence
    finding.count += value < finding.lower_fence || value > finding.upper_fence ? 1 : 0;
  }
  if (finding.count == 0) return std::nullopt;
  return finding;
}

bool MissingnessIsInformative(std::span<const bool> missing, std::span<const double> target) {
  int64_t missing_count = 0;
  double missing_sum = 0.0, present_sum = 0.0, sum = 0.0;
  for (size_t idx = 0; idx < missing.size(); ++idx) {
    missing_count += missing[idx] ? 1 : 0;
    (missing[idx] ? missing_sum : present_sum) += target[idx];
    sum += target[idx];
  }
  const auto count = static_cast<int64_t>(missing.size());
  if (missing_count < kMinMissingRows || count - missing_count < kMinMissingRows) return false;
  const double mean = sum / static_cast<double>(count);
  double squares = 0.0;
  for (double value : target) squares += (value - mean) * (value - mean);
  const double stddev = std::sqrt(squares / static_cast<double>(count));
  if (!(stddev > 0.0)) return false;
  const double shift =
      missing_sum / static_cast<double>(missing_count) - present_sum / static_cast<double>(count - missing_count);
  const double standard_error =
      stddev * std::sqrt(1.0 / static_cast<double>(missing_count) + 1.0 / static_cast<double>(count - missing_count));
  return std::fabs(shift) >= kInformativeMeanShift * stddev && std::fabs(shift) >= 3.0 * standard_error;
}

bool MissingnessIsInformative(std::span<const bool> missing, std::span<const int32_t> labels, int class_count) {
  std::vector<double> missing_counts(static_cast<size_t>(class_count), 0.0);
  std::vector<double> present_counts(static_cast<size_t>(class_count), 0.0);
  int64_t missing_total = 0;
  for (size_t idx = 0; idx < missing.size(); ++idx) {
    (missing[idx] ? missing_counts : present_counts)[static_cast<size_t>(labels[idx])] += 1.0;
    missing_total += missing[idx] ? 1 : 0;
  }
  const int64_t present_total = static_cast<int64_t>(missing.size()) - missing_total;
  if (missing_total < kMinMissingRows || present_total < kMinMissingRows) return false;
  double distance = 0.0;
  for (size_t label = 0; label < missing_counts.size(); ++label) {
    distance += std::fabs(missing_counts[label] / static_cast<double>(missing_total) -
                          present_counts[label] / static_cast<double>(present_total));
  }
  if (distance / 2.0 < kInformativeClassShift) return false;
  // Pearson's chi-square over the classes present, against the Wilson-Hilferty approximation of the chi-square
  // quantile at p = 0.001 (z = 3.09).
  const auto total = static_cast<double>(missing.size());
  double chi_square = 0.0;
  int present_classes = 0;
  for (size_t label = 0; label < missing_counts.size(); ++label) {
    const double class_total = missing_counts[label] + present_counts[label];
    if (class_total == 0.0) continue;
    ++present_classes;
    const double expected_missing = class_total * static_cast<double>(missing_total) / total;
    const double expected_present = class_total * static_cast<double>(present_total) / total;
    chi_square +=
        (missing_counts[label] - expected_missing) * (missing_counts[label] - expected_missing) / expected_missing +
        (present_counts[label] - expected_present) * (present_counts[label] - expected_present) / expected_present;
  }
  const double df = present_classes - 1;
  if (df < 1.0) return false;
  const double term = 1.0 - 2.0 / (9.0 * df) + 3.09 * std::sqrt(2.0 / (9.0 * df));
  return chi_square > df * term * term * term;
}

}  // namespace amp::training
