#include "training/evaluation_curves.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cmath>
#include <random>

#include "training/classification_metrics.h"

namespace amp::training {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::Pointwise;

// Binary probabilities (rows x 2) from the second class's scores.
std::vector<double> BinaryProbabilities(const std::vector<double>& scores) {
  std::vector<double> probabilities;
  for (double score : scores) {
    probabilities.push_back(1.0 - score);
    probabilities.push_back(score);
  }
  return probabilities;
}

double TrapezoidArea(const std::vector<double>& x, const std::vector<double>& y) {
  double area = 0.0;
  for (size_t point = 1; point < x.size(); ++point) area += (x[point] - x[point - 1]) * (y[point] + y[point - 1]) / 2;
  return area;
}

TEST(ClassificationCurvesTest, BinaryCurveByHand) {
  // Scores of "yes" with ties at 0.4 across both classes; worked out by hand (and as sklearn's roc_curve with
  // drop_intermediate, precision_recall_curve and average_precision_score give them).
  const std::vector<int32_t> actual = {0, 0, 1, 1, 0, 1, 1, 0};
  const std::vector<double> scores = {0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.4, 0.2};
  EvaluationCurves curves = ClassificationCurves(actual, BinaryProbabilities(scores), {"no", "yes"});
  ASSERT_EQ(curves.roc.size(), 1u);
  const RocCurve& roc = curves.roc[0];
  EXPECT_EQ(roc.class_label, "yes");
  EXPECT_DOUBLE_EQ(roc.auc, 13.0 / 16.0);
  EXPECT_THAT(roc.false_positive_rate, ElementsAre(0, 0, 0.5, 0.5, 1));
  EXPECT_THAT(roc.true_positive_rate, ElementsAre(0, 0.5, 0.75, 1, 1));
  EXPECT_THAT(roc.thresholds, ElementsAre(INFINITY, 0.8, 0.4, 0.35, 0.1));
  EXPECT_DOUBLE_EQ(TrapezoidArea(roc.false_positive_rate, roc.true_positive_rate), roc.auc);

  ASSERT_EQ(curves.precision_recall.size(), 1u);
  const PrecisionRecallCurve& pr = curves.precision_recall[0];
  EXPECT_NEAR(pr.average_precision, 0.25 + 0.25 + 0.25 * 0.6 + 0.25 * 4.0 / 6.0, 1e-12);
  EXPECT_THAT(pr.recall, ElementsAre(0, 0.25, 0.5, 0.75, 1, 1, 1));
  EXPECT_THAT(pr.precision, Pointwise(DoubleNear(1e-12), {1.0, 1.0, 1.0, 0.6, 4.0 / 6, 4.0 / 7, 0.5}));
  EXPECT_FALSE(curves.has_residuals);
}

TEST(ClassificationCurvesTest, LargeHoldoutIsThinnedButKeepsTheExactAuc) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<int32_t> actual;
  std::vector<double> scores;
  for (int row_idx = 0; row_idx < 5000; ++row_idx) {
    const bool positive = uniform(rng) < 0.3;
    actual.push_back(positive ? 1 : 0);
    scores.push_back(std::min(1.0, uniform(rng) * 0.8 + (positive ? 0.25 : 0.0)));
  }
  EvaluationCurves curves = ClassificationCurves(actual, BinaryProbabilities(scores), {"a", "b"});
  ASSERT_EQ(curves.roc.size(), 1u);
  const RocCurve& roc = curves.roc[0];
  EXPECT_LE(roc.false_positive_rate.size(), kMaxCurvePoints);
  EXPECT_GT(roc.false_positive_rate.size(), kMaxCurvePoints / 2);
  EXPECT_EQ(roc.false_positive_rate.front(), 0.0);
  EXPECT_EQ(roc.true_positive_rate.front(), 0.0);
  EXPECT_EQ(roc.false_positive_rate.back(), 1.0);
  EXPECT_EQ(roc.true_positive_rate.back(), 1.0);
  std::vector<bool> positive(actual.begin(), actual.end());
  EXPECT_DOUBLE_EQ(roc.auc, RocAuc(scores, positive));
  EXPECT_NEAR(TrapezoidArea(roc.false_positive_rate, roc.true_positive_rate), roc.auc, 0.005);
  EXPECT_TRUE(std::is_sorted(roc.false_positive_rate.begin(), roc.false_positive_rate.end()));
  EXPECT_LE(curves.precision_recall[0].recall.size(), kMaxCurvePoints);
}

TEST(ClassificationCurvesTest, MulticlassOneVsRestSkipsAbsentClassesAndCapsTheCount) {
  struct Case {
    const char* name;
    size_t classes;
    std::vector<int32_t> actual;  // probability 1 on the actual class
    size_t curves;
    int64_t omitted;
  };
  std::vector<int32_t> every_class;
  for (int32_t class_idx = 0; class_idx < 22; ++class_idx) every_class.push_back(class_idx);
  const Case cases[] = {
      {"three classes, one absent", 3, {0, 2, 0, 2}, 2, 0},
      {"22 classes", 22, every_class, kMaxCurveClasses, 2},
      {"one class only", 3, {1, 1}, 0, 0},
  };
  for (const Case& c : cases) {
    std::vector<std::string> classes;
    for (size_t class_idx = 0; class_idx < c.classes; ++class_idx) classes.push_back("c" + std::to_string(class_idx));
    std::vector<double> probabilities(c.actual.size() * c.classes, 0.0);
    for (size_t row_idx = 0; row_idx < c.actual.size(); ++row_idx) {
      probabilities[row_idx * c.classes + static_cast<size_t>(c.actual[row_idx])] = 1.0;
    }
    EvaluationCurves curves = ClassificationCurves(c.actual, probabilities, classes);
    EXPECT_EQ(curves.roc.size(), c.curves) << c.name;
    EXPECT_EQ(curves.precision_recall.size(), c.curves) << c.name;
    EXPECT_EQ(curves.classes_omitted, c.omitted) << c.name;
    for (const RocCurve& roc : curves.roc) EXPECT_DOUBLE_EQ(roc.auc, 1.0) << c.name << " " << roc.class_label;
  }
  EvaluationCurves three =
      ClassificationCurves(std::vector<int32_t>{0, 2, 0, 2}, std::vector<double>(12, 1.0 / 3), {"x", "y", "z"});
  ASSERT_EQ(three.roc.size(), 2u);
  EXPECT_EQ(three.roc[0].class_label, "x");
  EXPECT_EQ(three.roc[1].class_label, "z");
}

TEST(RegressionCurvesTest, SampleAndResidualHistogram) {
  struct Case {
    const char* name;
    std::vector<double> actual, predicted;
    std::vector<double> sample_actual;
    std::vector<int64_t> counts;
  };
  const Case cases[] = {
      {"empty", {}, {}, {}, {}},
      // residuals -0.5, 0, 1: two bins of width 0.75.
      {"small", {1, 2, 3}, {1.5, 2, 2}, {1, 2, 3}, {2, 1}},
  };
  for (const Case& c : cases) {
    EvaluationCurves curves = RegressionCurves(c.actual, c.predicted);
    EXPECT_EQ(curves.has_residuals, !c.actual.empty()) << c.name;
    EXPECT_EQ(curves.residuals.actual, c.sample_actual) << c.name;
    EXPECT_EQ(curves.residuals.histogram.counts, c.counts) << c.name;
    EXPECT_TRUE(curves.roc.empty());
  }
  std::vector<double> actual, predicted;
  for (int row_idx = 0; row_idx < 1200; ++row_idx) {
    actual.push_back(row_idx);
    predicted.push_back(row_idx + std::sin(row_idx));
  }
  EvaluationCurves curves = RegressionCurves(actual, predicted);
  EXPECT_EQ(curves.residuals.rows, 1200);
  ASSERT_EQ(curves.residuals.actual.size(), kMaxResidualPoints);
  EXPECT_EQ(curves.residuals.actual[1], 2.0);  // every 1200/500th row
  EXPECT_EQ(curves.residuals.predicted[1], predicted[2]);
  int64_t total = 0;
  for (int64_t count : curves.residuals.histogram.counts) total += count;
  EXPECT_EQ(total, 1200);
}

TEST(EvaluationCurvesToJsonTest, Shapes) {
  EXPECT_EQ(EvaluationCurvesToJson({}), "");
  const std::vector<int32_t> actual = {0, 1, 1, 0};
  std::string text =
      EvaluationCurvesToJson(ClassificationCurves(actual, BinaryProbabilities({0.2, 0.7, 0.6, 0.65}), {"n", "p"}));
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  ASSERT_FALSE(doc.HasParseError()) << text;
  ASSERT_TRUE(doc["roc"].IsArray());
  const rapidjson::Value& roc = doc["roc"][0];
  EXPECT_STREQ(roc["class"].GetString(), "p");
  EXPECT_DOUBLE_EQ(roc["auc"].GetDouble(), 0.75);
  EXPECT_TRUE(roc["thresholds"][0].IsNull());  // +inf
  EXPECT_EQ(roc["fpr"].Size(), roc["tpr"].Size());
  EXPECT_TRUE(doc["precision_recall"][0]["average_precision"].IsNumber());
  EXPECT_EQ(doc["classes_omitted"].GetInt(), 0);
  EXPECT_FALSE(doc.HasMember("residuals"));

  text = EvaluationCurvesToJson(RegressionCurves(std::vector<double>{1, 2, 3}, std::vector<double>{1.5, 2, 2}));
  doc.Parse(text.c_str());
  ASSERT_FALSE(doc.HasParseError()) << text;
  EXPECT_FALSE(doc.HasMember("roc"));
  const rapidjson::Value& residuals = doc["residuals"];
  EXPECT_EQ(residuals["rows"].GetInt(), 3);
  EXPECT_DOUBLE_EQ(residuals["predicted"][0].GetDouble(), 1.5);
  EXPECT_EQ(residuals["histogram"]["edges"].Size(), 3u);
  EXPECT_EQ(residuals["histogram"]["counts"].Size(), 2u);
}

}  // namespace
}  // namespace amp::training
