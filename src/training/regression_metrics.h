// Regression metrics over a holdout: RMSE, MAE, R^2 (as scikit-learn defines them). Pure; thread-safe.
#pragma once

#include <map>
#include <span>
#include <string>

namespace amp::training {

// Keys "rmse", "mae", "r2". R^2 is omitted when the targets are constant (undefined). Empty input gives an empty map.
std::map<std::string, double> RegressionMetrics(std::span<const double> actual, std::span<const double> predicted);

}  // namespace amp::training
