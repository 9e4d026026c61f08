#include "training/one_standard_error_rule.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace amp::training {
namespace {

struct RuleCase {
  std::string name;
  std::vector<ScoredModel> models;
  size_t expected;
};

TEST(PickWithinOneStandardErrorTest, PrefersTheSimplestWithinOneStandardError) {
  const std::vector<RuleCase> cases = {
      {"one model", {{0, {1.0, 2.0}}}, 0},
      // Differences from the best (model 1): 0.1, 0.3, -0.1: mean 0.1, sd 0.2, standard error 0.2 / sqrt(3) = 0.115.
      {"simpler and within", {{0, {1.1, 1.3, 0.9}}, {2, {1.0, 1.0, 1.0}}}, 0},
      // Differences 0.3, 0.3, 0.3: the mean 0.3 is consistent across folds, standard error 0: not within.
      {"simpler but consistently worse", {{0, {1.3, 1.3, 1.3}}, {2, {1.0, 1.0, 1.0}}}, 1},
      // The same mean gap of 0.3 with differences 0.9, 0.3, -0.3 (sd 0.6, standard error 0.346): within.
      {"simpler and worse within the noise", {{0, {1.9, 1.3, 0.7}}, {2, {1.0, 1.0, 1.0}}}, 0},
      // Two simpler models within: the one with the lower mean.
      {"the better of two as simple", {{1, {1.1, 1.3, 0.9}}, {1, {1.05, 1.25, 0.9}}, {2, {1.0, 1.0, 1.0}}}, 1},
      // The simplest within wins over a less complex one that is also within.
      {"the simplest of several", {{2, {1.0, 1.0, 1.0}}, {1, {1.05, 1.1, 0.95}}, {0, {1.1, 1.3, 0.9}}}, 2},
      // The best is already the simplest: nothing else is considered.
      {"best and simplest", {{0, {1.0, 1.0, 1.0}}, {2, {1.0, 1.0, 1.0}}}, 0},
      // Equal means: the first is the best; the second, as complex and not better, is not preferred.
      {"ties keep the first", {{1, {1.0, 2.0}}, {1, {2.0, 1.0}}}, 0},
  };
  for (const RuleCase& test : cases) {
    SCOPED_TRACE(test.name);
    EXPECT_EQ(PickWithinOneStandardError(test.models).pick, test.expected);
  }
}

TEST(PickWithinOneStandardErrorTest, ReportsTheDifferenceAndItsStandardError) {
  // Differences from the best (model 1): 0.9, 0.3, -0.3: mean 0.3, sd 0.6, standard error 0.6 / sqrt(3).
  const std::vector<ScoredModel> models = {{0, {1.9, 1.3, 0.7}}, {2, {1.0, 1.0, 1.0}}};
  const OneStandardErrorPick pick = PickWithinOneStandardError(models);
  EXPECT_EQ(pick.pick, 0u);
  EXPECT_EQ(pick.best, 1u);
  EXPECT_NEAR(pick.mean_difference, 0.3, 1e-12);
  EXPECT_NEAR(pick.standard_error, 0.6 / std::sqrt(3.0), 1e-12);
  // The best picked: nothing to report.
  const std::vector<ScoredModel> alone = {{0, {1.0, 1.0}}};
  EXPECT_EQ(PickWithinOneStandardError(alone).pick, 0u);
  EXPECT_EQ(PickWithinOneStandardError(alone).mean_difference, 0.0);
}

}  // namespace
}  // namespace amp::training
