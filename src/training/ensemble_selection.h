// Ensemble selection for the automatic search (Caruana, Niculescu-Mizil, Crew and Ksikes, "Ensemble selection from
// libraries of models", ICML 2004; what auto-sklearn and H2O's blends build on): greedy forward selection with
// replacement over the candidates' out-of-fold predictions, and an honest cross-validated estimate of the result.
// An optimal convex blend of the same predictions (stacking with a non-negative metalearner, as H2O's) was measured
// against this selection over ten split seeds and found the same ensembles (docs/benchmarks.md). Whether auto then
// publishes the ensemble is one_standard_error_rule.h's decision. Pure functions of their arguments; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace amp::training {

// What the selection minimises: the root mean squared error of the averaged predictions (regression), or the log
// loss of the averaged probabilities of each row's own class (classification; clipped to [1e-15, 1 - 1e-15] as
// ClassificationMetrics does).
enum class EnsembleLoss { kRmse, kLogLoss };

// The default number of greedy steps: weights are multiples of 1/steps.
inline constexpr int kEnsembleSteps = 50;

struct EnsembleSelection {
  std::vector<double> weights;  // one per candidate, >= 0, summing to 1; 0 for a candidate never picked
  double loss = 0.0;            // of the weighted average over the rows selected on
};

// Candidate c's value for row r is candidates[c][r]: its out-of-fold prediction (kRmse, compared with targets[r])
// or the probability it gave row r's class (kLogLoss; `targets` unused). Starting from an empty ensemble, each of
// `steps` steps adds the candidate (repeats allowed) whose addition gives the lowest loss over `rows` of the plain
// average of the ensemble's picks, the lowest index among equals; the ensemble kept is the one after the step with
// the lowest loss (the earliest among equals), its weights each candidate's picks over that step count. Requires
// at least one candidate, every candidate with a value for each of `rows`, non-empty `rows` and steps >= 1.
EnsembleSelection SelectEnsemble(std::span<const std::vector<double>> candidates, EnsembleLoss loss,
                                 std::span<const double> targets, std::span<const int64_t> rows, int steps);

// The loss of the `weights`-weighted average of the candidates over `rows`, as SelectEnsemble measures it.
double EnsembleLossOf(std::span<const std::vector<double>> candidates, std::span<const double> weights,
                      EnsembleLoss loss, std::span<const double> targets, std::span<const int64_t> rows);

struct EnsembleEstimate {
  std::vector<double> weights;  // SelectEnsemble over every row: the ensemble to build
  // Honest k-fold estimate of selecting that way: fold f's score is the loss on fold f's rows of the ensemble
  // selected on the other folds' rows only, so no score is measured on rows its weights were chosen on.
  std::vector<double> fold_scores;
  double mean = 0.0;
  double std = 0.0;  // population standard deviation over the folds, as CrossValidation's
  // The same protocol applied to picking one candidate (SelectEnsemble with one step): fold f's score is the loss
  // on fold f's rows of the single candidate with the lowest loss on the other folds' rows. A yardstick for `mean`
  // under the same protocol: the best candidate's own cross-validation score is the minimum over many noisy scores,
  // so it is optimistic, while `mean` already pays for its selection.
  std::vector<double> single_fold_scores;
  double single_mean = 0.0;
};

// `fold_of[r]` in [0, folds) is row r's cross-validation fold (the folds the candidates' out-of-fold values came
// from); every fold must hold a row. Requires what SelectEnsemble does and folds >= 2.
// Repeated cross-validation (CrossValidation with repeats > 1): the candidates' values, the targets and fold_of
// hold `repeats` blocks of the same n rows, one per fold partition (block r is rows [r*n, (r+1)*n)), and fold_of's
// values in block r are in [r*folds, (r+1)*folds). Every fold is then scored by weights selected on the other folds
// of its own block (the other blocks hold its rows too), and the scores and their mean cover all folds*repeats
// folds; `weights` are selected over every block together.
// The job log shows single_mean beside mean; auto does not decide on it (publishing the ensemble whenever mean <
// single_mean was measured over five split seeds and did not help: docs/benchmarks.md).
EnsembleEstimate CrossValidateEnsemble(std::span<const std::vector<double>> candidates, EnsembleLoss loss,
                                       std::span<const double> targets, std::span<const int> fold_of, int folds,
                                       int steps = kEnsembleSteps, int repeats = 1);

}  // namespace amp::training
