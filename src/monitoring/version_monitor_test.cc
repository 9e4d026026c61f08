#include "monitoring/version_monitor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <thread>

#include "monitoring/prediction_memory.h"

namespace amp::monitoring {
namespace {

ml::ModelSignature Signature(bool classifier = false) {
  ml::ModelSignature signature;
  signature.target = "y";
  signature.features = {{"x", data::ColumnType::kNumeric}, {"city", data::ColumnType::kCategorical}};
  if (classifier) {
    signature.task = ml::Task::kBinaryClassification;
    signature.classes = {"no", "yes"};
  }
  return signature;
}

// 1,000 training rows: x ~ N(10, 2), city a (60%) or b (40%); predictions 2x.
struct Data {
  std::vector<std::string> cities;
  std::vector<ml::FeatureValue> rows;
  std::vector<double> predictions;
};

Data MakeData(size_t count, double shift, double unseen_share, uint32_t seed) {
  std::mt19937 random(seed);
  std::normal_distribution<double> normal(10, 2);
  std::uniform_real_distribution<double> uniform(0, 1);
  Data data;
  data.cities.reserve(count);
  for (size_t row_idx = 0; row_idx < count; ++row_idx) {
    double u = uniform(random);
    data.cities.push_back(u < unseen_share ? "z" : (uniform(random) < 0.6 ? "a" : "b"));
  }
  for (size_t row_idx = 0; row_idx < count; ++row_idx) {
    double x = normal(random) + shift;
    data.rows.push_back(ml::FeatureValue::Number(x));
    data.rows.push_back(ml::FeatureValue::Text(data.cities[row_idx]));
    data.predictions.push_back(2 * x);
  }
  return data;
}

class VersionMonitorTest : public ::testing::Test {
 protected:
  std::unique_ptr<VersionMonitor> MakeMonitor(PredictionMemory* memory = nullptr) {
    Data training = MakeData(1000, 0, 0, 1);
    TrainingProfile profile = BuildTrainingProfile(Signature(), training.rows, 1000, training.predictions);
    return std::make_unique<VersionMonitor>("mdl_1", "m", 1, Signature(), profile, clock_, WindowOptions{60, 10, 4},
                                            memory);
  }
  void Feed(VersionMonitor& monitor, const Data& data, ml::PredictionNotes* notes = nullptr) {
    ml::PredictionNotes scratch;
    monitor.Observe(data.rows, data.predictions.size(), data.predictions, {}, 0, "", notes ? notes : &scratch);
  }
  core::FakeClock clock_;
};

TEST_F(VersionMonitorTest, SameDistributionIsOk) {
  auto monitor = MakeMonitor();
  Feed(*monitor, MakeData(2000, 0, 0, 2));
  MonitorReport report = monitor->Evaluate(Thresholds{});
  EXPECT_EQ(report.rows, 2000);
  EXPECT_EQ(report.judgement.state, MonitorState::kOk) << report.features[0].psi;
  ASSERT_EQ(report.features.size(), 2u);
  EXPECT_LT(report.features[0].psi, 0.05);
  EXPECT_LT(*report.features[0].ks, 0.05);
}

TEST_F(VersionMonitorTest, AShiftOfOneStddevAlertsOnThatFeatureAndThePrediction) {
  auto monitor = MakeMonitor();
  Feed(*monitor, MakeData(500, 2, 0, 3));
  MonitorReport report = monitor->Evaluate(Thresholds{});
  EXPECT_EQ(report.judgement.state, MonitorState::kAlert);
  EXPECT_EQ(report.features[0].state, MonitorState::kAlert);
  EXPECT_EQ(report.features[1].state, MonitorState::kOk);
  EXPECT_NE(std::find(report.judgement.causes.begin(), report.judgement.causes.end(), "x"),
            report.judgement.causes.end());
  EXPECT_EQ(report.prediction.state, MonitorState::kAlert);
}

TEST_F(VersionMonitorTest, ANewCategoryAlertsOnThatFeature) {
  auto monitor = MakeMonitor();
  Feed(*monitor, MakeData(500, 0, 0.3, 4));
  MonitorReport report = monitor->Evaluate(Thresholds{});
  EXPECT_EQ(report.judgement.state, MonitorState::kAlert);
  EXPECT_EQ(report.judgement.causes, std::vector<std::string>{"city"});
  EXPECT_NEAR(report.features[1].unseen_rate, 0.3, 0.06);
}

TEST_F(VersionMonitorTest, OldBucketsLeaveTheWindow) {
  auto monitor = MakeMonitor();
  Feed(*monitor, MakeData(500, 2, 0, 5));
  EXPECT_EQ(monitor->Evaluate(Thresholds{}).judgement.state, MonitorState::kAlert);
  clock_.AdvanceMicros(5 * 60'000'000LL);
  Feed(*monitor, MakeData(1000, 0, 0, 6));
  MonitorReport mixed = monitor->Evaluate(Thresholds{});
  EXPECT_EQ(mixed.rows, 1500);
  clock_.AdvanceMicros(6 * 60'000'000LL);  // the shifted bucket is now 11 minutes old, the window 10
  Feed(*monitor, MakeData(1000, 0, 0, 7));
  MonitorReport later = monitor->Evaluate(Thresholds{});
  EXPECT_EQ(later.rows, 2000);
  EXPECT_EQ(later.judgement.state, MonitorState::kOk);
  ASSERT_EQ(later.series.size(), 10u);
  EXPECT_EQ(later.series.back().rows, 1000);
}

TEST_F(VersionMonitorTest, ConcurrentWritersLoseNothingWithinABucket) {
  auto monitor = MakeMonitor();
  Data data = MakeData(100, 0, 0, 10);
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < 6; ++thread_idx) {
    threads.emplace_back([&] {
      for (int repeat = 0; repeat < 200; ++repeat) {
        monitor->Observe(data.rows, 100, data.predictions, {}, 0, "", nullptr);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  MonitorReport report = monitor->Evaluate(Thresholds{});
  EXPECT_EQ(report.rows, 6 * 200 * 100);
  EXPECT_EQ(report.features[0].live_rows, 6 * 200 * 100);
  EXPECT_EQ(report.prediction.live_rows, 6 * 200 * 100);
}

TEST_F(VersionMonitorTest, FarOutsideValuesWarnInTheResponse) {
  auto monitor = MakeMonitor();
  std::string city = "a";
  std::vector<ml::FeatureValue> rows = {ml::FeatureValue::Number(1000), ml::FeatureValue::Text(city),
                                        ml::FeatureValue::Number(10), ml::FeatureValue::Text(city)};
  std::vector<double> predictions = {2000, 20};
  ml::PredictionNotes notes;
  monitor->Observe(rows, 2, predictions, {}, 0, "", &notes);
  ASSERT_EQ(notes.warnings.size(), 1u);
  EXPECT_NE(notes.warnings[0].find("'x' = 1000 is far outside its training range"), std::string::npos)
      << notes.warnings[0];
  monitor->SetFarOutsideStddevs(0);
  notes.Clear();
  monitor->Observe(rows, 2, predictions, {}, 0, "", &notes);
  EXPECT_TRUE(notes.warnings.empty());
}

TEST_F(VersionMonitorTest, FeedbackGivesRmseAndMae) {
  auto monitor = MakeMonitor();
  monitor->RecordOutcome(10, 0, 13);
  monitor->RecordOutcome(10, 0, 6);
  clock_.AdvanceMicros(60'000'000);
  monitor->RecordOutcome(5, 0, 5);
  MonitorReport report = monitor->Evaluate(Thresholds{});
  EXPECT_EQ(report.feedback.rows, 3);
  EXPECT_NEAR(report.feedback.rmse, std::sqrt((9.0 + 16.0 + 0.0) / 3), 1e-12);
  EXPECT_NEAR(report.feedback.mae, 7.0 / 3, 1e-12);
  EXPECT_EQ(report.series.back().feedback.rows, 1);
}

TEST_F(VersionMonitorTest, ClassifierFeedbackGivesAccuracyAndAuc) {
  ml::ModelSignature signature = Signature(true);
  VersionMonitor monitor("mdl_2", "c", 1, signature, std::nullopt, clock_, WindowOptions{60, 10, 4}, nullptr);
  // Scores 0.9 (yes), 0.8 (no), 0.3 (yes), 0.1 (no): pairs (pos, neg) ordered right: (0.9,0.8) (0.9,0.1) (0.3,0.1).
  monitor.RecordOutcome(1, 0.9, 1);
  monitor.RecordOutcome(1, 0.8, 0);
  monitor.RecordOutcome(0, 0.3, 1);
  monitor.RecordOutcome(0, 0.1, 0);
  MonitorReport report = monitor.Evaluate(Thresholds{});
  EXPECT_NEAR(report.feedback.accuracy, 0.5, 1e-12);
  ASSERT_TRUE(report.feedback.roc_auc);
  EXPECT_NEAR(*report.feedback.roc_auc, 0.75, 1e-12);
  EXPECT_EQ(report.judgement.state, MonitorState::kInsufficientData);  // no profile
}

TEST_F(VersionMonitorTest, RemembersPredictionsByRequestId) {
  PredictionMemory memory(1024);
  auto monitor = MakeMonitor(&memory);
  Data data = MakeData(3, 0, 0, 8);
  monitor->Observe(data.rows, 3, data.predictions, {}, 0, "req-1", nullptr);
  for (uint32_t row = 0; row < 3; ++row) {
    auto found = memory.Find("req-1", row);
    ASSERT_TRUE(found) << row;
    EXPECT_EQ(found->prediction, data.predictions[row]);
    EXPECT_EQ(found->monitor, monitor.get());
  }
  EXPECT_FALSE(memory.Find("req-1", 3));
  EXPECT_FALSE(memory.Find("req-2", 0));
}

TEST_F(VersionMonitorTest, StaysUnderOneMegabyte) {
  auto monitor = MakeMonitor();
  EXPECT_LT(monitor->MemoryBytes(), 1 << 20);
  // A wide model (200 number features): fewer shards keep it near the budget.
  ml::ModelSignature wide;
  std::vector<ml::FeatureValue> rows;
  for (int feature_idx = 0; feature_idx < 200; ++feature_idx) {
    wide.features.push_back({"f" + std::to_string(feature_idx), data::ColumnType::kNumeric});
  }
  for (int row_idx = 0; row_idx < 100; ++row_idx) {
    for (int feature_idx = 0; feature_idx < 200; ++feature_idx) {
      rows.push_back(ml::FeatureValue::Number(row_idx * 1.0 + feature_idx));
    }
  }
  std::vector<double> predictions(100, 1.0);
  TrainingProfile profile = BuildTrainingProfile(wide, rows, 100, predictions);
  VersionMonitor wide_monitor("mdl_3", "w", 1, wide, profile, clock_, WindowOptions{}, nullptr);
  EXPECT_LT(wide_monitor.MemoryBytes(), 1 << 20);
}

TEST(PredictionMemoryTest, ForgetsTheOldestBeyondCapacity) {
  PredictionMemory memory(160);
  for (int idx = 0; idx < 1000; ++idx) {
    memory.Remember("id-" + std::to_string(idx), 0, RememberedPrediction{nullptr, static_cast<double>(idx), 0, 0});
  }
  EXPECT_FALSE(memory.Find("id-0", 0));
  int found_recent = 0;
  for (int idx = 990; idx < 1000; ++idx) {
    auto found = memory.Find("id-" + std::to_string(idx), 0);
    if (found) {
      ++found_recent;
      EXPECT_EQ(found->prediction, idx);
    }
  }
  EXPECT_GE(found_recent, 9);  // best effort: a set may push out an entry early, rarely
  std::string long_id(200, 'a');
  memory.Remember(long_id, 0, RememberedPrediction{});
  EXPECT_FALSE(memory.Find(long_id, 0));
}

TEST(TrainingProfileTest, RoundTripsAndBinsByDeciles) {
  Data data = MakeData(1000, 0, 0, 9);
  TrainingProfile profile = BuildTrainingProfile(Signature(), data.rows, 1000, data.predictions);
  ASSERT_EQ(profile.features.size(), 2u);
  const NumberProfile& x = profile.features[0].numbers;
  EXPECT_EQ(x.edges.size(), 9u);
  for (double fraction : x.fractions) EXPECT_NEAR(fraction, 0.1, 0.002);
  EXPECT_EQ(profile.features[1].categories.categories[0], "a");
  EXPECT_FALSE(profile.prediction.categories.categories.size());
  EXPECT_TRUE(profile.prediction.numeric);

  auto decoded = DecodeTrainingProfile(EncodeTrainingProfile(profile));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->features[0].numbers.edges, x.edges);
  EXPECT_EQ(decoded->features[0].numbers.fractions, x.fractions);
  EXPECT_EQ(decoded->features[1].categories.categories, profile.features[1].categories.categories);
  EXPECT_EQ(decoded->prediction.numbers.max, profile.prediction.numbers.max);
  EXPECT_FALSE(DecodeTrainingProfile("{\"format\": \"other\"}").ok());
  EXPECT_FALSE(DecodeTrainingProfile("not json").ok());
}

TEST(TrainingProfileTest, FewDistinctValuesGiveFewerBinsAndMissingRates) {
  ml::ModelSignature signature;
  signature.features = {{"flag", data::ColumnType::kInteger}};
  std::vector<ml::FeatureValue> rows;
  for (int idx = 0; idx < 100; ++idx) {
    rows.push_back(idx % 10 == 0 ? ml::FeatureValue::Missing() : ml::FeatureValue::Number(idx % 2));
  }
  std::vector<double> predictions(100, 0);
  TrainingProfile profile = BuildTrainingProfile(signature, rows, 100, predictions);
  EXPECT_EQ(profile.features[0].numbers.edges, std::vector<double>{1});
  EXPECT_NEAR(profile.features[0].missing_rate, 0.1, 1e-12);
  EXPECT_NEAR(profile.features[0].numbers.fractions[0], 40.0 / 90, 1e-12);
}

}  // namespace
}  // namespace amp::monitoring
