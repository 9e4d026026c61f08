#include "training/classification_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace amp::training {
namespace {

using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Key;
using ::testing::Not;

// Expected values are scikit-learn 1.2's (accuracy_score, balanced_accuracy_score, precision/recall/f1_score with
// average="macro", roc_auc_score with multi_class="ovr", log_loss, confusion_matrix) on the same data.
TEST(ClassificationMetricsTest, MulticlassMatchesScikitLearn) {
  const std::vector<int32_t> actual = {0, 1, 2, 2, 1, 0, 2, 1};
  const std::vector<double> probabilities = {.7, .2, .1, .1, .6, .3, .2, .2, .6, .5, .1, .4,
                                             .3, .3, .4, .4, .4, .2, .1, .1, .8, .2, .5, .3};
  auto metrics = ClassificationMetrics(actual, probabilities, {"a", "b", "c"});
  EXPECT_DOUBLE_EQ(metrics["accuracy"], 0.75);
  EXPECT_DOUBLE_EQ(metrics["balanced_accuracy"], 0.7777777777777777);
  EXPECT_DOUBLE_EQ(metrics["precision_macro"], 0.7777777777777777);
  EXPECT_DOUBLE_EQ(metrics["recall_macro"], 0.7777777777777777);
  EXPECT_DOUBLE_EQ(metrics["f1_macro"], 0.7555555555555555);
  EXPECT_DOUBLE_EQ(metrics["roc_auc"], 0.938888888888889);
  EXPECT_DOUBLE_EQ(metrics["log_loss"], 0.6663963989273893);
  EXPECT_DOUBLE_EQ(metrics["precision[a]"], 2.0 / 3);
  EXPECT_DOUBLE_EQ(metrics["recall[b]"], 2.0 / 3);
  EXPECT_DOUBLE_EQ(metrics["f1[a]"], 0.8);
  const double want_confusion[3][3] = {{2, 0, 0}, {0, 2, 1}, {1, 0, 2}};
  const char* names[] = {"a", "b", "c"};
  for (int a = 0; a < 3; ++a) {
    for (int p = 0; p < 3; ++p) {
      EXPECT_EQ(metrics[std::string("confusion[") + names[a] + "][" + names[p] + "]"], want_confusion[a][p]);
    }
  }
}

TEST(ClassificationMetricsTest, BinaryMatchesScikitLearn) {
  const std::vector<int32_t> actual = {0, 0, 1, 1, 1, 0};
  const std::vector<double> positive = {.1, .4, .35, .8, .4, .6};
  std::vector<double> probabilities;
  for (double p : positive) probabilities.insert(probabilities.end(), {1.0 - p, p});
  auto metrics = ClassificationMetrics(actual, probabilities, {"no", "yes"});
  EXPECT_DOUBLE_EQ(metrics["accuracy"], 0.5);
  EXPECT_DOUBLE_EQ(metrics["balanced_accuracy"], 0.5);
  EXPECT_DOUBLE_EQ(metrics["roc_auc"], 0.6111111111111112);  // the two 0.4s tie across classes: a half
  EXPECT_NEAR(metrics["log_loss"], 0.6202888798308358, 1e-15);
  EXPECT_NEAR(metrics["f1_macro"], 0.48571428571428577, 1e-15);
}

TEST(ClassificationMetricsTest, EdgeCases) {
  EXPECT_THAT(ClassificationMetrics({}, {}, {"a", "b"}), IsEmpty());
  // One class only: AUC is undefined and omitted; a certain wrong answer is clipped, not infinite.
  auto metrics = ClassificationMetrics(std::vector<int32_t>{1, 1}, std::vector<double>{1.0, 0.0, 0.0, 1.0}, {"a", "b"});
  EXPECT_THAT(metrics, Not(Contains(Key("roc_auc"))));
  EXPECT_DOUBLE_EQ(metrics["accuracy"], 0.5);
  EXPECT_NEAR(metrics["log_loss"], -std::log(1e-15) / 2, 1e-9);
  // A class never predicted has precision 0 (zero_division=0), and still counts in the macro average.
  EXPECT_DOUBLE_EQ(metrics["precision[b]"], 1.0);
  EXPECT_DOUBLE_EQ(metrics["precision[a]"], 0.0);
  EXPECT_DOUBLE_EQ(metrics["precision_macro"], 0.5);
}

TEST(ClassificationMetricsTest, RocAucTable) {
  struct Case {
    std::vector<double> scores;
    std::vector<bool> positive;
    double want;
  } cases[] = {
      {{0.1, 0.2, 0.3, 0.4}, {false, false, true, true}, 1.0},
      {{0.1, 0.2, 0.3, 0.4}, {true, true, false, false}, 0.0},
      {{0.5, 0.5, 0.5, 0.5}, {true, false, true, false}, 0.5},
      {{0.1, 0.4, 0.35, 0.8}, {false, false, true, true}, 0.75},
  };
  for (const Case& c : cases) EXPECT_DOUBLE_EQ(RocAuc(c.scores, c.positive), c.want);
  EXPECT_TRUE(std::isnan(RocAuc(std::vector<double>{0.3, 0.4}, {true, true})));
}

}  // namespace
}  // namespace amp::training
