#include "training/classification_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace amp::training {

double RocAuc(std::span<const double> scores, const std::vector<bool>& positive) {
  const size_t count = scores.size();
  std::vector<size_t> order(count);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  double positive_rank_sum = 0.0;
  double positives = 0.0;
  for (size_t begin = 0; begin < count;) {
    size_t end = begin;
    while (end < count && scores[order[end]] == scores[order[begin]]) ++end;
    const double average_rank = (static_cast<double>(begin + end) + 1.0) / 2.0;  // ranks are 1-based
    for (size_t pos = begin; pos < end; ++pos) {
      if (positive[order[pos]]) {
        positive_rank_sum += average_rank;
        positives += 1.0;
      }
    }
    begin = end;
  }
  const double negatives = static_cast<double>(count) - positives;
  if (positives == 0.0 || negatives == 0.0) return std::numeric_limits<double>::quiet_NaN();
  return (positive_rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives);
}

std::map<std::string, double> ClassificationMetrics(std::span<const int32_t> actual,
                                                    std::span<const double> probabilities,
                                                    const std::vector<std::string>& classes) {
  std::map<std::string, double> metrics;
  const size_t class_count = classes.size();
  const size_t rows = actual.size();
  if (rows == 0 || class_count == 0 || probabilities.size() != rows * class_count) return metrics;

  // confusion[a * K + p]: rows of actual class a predicted as p.
  std::vector<int64_t> confusion(class_count * class_count, 0);
  double log_loss = 0.0;
  constexpr double kEps = 1e-15;
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
    const double* row = probabilities.data() + row_idx * class_count;
    const auto predicted = static_cast<size_t>(std::max_element(row, row + class_count) - row);
    const auto truth = static_cast<size_t>(actual[row_idx]);
    ++confusion[truth * class_count + predicted];
    log_loss -= std::log(std::clamp(row[truth], kEps, 1.0 - kEps));
  }
  const auto total = static_cast<double>(rows);
  metrics["log_loss"] = log_loss / total;

  double correct = 0.0;
  double recall_sum_present = 0.0;
  double present = 0.0;
  double precision_macro = 0.0;
  double recall_macro = 0.0;
  double f1_macro = 0.0;
  double macro_classes = 0.0;
  for (size_t class_idx = 0; class_idx < class_count; ++class_idx) {
    double true_positives = static_cast<double>(confusion[class_idx * class_count + class_idx]);
    double actual_count = 0.0;
    double predicted_count = 0.0;
    for (size_t other = 0; other < class_count; ++other) {
      actual_count += static_cast<double>(confusion[class_idx * class_count + other]);
      predicted_count += static_cast<double>(confusion[other * class_count + class_idx]);
    }
    correct += true_positives;
    const double precision = predicted_count > 0.0 ? true_positives / predicted_count : 0.0;
    const double recall = actual_count > 0.0 ? true_positives / actual_count : 0.0;
    const double f1 = precision + recall > 0.0 ? 2.0 * precision * recall / (precision + recall) : 0.0;
    const std::string& name = classes[class_idx];
    metrics["precision[" + name + "]"] = precision;
    metrics["recall[" + name + "]"] = recall;
    metrics["f1[" + name + "]"] = f1;
    for (size_t other = 0; other < class_count; ++other) {
      metrics["confusion[" + name + "][" + classes[other] + "]"] =
          static_cast<double>(confusion[class_idx * class_count + other]);
    }
    if (actual_count > 0.0) {
      recall_sum_present += recall;
      present += 1.0;
    }
    if (actual_count > 0.0 || predicted_count > 0.0) {
      precision_macro += precision;
      recall_macro += recall;
      f1_macro += f1;
      macro_classes += 1.0;
    }
  }
  metrics["accuracy"] = correct / total;
  metrics["balanced_accuracy"] = recall_sum_present / present;
  metrics["precision_macro"] = precision_macro / macro_classes;
  metrics["recall_macro"] = recall_macro / macro_classes;
  metrics["f1_macro"] = f1_macro / macro_classes;

  std::vector<double> scores(rows);
  std::vector<bool> positive(rows);
  double auc_sum = 0.0;
  double auc_classes = 0.0;
  for (size_t class_idx = class_count == 2 ? 1 : 0; class_idx < class_count; ++class_idx) {
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
      scores[row_idx] = probabilities[row_idx * class_count + class_idx];
      positive[row_idx] = static_cast<size_t>(actual[row_idx]) == class_idx;
    }
    const double auc = RocAuc(scores, positive);
    if (std::isnan(auc)) continue;
    auc_sum += auc;
    auc_classes += 1.0;
  }
  if (auc_classes > 0.0) metrics["roc_auc"] = auc_sum / auc_classes;
  return metrics;
}

}  // namespace amp::training
