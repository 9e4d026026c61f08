#include "training/ensemble_selection.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace amp::training {
namespace {

std::vector<int64_t> AllRows(size_t count) {
  std::vector<int64_t> rows;
  for (size_t row_idx = 0; row_idx < count; ++row_idx) rows.push_back(static_cast<int64_t>(row_idx));
  return rows;
}

struct SelectionCase {
  std::string name;
  EnsembleLoss loss;
  std::vector<std::vector<double>> candidates;
  std::vector<double> targets;  // kRmse only
  int steps;
  std::vector<double> weights;  // expected
  double loss_value;            // expected
};

TEST(SelectEnsembleTest, ChoosesTheWeightsOfTheBestStep) {
  const std::vector<SelectionCase> cases = {
      {"a perfect candidate alone", EnsembleLoss::kLogLoss, {{1.0, 1.0}, {0.5, 0.5}}, {}, 10, {1.0, 0.0}, 0.0},
      {"equals: the lowest index",
       EnsembleLoss::kRmse,
       {{1.0, 2.0}, {1.0, 2.0}},
       {0.0, 0.0},
       5,
       {1.0, 0.0},
       std::sqrt(2.5)},
      // Errors of opposite sign cancel in the average: step 2 reaches 0, later steps only lose.
      {"two opposite errors", EnsembleLoss::kRmse, {{1, 1, -1, -1}, {-1, -1, 1, 1}}, {0, 0, 0, 0}, 20, {0.5, 0.5}, 0.0},
      // (2 * 2 + (-4)) / 3 = 0: the second candidate is picked once, the first twice.
      {"two to one", EnsembleLoss::kRmse, {{2, 2}, {-4, -4}}, {0, 0}, 10, {2.0 / 3.0, 1.0 / 3.0}, 0.0},
      // Each is confidently wrong on one row: their average gives 0.5 to both rows' classes, log loss ln 2.
      {"confident mistakes average out",
       EnsembleLoss::kLogLoss,
       {{0.9, 0.1}, {0.1, 0.9}},
       {},
       10,
       {0.5, 0.5},
       std::log(2.0)},
      {"one step is the best candidate",
       EnsembleLoss::kLogLoss,
       {{0.6, 0.6}, {0.8, 0.7}, {0.5, 0.9}},
       {},
       1,
       {0.0, 1.0, 0.0},
       -(std::log(0.8) + std::log(0.7)) / 2},
      // A useless second candidate is never picked; its probability of 0 is clipped, not infinite.
      {"clipped zero", EnsembleLoss::kLogLoss, {{0.9, 0.9}, {0.0, 0.0}}, {}, 3, {1.0, 0.0}, -std::log(0.9)},
  };
  for (const SelectionCase& test : cases) {
    SCOPED_TRACE(test.name);
    const EnsembleSelection selection =
        SelectEnsemble(test.candidates, test.loss, test.targets, AllRows(test.candidates.front().size()), test.steps);
    ASSERT_EQ(selection.weights.size(), test.weights.size());
    for (size_t idx = 0; idx < test.weights.size(); ++idx) EXPECT_DOUBLE_EQ(selection.weights[idx], test.weights[idx]);
    EXPECT_NEAR(selection.loss, test.loss_value, 1e-12);
    EXPECT_NEAR(EnsembleLossOf(test.candidates, selection.weights, test.loss, test.targets,
                               AllRows(test.candidates.front().size())),
                test.loss_value, 1e-12);
  }
}

TEST(SelectEnsembleTest, LooksOnlyAtTheGivenRows) {
  // The first candidate is right on rows 0 and 1, the second on rows 2 and 3.
  const std::vector<std::vector<double>> candidates = {{0, 0, 5, 5}, {5, 5, 0, 0}};
  const std::vector<double> targets = {0, 0, 0, 0};
  const std::vector<int64_t> first_half = {0, 1};
  const std::vector<int64_t> second_half = {2, 3};
  EXPECT_EQ(SelectEnsemble(candidates, EnsembleLoss::kRmse, targets, first_half, 10).weights,
            (std::vector<double>{1.0, 0.0}));
  EXPECT_EQ(SelectEnsemble(candidates, EnsembleLoss::kRmse, targets, second_half, 10).weights,
            (std::vector<double>{0.0, 1.0}));
}

TEST(CrossValidateEnsembleTest, ScoresEachFoldWithWeightsChosenOnTheOthers) {
  // Over all rows the even blend has RMSE 2.5; but selected on one fold, each fold's ensemble is the candidate that
  // is right there and wrong on the other fold: the honest estimate is 5, not the in-sample 2.5.
  const std::vector<std::vector<double>> candidates = {{0, 0, 5, 5}, {5, 5, 0, 0}};
  const std::vector<double> targets = {0, 0, 0, 0};
  const std::vector<int> fold_of = {0, 0, 1, 1};
  const EnsembleEstimate estimate = CrossValidateEnsemble(candidates, EnsembleLoss::kRmse, targets, fold_of, 2, 10);
  EXPECT_EQ(estimate.weights, (std::vector<double>{0.5, 0.5}));
  EXPECT_EQ(estimate.fold_scores, (std::vector<double>{5.0, 5.0}));
  EXPECT_DOUBLE_EQ(estimate.mean, 5.0);
  EXPECT_DOUBLE_EQ(estimate.std, 0.0);
  // Picking one candidate on one fold is as wrong on the other.
  EXPECT_EQ(estimate.single_fold_scores, (std::vector<double>{5.0, 5.0}));
  EXPECT_DOUBLE_EQ(estimate.single_mean, 5.0);
}

TEST(CrossValidateEnsembleTest, ScoresPickingOneCandidateTheSameWay) {
  // Candidate 0 is right on fold 0 and off by 1 on fold 1, candidate 1 the reverse; candidate 2 is off by 0.6
  // everywhere. Picked on the other fold, the single best is the one that is wrong on the scored fold (RMSE 1),
  // although candidate 2 has the lowest in-sample RMSE (0.6 against 0.707): the single pick's honest estimate is 1.
  // Selected on one fold, the ensemble is that fold's exact candidate alone: no better.
  const std::vector<std::vector<double>> candidates = {{0, 0, 1, 1}, {1, 1, 0, 0}, {0.6, 0.6, 0.6, 0.6}};
  const std::vector<double> targets = {0, 0, 0, 0};
  const std::vector<int> fold_of = {0, 0, 1, 1};
  const EnsembleEstimate estimate = CrossValidateEnsemble(candidates, EnsembleLoss::kRmse, targets, fold_of, 2, 10);
  EXPECT_EQ(estimate.single_fold_scores, (std::vector<double>{1.0, 1.0}));
  EXPECT_DOUBLE_EQ(estimate.single_mean, 1.0);
  EXPECT_DOUBLE_EQ(estimate.mean, 1.0);
}

TEST(CrossValidateEnsembleTest, AgreesWithTheCandidatesWhenOneIsBestEverywhere) {
  const std::vector<std::vector<double>> candidates = {{0.7, 0.8, 0.9, 0.6, 0.75, 0.85},
                                                       {0.5, 0.5, 0.5, 0.5, 0.5, 0.5}};
  const std::vector<int> fold_of = {0, 1, 2, 0, 1, 2};
  const EnsembleEstimate estimate = CrossValidateEnsemble(candidates, EnsembleLoss::kLogLoss, {}, fold_of, 3);
  EXPECT_EQ(estimate.weights, (std::vector<double>{1.0, 0.0}));
  ASSERT_EQ(estimate.fold_scores.size(), 3u);
  EXPECT_NEAR(estimate.fold_scores[0], -(std::log(0.7) + std::log(0.6)) / 2, 1e-12);
  EXPECT_NEAR(estimate.fold_scores[1], -(std::log(0.8) + std::log(0.75)) / 2, 1e-12);
  EXPECT_NEAR(estimate.fold_scores[2], -(std::log(0.9) + std::log(0.85)) / 2, 1e-12);
  EXPECT_EQ(estimate.single_fold_scores, estimate.fold_scores);
  EXPECT_DOUBLE_EQ(estimate.single_mean, estimate.mean);
}

struct RepeatedCase {
  std::string name;
  std::vector<std::vector<double>> candidates;  // two blocks of the same four rows
  std::vector<int> fold_of;                     // block 0: folds 0 and 1; block 1: folds 2 and 3
  std::vector<double> fold_scores;              // expected, fold by fold
  std::vector<double> single_fold_scores;       // expected
};

TEST(CrossValidateEnsembleTest, RepeatedFoldsSelectWithinTheirOwnBlockOnly) {
  // RMSE against targets 0. Each block holds rows a, b, c, d (fold_of differs by block: two partitions).
  const std::vector<RepeatedCase> cases = {
      // The first scenario of ScoresEachFoldWithWeightsChosenOnTheOthers in both blocks, the partitions equal:
      // every fold scores 5, as the single partition does. Were the other block's rows (the scored fold's own rows)
      // selected on, the exact candidate would be found and fold scores would be 0.
      {"same partition twice",
       {{0, 0, 5, 5, 0, 0, 5, 5}, {5, 5, 0, 0, 5, 5, 0, 0}},
       {0, 0, 1, 1, 2, 2, 3, 3},
       {5, 5, 5, 5},
       {5, 5, 5, 5}},
      // Block 1 splits rows a, c | b, d: candidate 0 is right on a, b and candidate 1 on c, d, so each fold of the
      // second partition selects the 50/50 blend on the other fold (RMSE 2.5 there and on the scored fold).
      {"another partition",
       {{0, 0, 5, 5, 0, 0, 5, 5}, {5, 5, 0, 0, 5, 5, 0, 0}},
       {0, 0, 1, 1, 2, 3, 2, 3},
       {5, 5, 2.5, 2.5},
       // A single pick on fold 2's complement (rows b, d) ties and takes candidate 0: RMSE on a, c is sqrt(12.5).
       {5, 5, std::sqrt(12.5), std::sqrt(12.5)}},
  };
  const std::vector<double> targets(8, 0.0);
  for (const RepeatedCase& test : cases) {
    SCOPED_TRACE(test.name);
    const EnsembleEstimate estimate =
        CrossValidateEnsemble(test.candidates, EnsembleLoss::kRmse, targets, test.fold_of, 2, 10, /*repeats=*/2);
    ASSERT_EQ(estimate.fold_scores.size(), test.fold_scores.size());
    for (size_t fold = 0; fold < test.fold_scores.size(); ++fold) {
      EXPECT_NEAR(estimate.fold_scores[fold], test.fold_scores[fold], 1e-12) << "fold " << fold;
      EXPECT_NEAR(estimate.single_fold_scores[fold], test.single_fold_scores[fold], 1e-12) << "fold " << fold;
    }
    double sum = 0.0;
    for (double score : test.fold_scores) sum += score;
    EXPECT_NEAR(estimate.mean, sum / 4, 1e-12);
    // Selected over both blocks together: the even blend.
    EXPECT_EQ(estimate.weights, (std::vector<double>{0.5, 0.5}));
  }
}

}  // namespace
}  // namespace amp::training
