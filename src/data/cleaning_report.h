// CleaningReport: what data preparation found and decided, for a person to read: rows dropped for a missing target,
// duplicate rows, the role of every column (and why a column was excluded), features that leak the target,
// extreme outliers, which features got a missing-value indicator or an "other" column. Computed at training time
// (training/trainer.cc) and stored with the model version as JSON; its dataset-level part (no target, no data
// pass) is computed from a dataset's profile for GET /v1/datasets/{id}. Plain value types and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/column_roles.h"
#include "data/table_summary.h"

namespace amp::data {

// A feature whose values nearly determine the target: |Pearson r| for two number columns, the correlation ratio
// (eta) for a categorical feature and a numeric target, and the purity (share of rows whose class is the majority
// class of their feature value) for a classification target.
struct LeakFinding {
  std::string feature;
  std::string measure;  // "correlation", "correlation_ratio" or "purity"
  double value = 0.0;
  bool operator==(const LeakFinding&) const = default;
};

// Values beyond Tukey's far-out fences (Q1 - 3 IQR, Q3 + 3 IQR) of a numeric feature, over the rows used.
struct OutlierFinding {
  std::string feature;
  int64_t count = 0;
  double lower_fence = 0.0;
  double upper_fence = 0.0;
  bool operator==(const OutlierFinding&) const = default;
};

struct CleaningReport {
  bool has_target = false;  // false for the dataset-level report (no target, no data pass)
  int64_t rows = 0;
  // Training-time findings (has_target):
  std::string target;
  int64_t rows_missing_target = 0;  // dropped
  int64_t rows_used = 0;
  int64_t duplicate_rows = 0;  // rows equal, in every loaded column, to an earlier row (kept: they are real rows)
  std::vector<LeakFinding> leaks;
  std::vector<OutlierFinding> outliers;         // kept, reported
  std::vector<std::string> missing_indicators;  // features with a missing-value indicator column
  std::vector<std::string> other_buckets;       // categorical features with an "other" column
  // Both levels:
  std::vector<ColumnRoleDecision> columns;
  bool operator==(const CleaningReport&) const = default;
};

// Thresholds.
inline constexpr double kLeakThreshold = 0.99;
inline constexpr double kOutlierIqrMultiple = 3.0;

// The dataset-level report: the roles DecideColumnRoles gives with no target and no personal data allowed.
CleaningReport DatasetCleaningReport(const TableSummary& summary);

// Sentences a person reads first ("2 rows with a missing target 'y' were dropped.", ...), derived from the report.
std::vector<std::string> CleaningReportSummary(const CleaningReport& report);

// The report as a JSON object text (the shape is documented in docs/data-preparation.md):
// {"rows", ["target", "rows_missing_target_dropped", "rows_used", "duplicate_rows",] "columns": [{"name", "type",
//  "role", ["excluded_because", "reason"]}], "constant_columns", "id_like_columns", "free_text_columns",
//  "personal_data_columns", "empty_columns", ["leaking_features": [{"feature", "measure", "value"}],
//  "outliers": [{"feature", "count", "lower_fence", "upper_fence"}], "missing_indicators", "other_buckets",]
//  "summary": [sentences]}
std::string CleaningReportToJson(const CleaningReport& report);

}  // namespace amp::data
