#include "training/regression_metrics.h"

#include <cmath>

namespace amp::training {

std::map<std::string, double> RegressionMetrics(std::span<const double> actual, std::span<const double> predicted) {
  std::map<std::string, double> metrics;
  const size_t count = actual.size();
  if (count == 0 || predicted.size() != count) return metrics;
  double mean = 0.0;
  for (double value : actual) mean += value;
  mean /= static_cast<double>(count);
  double squared_error = 0.0;
  double absolute_error = 0.0;
  double total_squares = 0.0;
  for (size_t row_idx = 0; row_idx < count; ++row_idx) {
    double residual = actual[row_idx] - predicted[row_idx];
    squared_error += residual * residual;
    absolute_error += std::fabs(residual);
    total_squares += (actual[row_idx] - mean) * (actual[row_idx] - mean);
  }
  metrics["rmse"] = std::sqrt(squared_error / static_cast<double>(count));
  metrics["mae"] = absolute_error / static_cast<double>(count);
  if (total_squares > 0.0) metrics["r2"] = 1.0 - squared_error / total_squares;
  return metrics;
}

}  // namespace amp::training
