#include "training/one_standard_error_rule.h"

#include <cmath>

namespace amp::training {
namespace {

double Mean(const std::vector<double>& values) {
  double sum = 0.0;
  for (double value : values) sum += value;
  return sum / static_cast<double>(values.size());
}

}  // namespace

OneStandardErrorPick PickWithinOneStandardError(std::span<const ScoredModel> models) {
  size_t best = 0;
  for (size_t idx = 1; idx < models.size(); ++idx) {
    if (Mean(models[idx].fold_scores) < Mean(models[best].fold_scores)) best = idx;
  }
  const size_t folds = models[best].fold_scores.size();
  OneStandardErrorPick result;
  result.best = best;
  result.pick = best;
  for (size_t idx = 0; idx < models.size(); ++idx) {
    std::vector<double> differences(folds);
    for (size_t fold = 0; fold < folds; ++fold) {
      differences[fold] = models[idx].fold_scores[fold] - models[best].fold_scores[fold];
    }
    const double mean = Mean(differences);
    double squares = 0.0;
    for (double difference : differences) squares += (difference - mean) * (difference - mean);
    const double standard_error = std::sqrt(squares / static_cast<double>(folds - 1) / static_cast<double>(folds));
    if (mean > standard_error) continue;
    const size_t pick = result.pick;
    const bool simpler = models[idx].complexity < models[pick].complexity;
    const bool as_simple_and_better = models[idx].complexity == models[pick].complexity &&
                                      Mean(models[idx].fold_scores) < Mean(models[pick].fold_scores);
    if (simpler || as_simple_and_better) {
      result.pick = idx;
      result.mean_difference = mean;
      result.standard_error = standard_error;
    }
  }
  return result;
}

}  // namespace amp::training
