#include "training/regression_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace amp::training {
namespace {

using ::testing::IsEmpty;
using ::testing::Key;
using ::testing::UnorderedElementsAre;

TEST(RegressionMetricsTest, HandComputedValues) {
  struct Case {
    std::string name;
    std::vector<double> actual;
    std::vector<double> predicted;
    double want_rmse;
    double want_mae;
    double want_r2;
  };
  const std::vector<Case> cases = {
      // residuals 0.5, 0, -1, 1.5; SSE 3.5; mean 4.5, SST 2.25+0.25+0.25+2.25 = 5.
      {"four rows", {3.0, 4.0, 5.0, 6.0}, {2.5, 4.0, 6.0, 4.5}, std::sqrt(3.5 / 4), 3.0 / 4, 1.0 - 3.5 / 5},
      {"perfect", {1.0, 2.0, 3.0}, {1.0, 2.0, 3.0}, 0.0, 0.0, 1.0},
      // Predicting the mean gives r2 = 0: residuals -1, 1, SSE 2, SST 2.
      {"mean predictor", {1.0, 3.0}, {2.0, 2.0}, 1.0, 1.0, 0.0},
      // Worse than the mean gives a negative r2: residuals -2, 2, SSE 8, SST 2.
      {"anti-correlated", {1.0, 3.0}, {3.0, 1.0}, 2.0, 2.0, -3.0},
      // sklearn's r2_score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]) = 0.9486081370449679
      {"sklearn docs example",
       {3.0, -0.5, 2.0, 7.0},
       {2.5, 0.0, 2.0, 8.0},
       std::sqrt(1.5 / 4),
       2.0 / 4,
       0.9486081370449679},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::map<std::string, double> metrics = RegressionMetrics(c.actual, c.predicted);
    ASSERT_THAT(metrics, UnorderedElementsAre(Key("rmse"), Key("mae"), Key("r2")));
    EXPECT_NEAR(metrics["rmse"], c.want_rmse, 1e-12);
    EXPECT_NEAR(metrics["mae"], c.want_mae, 1e-12);
    EXPECT_NEAR(metrics["r2"], c.want_r2, 1e-12);
  }
}

TEST(RegressionMetricsTest, ConstantTargetsHaveNoR2) {
  std::map<std::string, double> metrics =
      RegressionMetrics(std::vector<double>{5.0, 5.0, 5.0}, std::vector<double>{4.0, 5.0, 7.0});
  EXPECT_THAT(metrics, UnorderedElementsAre(Key("rmse"), Key("mae")));
  EXPECT_NEAR(metrics["rmse"], std::sqrt(5.0 / 3), 1e-12);
  EXPECT_NEAR(metrics["mae"], 1.0, 1e-12);

  // A single row is constant too.
  metrics = RegressionMetrics(std::vector<double>{2.0}, std::vector<double>{-1.0});
  EXPECT_THAT(metrics, UnorderedElementsAre(Key("rmse"), Key("mae")));
  EXPECT_EQ(metrics["rmse"], 3.0);
  EXPECT_EQ(metrics["mae"], 3.0);
}

TEST(RegressionMetricsTest, EmptyOrMismatchedInputGivesNoMetrics) {
  EXPECT_THAT(RegressionMetrics({}, {}), IsEmpty());
  EXPECT_THAT(RegressionMetrics(std::vector<double>{1.0, 2.0}, std::vector<double>{1.0}), IsEmpty());
}

}  // namespace
}  // namespace amp::training
