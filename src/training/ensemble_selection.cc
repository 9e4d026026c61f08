#include "training/ensemble_selection.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace amp::training {
namespace {

constexpr double kEps = 1e-15;  // ClassificationMetrics' clip of probabilities

// The loss over `rows` of sum[r] / count, plus, when `extra` is given, extra[r] added before dividing by count.
double AveragedLoss(std::span<const double> sum, const std::vector<double>* extra, double count, EnsembleLoss loss,
                    std::span<const double> targets, std::span<const int64_t> rows) {
  double total = 0.0;
  for (int64_t row : rows) {
    const auto row_idx = static_cast<size_t>(row);
    const double value = (sum[row_idx] + (extra != nullptr ? (*extra)[row_idx] : 0.0)) / count;
    if (loss == EnsembleLoss::kLogLoss) {
      total -= std::log(std::clamp(value, kEps, 1.0 - kEps));
    } else {
      const double error = value - targets[row_idx];
      total += error * error;
    }
  }
  const double mean = total / static_cast<double>(rows.size());
  return loss == EnsembleLoss::kLogLoss ? mean : std::sqrt(mean);
}

}  // namespace

EnsembleSelection SelectEnsemble(std::span<const std::vector<double>> candidates, EnsembleLoss loss,
                                 std::span<const double> targets, std::span<const int64_t> rows, int steps) {
  const size_t row_count = candidates.front().size();
  std::vector<double> sum(row_count, 0.0);
  std::vector<int> picks(candidates.size(), 0);
  std::vector<int> best_picks;
  double best_loss = std::numeric_limits<double>::infinity();
  for (int step = 1; step <= steps; ++step) {
    size_t chosen = 0;
    double chosen_loss = std::numeric_limits<double>::infinity();
    for (size_t candidate_idx = 0; candidate_idx < candidates.size(); ++candidate_idx) {
      const double candidate_loss =
          AveragedLoss(sum, &candidates[candidate_idx], static_cast<double>(step), loss, targets, rows);
      if (candidate_loss < chosen_loss) {
        chosen_loss = candidate_loss;
        chosen = candidate_idx;
      }
    }
    for (int64_t row : rows) sum[static_cast<size_t>(row)] += candidates[chosen][static_cast<size_t>(row)];
    ++picks[chosen];
    if (chosen_loss < best_loss) {
      best_loss = chosen_loss;
      best_picks = picks;
    }
  }
  EnsembleSelection selection;
  selection.loss = best_loss;
  int total = 0;
  for (int count : best_picks) total += count;
  for (int count : best_picks) selection.weights.push_back(static_cast<double>(count) / static_cast<double>(total));
  return selection;
}

double EnsembleLossOf(std::span<const std::vector<double>> candidates, std::span<const double> weights,
                      EnsembleLoss loss, std::span<const double> targets, std::span<const int64_t> rows) {
  std::vector<double> blended(candidates.front().size(), 0.0);
  for (size_t candidate_idx = 0; candidate_idx < candidates.size(); ++candidate_idx) {
    if (weights[candidate_idx] == 0.0) continue;
    for (int64_t row : rows) {
      blended[static_cast<size_t>(row)] += weights[candidate_idx] * candidates[candidate_idx][static_cast<size_t>(row)];
    }
  }
  return AveragedLoss(blended, nullptr, 1.0, loss, targets, rows);
}

EnsembleEstimate CrossValidateEnsemble(std::span<const std::vector<double>> candidates, EnsembleLoss loss,
                                       std::span<const double> targets, std::span<const int> fold_of, int folds,
                                       int steps, int repeats) {
  EnsembleEstimate estimate;
  std::vector<int64_t> all_rows(fold_of.size());
  for (size_t row_idx = 0; row_idx < all_rows.size(); ++row_idx) all_rows[row_idx] = static_cast<int64_t>(row_idx);
  estimate.weights = SelectEnsemble(candidates, loss, targets, all_rows, steps).weights;

  // Fold g belongs to repeat g / folds, whose rows are the block [repeat * n, (repeat + 1) * n): its weights are
  // selected on that block's other folds only (the other repeats hold the same rows, fold g's among them).
  const size_t per_repeat = fold_of.size() / static_cast<size_t>(repeats);
  const int total_folds = folds * repeats;
  std::vector<int64_t> select_rows;
  std::vector<int64_t> score_rows;
  for (int fold = 0; fold < total_folds; ++fold) {
    select_rows.clear();
    score_rows.clear();
    const size_t first = static_cast<size_t>(fold / folds) * per_repeat;
    for (size_t row_idx = first; row_idx < first + per_repeat; ++row_idx) {
      (fold_of[row_idx] == fold ? score_rows : select_rows).push_back(static_cast<int64_t>(row_idx));
    }
    const EnsembleSelection selected = SelectEnsemble(candidates, loss, targets, select_rows, steps);
    estimate.fold_scores.push_back(EnsembleLossOf(candidates, selected.weights, loss, targets, score_rows));
    const EnsembleSelection single = SelectEnsemble(candidates, loss, targets, select_rows, 1);
    estimate.single_fold_scores.push_back(EnsembleLossOf(candidates, single.weights, loss, targets, score_rows));
  }
  double single_sum = 0.0;
  for (double score : estimate.single_fold_scores) single_sum += score;
  estimate.single_mean = single_sum / static_cast<double>(total_folds);
  double sum = 0.0;
  for (double score : estimate.fold_scores) sum += score;
  estimate.mean = sum / static_cast<double>(total_folds);
  double squares = 0.0;
  for (double score : estimate.fold_scores) squares += (score - estimate.mean) * (score - estimate.mean);
  estimate.std = std::sqrt(squares / static_cast<double>(total_folds));
  return estimate;
}

}  // namespace amp::training
