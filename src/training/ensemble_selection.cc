#include "training/ensemble_selection.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace amp::training {
namespace {

constexpr double kEps = 1e-15;  // ClassificationMetrics' clip of probabilities

// BlendEnsemble's optimiser: at most this many iterations, stopping early once no weight moves by more than the
// tolerance; weights below kBlendMinWeight are dropped.
constexpr int kBlendIterations = 5000;
constexpr double kBlendTolerance = 1e-9;
constexpr double kBlendMinWeight = 0.01;

// The Euclidean projection of `values` onto the probability simplex (Duchi, Shalev-Shwartz, Singer and Chandra,
// ICML 2008): max(v - theta, 0) with the theta that makes the result sum to 1.
void ProjectOntoSimplex(std::vector<double>& values) {
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  double cumulative = 0.0;
  double theta = 0.0;
  for (size_t idx = 0; idx < sorted.size(); ++idx) {
    cumulative += sorted[idx];
    const double candidate = (cumulative - 1.0) / static_cast<double>(idx + 1);
    if (sorted[idx] - candidate > 0.0) theta = candidate;
  }
  for (double& value : values) value = std::max(value - theta, 0.0);
}

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

EnsembleSelection BlendEnsemble(std::span<const std::vector<double>> candidates, EnsembleLoss loss,
                                std::span<const double> targets, std::span<const int64_t> rows) {
  const size_t count = candidates.size();
  const double row_count = static_cast<double>(rows.size());
  std::vector<double> weights(count, 1.0 / static_cast<double>(count));
  if (loss == EnsembleLoss::kLogLoss) {
    // EM for mixture proportions: w_c <- w_c * mean over rows of p_c / sum_c' w_c' p_c'. Each step lowers the log
    // loss (it is a convex function of w), keeps the weights on the simplex, and converges to the minimum.
    std::vector<double> mixture(rows.size());
    std::vector<double> next(count);
    for (int iteration = 0; iteration < kBlendIterations; ++iteration) {
      for (size_t pos = 0; pos < rows.size(); ++pos) {
        double value = 0.0;
        for (size_t idx = 0; idx < count; ++idx) {
          value += weights[idx] * std::max(candidates[idx][static_cast<size_t>(rows[pos])], kEps);
        }
        mixture[pos] = value;
      }
      double change = 0.0;
      for (size_t idx = 0; idx < count; ++idx) {
        double ratio = 0.0;
        for (size_t pos = 0; pos < rows.size(); ++pos) {
          ratio += std::max(candidates[idx][static_cast<size_t>(rows[pos])], kEps) / mixture[pos];
        }
        next[idx] = weights[idx] * ratio / row_count;
        change = std::max(change, std::abs(next[idx] - weights[idx]));
      }
      weights.swap(next);
      if (change < kBlendTolerance) break;
    }
  } else {
    // min_w w'Gw - 2 b'w over the simplex (the mean squared error less a constant), G = P'P / n and b = P'y / n:
    // accelerated projected gradient (FISTA) with step 1 / L, L >= G's largest eigenvalue by Gershgorin's bound.
    std::vector<double> gram(count * count, 0.0);
    std::vector<double> cross(count, 0.0);
    for (size_t left = 0; left < count; ++left) {
      for (int64_t row : rows)
        cross[left] += candidates[left][static_cast<size_t>(row)] * targets[static_cast<size_t>(row)];
      cross[left] /= row_count;
      for (size_t right = 0; right <= left; ++right) {
        double sum = 0.0;
        for (int64_t row : rows) {
          sum += candidates[left][static_cast<size_t>(row)] * candidates[right][static_cast<size_t>(row)];
        }
        gram[left * count + right] = gram[right * count + left] = sum / row_count;
      }
    }
    double lipschitz = 0.0;
    for (size_t left = 0; left < count; ++left) {
      double row_sum = 0.0;
      for (size_t right = 0; right < count; ++right) row_sum += std::abs(gram[left * count + right]);
      lipschitz = std::max(lipschitz, row_sum);
    }
    std::vector<double> point = weights;
    std::vector<double> next(count);
    double momentum = 1.0;
    for (int iteration = 0; iteration < kBlendIterations && lipschitz > 0.0; ++iteration) {
      for (size_t left = 0; left < count; ++left) {
        double gradient = -cross[left];
        for (size_t right = 0; right < count; ++right) gradient += gram[left * count + right] * point[right];
        next[left] = point[left] - gradient / lipschitz;
      }
      ProjectOntoSimplex(next);
      const double next_momentum = (1.0 + std::sqrt(1.0 + 4.0 * momentum * momentum)) / 2.0;
      double change = 0.0;
      for (size_t idx = 0; idx < count; ++idx) {
        change = std::max(change, std::abs(next[idx] - weights[idx]));
        point[idx] = next[idx] + (momentum - 1.0) / next_momentum * (next[idx] - weights[idx]);
      }
      momentum = next_momentum;
      weights = next;
      if (change < kBlendTolerance) break;
    }
  }
  // Weights below kBlendMinWeight would cost a member's refit and its share of every prediction for nothing
  // measurable: they are dropped and the rest rescaled to sum to 1 (the weights of the best candidate if none is
  // left, which cannot happen with at most 1 / kBlendMinWeight candidates).
  const size_t heaviest = static_cast<size_t>(std::max_element(weights.begin(), weights.end()) - weights.begin());
  double kept = 0.0;
  for (double& weight : weights) {
    if (weight < kBlendMinWeight) weight = 0.0;
    kept += weight;
  }
  if (kept <= 0.0) {
    weights[heaviest] = 1.0;
    kept = 1.0;
  }
  for (double& weight : weights) weight /= kept;
  EnsembleSelection selection;
  selection.weights = std::move(weights);
  selection.loss = EnsembleLossOf(candidates, selection.weights, loss, targets, rows);
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
                                       int steps, int repeats, EnsembleMethod method) {
  auto select = [&](std::span<const int64_t> rows) {
    return method == EnsembleMethod::kBlend ? BlendEnsemble(candidates, loss, targets, rows)
                                            : SelectEnsemble(candidates, loss, targets, rows, steps);
  };
  EnsembleEstimate estimate;
  std::vector<int64_t> all_rows(fold_of.size());
  for (size_t row_idx = 0; row_idx < all_rows.size(); ++row_idx) all_rows[row_idx] = static_cast<int64_t>(row_idx);
  estimate.weights = select(all_rows).weights;

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
    const EnsembleSelection selected = select(select_rows);
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
