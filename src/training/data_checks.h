// Data checks: the pure computations behind the cleaning report (duplicate rows, a feature that leaks the target,
// extreme outliers) and the rule that decides when a feature's missingness is informative enough to earn a
// missing-value indicator column. Called by TrainModel on the loaded table; thread-safe (no state).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "data/cleaning_report.h"
#include "data/table.h"
#include "ml/model.h"

namespace amp::training {

// The checks below say nothing about fewer rows than this. Leaks and quartiles are measured on at most
// kMaxCheckRows evenly spaced rows (outliers are then counted over all of them), so a big table costs little.
inline constexpr int64_t kMinRowsForChecks = 10;
inline constexpr int64_t kMaxCheckRows = 100000;

// Rows equal in every column of `table` (missing equals missing) to an earlier row.
int64_t CountDuplicateRows(const data::Table& table);

// Whether `feature` nearly determines `target` over `rows` (rows where the target is present):
//   number-like feature, regression target: |Pearson r| >= data::kLeakThreshold ("correlation");
//   categorical feature, regression target: the correlation ratio eta >= kLeakThreshold ("correlation_ratio");
//   classification target (`labels[i]` the class of rows[i]): the purity (the share of rows whose class is the most
//     common class of their feature value, missing being a value) >= kLeakThreshold while the most common class
//     overall is below it ("purity"); number-like features of a binary target also by |r| with the 0/1 label.
// Grouped measures (eta, purity) need at most half as many distinct feature values as rows, else any unique key
// would look perfect. Rows where a number-like feature is missing are skipped for r. nullopt below kMinRowsForChecks
// rows or when the measure stays under the threshold.
std::optional<data::LeakFinding> FindLeak(const data::Column& feature, const data::Column& target, ml::Task task,
                                          std::span<const int64_t> rows, std::span<const int32_t> labels);

// Values of a numeric or integer `feature` beyond Tukey's far-out fences Q1 - 3 IQR and Q3 + 3 IQR (quartiles by
// linear interpolation, as numpy's percentile) over `rows`. nullopt for other types, fewer than kMinRowsForChecks
// present values, an IQR of 0 or no such value.
std::optional<data::OutlierFinding> FindOutliers(const data::Column& feature, std::span<const int64_t> rows);

// The missing-indicator rule. Missingness is informative when at least kMinMissingRows rows are missing and at
// least kMinMissingRows present, and the target differs between the two groups both clearly and beyond chance:
//   regression: the group means differ by at least kInformativeMeanShift standard deviations of the target, and by
//     at least 3 standard errors (sigma * sqrt(1/n_missing + 1/n_present));
//   classification: the class distributions differ by a total variation distance of at least
//     kInformativeClassShift, and the chi-square test of the 2 x classes table rejects independence at p < 0.001.
// The significance half keeps a handful of randomly missing cells from adding a column by chance.
inline constexpr int64_t kMinMissingRows = 5;
inline constexpr double kInformativeMeanShift = 0.2;
inline constexpr double kInformativeClassShift = 0.1;
// `missing[i]` and `target[i]` describe the same row.
bool MissingnessIsInformative(std::span<const bool> missing, std::span<const double> target);
bool MissingnessIsInformative(std::span<const bool> missing, std::span<const int32_t> labels, int class_count);

}  // namespace amp::training
