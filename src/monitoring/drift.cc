#include "monitoring/drift.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace amp::monitoring {
namespace {

constexpr double kEmptyBin = 1e-4;

std::string Crossed(std::string_view statistic, double value, double threshold) {
  char text[160];
  std::snprintf(text, sizeof(text), "%.*s %.4g >= %.4g", static_cast<int>(statistic.size()), statistic.data(), value,
                threshold);
  return text;
}

int Rank(MonitorState state) {
  switch (state) {
    case MonitorState::kInsufficientData:
      return 0;
    case MonitorState::kOk:
      return 1;
    case MonitorState::kWarning:
      return 2;
    case MonitorState::kAlert:
      return 3;
  }
  return 0;
}

std::vector<double> Fractions(std::span<const int64_t> counts) {
  int64_t total = 0;
  for (int64_t count : counts) total += count;
  std::vector<double> fractions(counts.size(), 0.0);
  if (total == 0) return fractions;
  for (size_t bin = 0; bin < counts.size(); ++bin) {
    fractions[bin] = static_cast<double>(counts[bin]) / static_cast<double>(total);
  }
  return fractions;
}

}  // namespace

std::string_view MonitorStateName(MonitorState state) {
  switch (state) {
    case MonitorState::kInsufficientData:
      return "insufficient_data";
    case MonitorState::kOk:
      return "ok";
    case MonitorState::kWarning:
      return "warning";
    case MonitorState::kAlert:
      return "alert";
  }
  return "unknown";
}

core::Status ValidateThresholds(const Thresholds& thresholds) {
  struct Pair {
    const char* warning_name;
    double warning;
    const char* alert_name;
    double alert;
  };
  const Pair pairs[] = {
      {"psi_warning", thresholds.psi_warning, "psi_alert", thresholds.psi_alert},
      {"ks_warning", thresholds.ks_warning, "ks_alert", thresholds.ks_alert},
      {"out_of_range_warning", thresholds.out_of_range_warning, "out_of_range_alert", thresholds.out_of_range_alert},
      {"unseen_warning", thresholds.unseen_warning, "unseen_alert", thresholds.unseen_alert},
      {"missing_warning", thresholds.missing_warning, "missing_alert", thresholds.missing_alert},
  };
  for (const Pair& pair : pairs) {
    for (auto [name, value] : {std::pair{pair.warning_name, pair.warning}, std::pair{pair.alert_name, pair.alert}}) {
      if (!std::isfinite(value) || value < 0) {
        return core::InvalidArgument(std::string(name) + " must be a finite number >= 0");
      }
    }
    if (pair.warning > pair.alert) {
      return core::InvalidArgument(std::string(pair.warning_name) + " must not exceed " + pair.alert_name);
    }
  }
  if (!std::isfinite(thresholds.far_outside_stddevs) || thresholds.far_outside_stddevs < 0) {
    return core::InvalidArgument("far_outside_stddevs must be a finite number >= 0 (0 turns the warning off)");
  }
  if (thresholds.min_rows < 1) return core::InvalidArgument("min_rows must be at least 1");
  return core::Status::Ok();
}

double PopulationStabilityIndex(std::span<const double> expected, std::span<const double> live) {
  double live_total = 0;
  for (double fraction : live) live_total += fraction;
  if (live_total == 0) return 0;
  double psi = 0;
  for (size_t bin = 0; bin < expected.size() && bin < live.size(); ++bin) {
    double e = std::max(expected[bin], kEmptyBin);
    double a = std::max(live[bin], kEmptyBin);
    if (expected[bin] == 0 && live[bin] == 0) continue;
    psi += (a - e) * std::log(a / e);
  }
  return psi;
}

double BinnedKsDistance(std::span<const double> expected, std::span<const double> live) {
  double expected_cumulative = 0;
  double live_cumulative = 0;
  double distance = 0;
  for (size_t bin = 0; bin + 1 < expected.size() && bin + 1 < live.size(); ++bin) {
    expected_cumulative += expected[bin];
    live_cumulative += live[bin];
    distance = std::max(distance, std::abs(expected_cumulative - live_cumulative));
  }
  return distance;
}

FeatureDrift CompareFeature(const FeatureProfile& training, const LiveCounts& live) {
  FeatureDrift drift;
  drift.name = training.name;
  drift.numeric = training.numeric;
  drift.training_missing_rate = training.missing_rate;
  int64_t present = 0;
  for (int64_t count : live.bins) present += count;
  drift.live_rows = present + live.missing;
  if (drift.live_rows == 0) return drift;
  drift.live_missing_rate = static_cast<double>(live.missing) / static_cast<double>(drift.live_rows);
  if (present == 0) return drift;
  std::vector<double> live_fractions = Fractions(live.bins);
  if (training.numeric) {
    drift.psi = PopulationStabilityIndex(training.numbers.fractions, live_fractions);
    drift.ks = BinnedKsDistance(training.numbers.fractions, live_fractions);
    drift.out_of_range_rate = static_cast<double>(live.below + live.above) / static_cast<double>(present);
  } else {
    std::vector<double> expected = training.categories.fractions;
    expected.push_back(training.categories.other_fraction);
    drift.psi = PopulationStabilityIndex(expected, live_fractions);
    double live_other = live_fractions.empty() ? 0.0 : live_fractions.back();
    drift.unseen_rate = std::max(0.0, live_other - training.categories.other_fraction);
  }
  drift.live_fractions = std::move(live_fractions);
  return drift;
}

void JudgeFeature(const Thresholds& thresholds, FeatureDrift* drift) {
  drift->reasons.clear();
  if (drift->live_rows < thresholds.min_rows) {
    drift->state = MonitorState::kInsufficientData;
    return;
  }
  MonitorState state = MonitorState::kOk;
  auto check = [&](std::string_view statistic, double value, double warning, double alert) {
    if (value >= alert) {
      state = MonitorState::kAlert;
      drift->reasons.push_back(Crossed(statistic, value, alert));
    } else if (value >= warning) {
      if (state != MonitorState::kAlert) state = MonitorState::kWarning;
      drift->reasons.push_back(Crossed(statistic, value, warning));
    }
  };
  check("psi", drift->psi, thresholds.psi_warning, thresholds.psi_alert);
  if (drift->ks) check("ks", *drift->ks, thresholds.ks_warning, thresholds.ks_alert);
  if (drift->numeric) {
    check("out_of_range_rate", drift->out_of_range_rate, thresholds.out_of_range_warning,
          thresholds.out_of_range_alert);
  } else {
    check("unseen_rate", drift->unseen_rate, thresholds.unseen_warning, thresholds.unseen_alert);
  }
  check("missing_rate_change", std::abs(drift->live_missing_rate - drift->training_missing_rate),
        thresholds.missing_warning, thresholds.missing_alert);
  drift->state = state;
}

ModelJudgement JudgeModel(std::span<const FeatureDrift> features, const FeatureDrift& prediction, int64_t live_rows,
                          const Thresholds& thresholds) {
  ModelJudgement judgement;
  if (live_rows < thresholds.min_rows) return judgement;
  judgement.state = MonitorState::kOk;
  std::vector<const FeatureDrift*> all;
  for (const FeatureDrift& feature : features) all.push_back(&feature);
  all.push_back(&prediction);
  for (const FeatureDrift* drift : all) {
    if (Rank(drift->state) > Rank(judgement.state)) judgement.state = drift->state;
  }
  if (judgement.state == MonitorState::kOk) return judgement;
  // Worst first: by state, then by PSI.
  std::vector<const FeatureDrift*> causes;
  for (const FeatureDrift* drift : all) {
    if (Rank(drift->state) >= Rank(MonitorState::kWarning)) causes.push_back(drift);
  }
  std::stable_sort(causes.begin(), causes.end(), [](const FeatureDrift* a, const FeatureDrift* b) {
    if (a->state != b->state) return Rank(a->state) > Rank(b->state);
    return a->psi > b->psi;
  });
  for (const FeatureDrift* drift : causes) {
    if (drift->state != judgement.state) break;
    judgement.causes.push_back(drift == &prediction ? "prediction" : drift->name);
  }
  return judgement;
}

bool IsFarOutside(const NumberProfile& numbers, double value, double far_outside_stddevs) {
  double low_scale = numbers.stddev > 0 ? numbers.stddev : std::max(1.0, std::abs(numbers.min));
  double high_scale = numbers.stddev > 0 ? numbers.stddev : std::max(1.0, std::abs(numbers.max));
  return value < numbers.min - far_outside_stddevs * low_scale ||
         value > numbers.max + far_outside_stddevs * high_scale;
}

}  // namespace amp::monitoring
