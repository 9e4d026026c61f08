// Breiman's one-standard-error rule (Breiman, Friedman, Olshen and Stone, "Classification and Regression Trees",
// 1984; Hastie, Tibshirani and Friedman, "The Elements of Statistical Learning", 7.10): among models scored on the
// same cross-validation folds, prefer the simplest whose score is within one standard error of the best one's. The
// automatic search applies it across model complexities (a linear model, a tree model, an ensemble of them), with
// the standard error of the paired fold-by-fold differences. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace amp::training {

struct ScoredModel {
  double complexity = 0.0;          // lower is simpler
  std::vector<double> fold_scores;  // lower is better, one per fold, the same folds for every model
};

struct OneStandardErrorPick {
  size_t pick = 0;  // the model to publish
  size_t best = 0;  // the model with the lowest mean fold score
  // The pick's mean fold-by-fold difference from the best and the standard error of those differences (both 0 when
  // the pick is the best).
  double mean_difference = 0.0;
  double standard_error = 0.0;
};

// The best is the model with the lowest mean fold score (the first among equals); a model is within one standard
// error of it when the mean of its fold-by-fold differences from the best, d_f = score_f - best_f, is at most their
// standard error sd(d) / sqrt(k) (sd with k - 1 degrees of freedom). The pick is, of the models within, the lowest
// complexity, then the lowest mean, then the lowest index. Requires a non-empty `models`, each with the same number
// k >= 2 of fold scores.
OneStandardErrorPick PickWithinOneStandardError(std::span<const ScoredModel> models);

}  // namespace amp::training
