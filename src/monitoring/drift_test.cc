#include "monitoring/drift.h"

#include <gtest/gtest.h>

#include <cmath>

namespace amp::monitoring {
namespace {

TEST(PopulationStabilityIndexTest, Table) {
  struct Case {
    std::vector<double> expected;
    std::vector<double> live;
    double psi;
  };
  const Case cases[] = {
      {{0.5, 0.5}, {0.5, 0.5}, 0.0},
      {{0.25, 0.25, 0.25, 0.25}, {0.25, 0.25, 0.25, 0.25}, 0.0},
      // (0.7 - 0.5) ln(0.7/0.5) + (0.3 - 0.5) ln(0.3/0.5)
      {{0.5, 0.5}, {0.7, 0.3}, 0.2 * std::log(0.7 / 0.5) + -0.2 * std::log(0.3 / 0.5)},
      // A bin that is new counts as 1e-4 in training.
      {{1.0, 0.0}, {0.5, 0.5}, (0.5 - 1.0) * std::log(0.5 / 1.0) + (0.5 - 1e-4) * std::log(0.5 / 1e-4)},
      {{0.5, 0.5}, {0.0, 0.0}, 0.0},  // nothing live yet
  };
  for (const Case& c : cases) {
    EXPECT_NEAR(PopulationStabilityIndex(c.expected, c.live), c.psi, 1e-12);
  }
}

TEST(BinnedKsDistanceTest, Table) {
  struct Case {
    std::vector<double> expected;
    std::vector<double> live;
    double ks;
  };
  const Case cases[] = {
      {{0.5, 0.5}, {0.5, 0.5}, 0.0},
      {{0.5, 0.5}, {0.9, 0.1}, 0.4},
      {{0.25, 0.25, 0.25, 0.25}, {0.0, 0.0, 0.5, 0.5}, 0.5},
      {{0.1, 0.2, 0.7}, {0.1, 0.2, 0.7}, 0.0},
      {{1.0}, {1.0}, 0.0},  // one bin: no edge to compare at
  };
  for (const Case& c : cases) EXPECT_NEAR(BinnedKsDistance(c.expected, c.live), c.ks, 1e-12);
}

FeatureProfile NumberFeature() {
  FeatureProfile feature;
  feature.name = "x";
  feature.numeric = true;
  feature.count = 100;
  feature.missing_rate = 0.0;
  feature.numbers.min = 0;
  feature.numbers.max = 10;
  feature.numbers.stddev = 2;
  feature.numbers.edges = {5};
  feature.numbers.fractions = {0.5, 0.5};
  return feature;
}

FeatureProfile CategoryFeature() {
  FeatureProfile feature;
  feature.name = "city";
  feature.numeric = false;
  feature.count = 100;
  feature.categories.categories = {"a", "b"};
  feature.categories.fractions = {0.6, 0.4};
  return feature;
}

TEST(JudgeFeatureTest, Table) {
  struct Case {
    const char* label;
    bool numeric;
    std::vector<int64_t> bins;
    int64_t missing;
    int64_t below;
    int64_t above;
    MonitorState state;
    std::string first_reason_prefix;
  };
  const Case cases[] = {
      {"same distribution", true, {500, 500}, 0, 0, 0, MonitorState::kOk, ""},
      {"too few rows", true, {100, 0}, 0, 0, 0, MonitorState::kInsufficientData, ""},
      {"shifted", true, {100, 900}, 0, 0, 0, MonitorState::kAlert, "psi"},
      {"mildly shifted: ks warning only", true, {420, 580}, 0, 0, 0, MonitorState::kOk, ""},
      {"ks warning", true, {330, 670}, 0, 0, 0, MonitorState::kWarning, "ks"},
      {"out of range", true, {500, 500}, 0, 0, 300, MonitorState::kAlert, "out_of_range_rate"},
      {"missing rate rose", true, {400, 400}, 200, 0, 0, MonitorState::kAlert, "missing_rate_change"},
      {"categories as trained", false, {600, 400, 0}, 0, 0, 0, MonitorState::kOk, ""},
      {"30% unseen", false, {420, 280, 300}, 0, 0, 0, MonitorState::kAlert, "psi"},
      {"5% unseen", false, {570, 380, 50}, 0, 0, 0, MonitorState::kWarning, "psi"},
  };
  Thresholds thresholds;
  for (const Case& c : cases) {
    LiveCounts live{c.bins, c.missing, c.below, c.above};
    FeatureDrift drift = CompareFeature(c.numeric ? NumberFeature() : CategoryFeature(), live);
    JudgeFeature(thresholds, &drift);
    EXPECT_EQ(drift.state, c.state) << c.label << " psi " << drift.psi;
    if (!c.first_reason_prefix.empty()) {
      ASSERT_FALSE(drift.reasons.empty()) << c.label;
      EXPECT_EQ(drift.reasons[0].rfind(c.first_reason_prefix, 0), 0u) << c.label << ": " << drift.reasons[0];
    }
  }
}

TEST(JudgeFeatureTest, UnseenRateIsBeyondTrainingOther) {
  FeatureProfile feature = CategoryFeature();
  feature.categories.other_fraction = 0.2;
  feature.categories.fractions = {0.5, 0.3};
  std::vector<int64_t> bins = {500, 300, 200};
  FeatureDrift drift = CompareFeature(feature, LiveCounts{bins, 0, 0, 0});
  EXPECT_NEAR(drift.unseen_rate, 0.0, 1e-12);
  bins = {400, 200, 400};
  drift = CompareFeature(feature, LiveCounts{bins, 0, 0, 0});
  EXPECT_NEAR(drift.unseen_rate, 0.2, 1e-12);
}

FeatureDrift Drift(const char* name, double psi, MonitorState state) {
  FeatureDrift drift;
  drift.name = name;
  drift.live_rows = 1000;
  drift.psi = psi;
  drift.state = state;
  return drift;
}

TEST(JudgeModelTest, WorstStateAndItsCauses) {
  Thresholds thresholds;
  FeatureDrift a = Drift("a", 0.1, MonitorState::kOk);
  FeatureDrift b = Drift("b", 0.7, MonitorState::kAlert);
  FeatureDrift c = Drift("c", 0.9, MonitorState::kAlert);
  FeatureDrift d = Drift("d", 0.3, MonitorState::kWarning);
  FeatureDrift prediction = Drift("prediction", 0.0, MonitorState::kOk);
  std::vector<FeatureDrift> features = {a, b, c, d};
  ModelJudgement judgement = JudgeModel(features, prediction, 1000, thresholds);
  EXPECT_EQ(judgement.state, MonitorState::kAlert);
  EXPECT_EQ(judgement.causes, (std::vector<std::string>{"c", "b"}));

  features = {a, d};
  judgement = JudgeModel(features, prediction, 1000, thresholds);
  EXPECT_EQ(judgement.state, MonitorState::kWarning);
  EXPECT_EQ(judgement.causes, (std::vector<std::string>{"d"}));

  features = {a};
  prediction.state = MonitorState::kAlert;
  judgement = JudgeModel(features, prediction, 1000, thresholds);
  EXPECT_EQ(judgement.causes, (std::vector<std::string>{"prediction"}));

  judgement = JudgeModel(features, prediction, 10, thresholds);
  EXPECT_EQ(judgement.state, MonitorState::kInsufficientData);
  EXPECT_TRUE(judgement.causes.empty());
}

TEST(ValidateThresholdsTest, Table) {
  struct Case {
    const char* label;
    Thresholds thresholds;
    bool ok;
  };
  Thresholds defaults;
  Thresholds inverted;
  inverted.psi_warning = 0.6;
  Thresholds negative;
  negative.ks_alert = -1;
  Thresholds no_rows;
  no_rows.min_rows = 0;
  Thresholds nan;
  nan.unseen_alert = std::nan("");
  Thresholds off;
  off.far_outside_stddevs = 0;
  const Case cases[] = {{"defaults", defaults, true},  {"warning above alert", inverted, false},
                        {"negative", negative, false}, {"min_rows 0", no_rows, false},
                        {"nan", nan, false},           {"far-outside warning off", off, true}};
  for (const Case& c : cases) EXPECT_EQ(ValidateThresholds(c.thresholds).ok(), c.ok) << c.label;
}

TEST(IsFarOutsideTest, Table) {
  NumberProfile numbers;
  numbers.min = 0;
  numbers.max = 10;
  numbers.stddev = 2;
  EXPECT_FALSE(IsFarOutside(numbers, 5, 3));
  EXPECT_FALSE(IsFarOutside(numbers, 16, 3));
  EXPECT_TRUE(IsFarOutside(numbers, 16.5, 3));
  EXPECT_TRUE(IsFarOutside(numbers, -6.5, 3));
  numbers.stddev = 0;  // a constant feature: the scale is max(1, |bound|)
  numbers.min = numbers.max = 100;
  EXPECT_FALSE(IsFarOutside(numbers, 350, 3));
  EXPECT_TRUE(IsFarOutside(numbers, 401, 3));
}

}  // namespace
}  // namespace amp::monitoring
