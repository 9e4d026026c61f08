// Drift: the pure statistics and decisions of monitoring. Compares a feature's (or the prediction's) training
// profile with its live counts (population stability index, a Kolmogorov-Smirnov distance on the training bins,
// out-of-range, unseen-category and missing rates) and judges features and a whole model ok / warning / alert by
// per-model thresholds. No state, no clock; table-tested in drift_test.cc. docs/monitoring.md explains the choices.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "monitoring/training_profile.h"

namespace amp::monitoring {

enum class MonitorState { kInsufficientData, kOk, kWarning, kAlert };
std::string_view MonitorStateName(MonitorState state);

// Per model; every field has a default and can be changed by PUT /v1/models/{m}/monitoring/settings.
struct Thresholds {
  double psi_warning = 0.2;
  double psi_alert = 0.5;
  double ks_warning = 0.15;
  double ks_alert = 0.25;
  double out_of_range_warning = 0.05;  // share of live values outside [training min, training max]
  double out_of_range_alert = 0.2;
  double unseen_warning = 0.02;  // share of live category values beyond the training ones (minus training "other")
  double unseen_alert = 0.1;
  double missing_warning = 0.05;  // absolute change of the missing rate
  double missing_alert = 0.2;
  int64_t min_rows = 300;          // no judgement on fewer live rows: the statistics would be noise
  double far_outside_stddevs = 3;  // a value this many training stddevs beyond min/max warns in its response

  bool operator==(const Thresholds&) const = default;
};

// InvalidArgument naming the field when a threshold is negative or not finite, a warning threshold exceeds its
// alert threshold, or min_rows < 1.
core::Status ValidateThresholds(const Thresholds& thresholds);

// The live counters of one feature, laid out as LiveLayout (live_monitor.h) writes them:
// numbers: one count per training bin, then missing, below training min, above training max;
// categories: one count per training category, then other (not a kept category), then missing.
struct LiveCounts {
  std::span<const int64_t> bins;  // numbers: the training bins; categories: kept categories + other
  int64_t missing = 0;
  int64_t below = 0;  // numbers only
  int64_t above = 0;  // numbers only
};

struct FeatureDrift {
  std::string name;
  bool numeric = true;
  int64_t live_rows = 0;  // values seen, missing included
  double psi = 0;
  std::optional<double> ks;  // numbers only
  double training_missing_rate = 0;
  double live_missing_rate = 0;
  double out_of_range_rate = 0;  // numbers only
  double unseen_rate = 0;        // categories only
  MonitorState state = MonitorState::kInsufficientData;
  std::vector<std::string> reasons;  // which threshold each statistic crossed, e.g. "psi 0.61 >= 0.5"
  std::vector<double> live_fractions;  // per training bin (categories: kept ones, then other), for histograms
};

// Population stability index: sum over bins of (live - expected) * ln(live / expected), both as fractions; an empty
// bin counts as 1e-4 so a bin that is new or gone gives a large but finite value. 0 when both are empty.
double PopulationStabilityIndex(std::span<const double> expected, std::span<const double> live);
// The largest distance between the two cumulative distributions at the bin edges (a KS distance limited to the
// training deciles' resolution).
double BinnedKsDistance(std::span<const double> expected, std::span<const double> live);

// The statistics of one feature (no judgement yet).
FeatureDrift CompareFeature(const FeatureProfile& training, const LiveCounts& live);
// Sets drift->state and drift->reasons by `thresholds`: alert if any statistic crosses its alert threshold, warning
// if any crosses its warning threshold, insufficient data below thresholds.min_rows live values.
void JudgeFeature(const Thresholds& thresholds, FeatureDrift* drift);

struct ModelJudgement {
  MonitorState state = MonitorState::kInsufficientData;
  std::vector<std::string> causes;  // the features (or "prediction") at the model's state, worst first
};
// The worst of the features' and the prediction's states, and who caused it; insufficient data below min_rows.
ModelJudgement JudgeModel(std::span<const FeatureDrift> features, const FeatureDrift& prediction, int64_t live_rows,
                          const Thresholds& thresholds);

// Whether a live value is far outside a feature's training range: below min or above max by more than
// far_outside_stddevs training stddevs (for a constant feature, stddevs of max(1, |value there|)).
bool IsFarOutside(const NumberProfile& numbers, double value, double far_outside_stddevs);

}  // namespace amp::monitoring
