#include "training/train_plan.h"

#include <cmath>
#include <set>

namespace amp::training {

const std::vector<std::string>& SupportedAlgorithms() {
  static const std::vector<std::string> kAlgorithms = {"linear_regression"};
  return kAlgorithms;
}

std::map<std::string, double> TrainPlan::Params() const {
  return {{"l2", l2}, {"holdout_fraction", holdout_fraction}, {"seed", static_cast<double>(seed)}};
}

std::vector<data::ColumnSpec> TrainPlan::ColumnsToLoad() const {
  std::vector<data::ColumnSpec> columns = {target};
  columns.insert(columns.end(), features.begin(), features.end());
  return columns;
}

core::Result<TrainPlan> PlanTraining(const storage::TrainRequest& request, const data::TableSummary& schema) {
  TrainPlan plan;
  plan.algorithm = request.algorithm.empty() ? "linear_regression" : request.algorithm;
  bool known = false;
  for (const std::string& algorithm : SupportedAlgorithms()) known = known || algorithm == plan.algorithm;
  if (!known) {
    std::string supported;
    for (const std::string& algorithm : SupportedAlgorithms()) supported += (supported.empty() ? "" : ", ") + algorithm;
    return core::FailedPrecondition("unknown algorithm '" + plan.algorithm + "'; supported: " + supported);
  }

  for (const auto& [name, value] : request.params) {
    if (!std::isfinite(value)) return core::FailedPrecondition("parameter '" + name + "' must be a finite number");
    if (name == "l2") {
      if (value < 0.0) return core::FailedPrecondition("parameter 'l2' must be >= 0");
      plan.l2 = value;
    } else if (name == "holdout_fraction") {
      if (value < 0.0 || value >= 1.0) return core::FailedPrecondition("parameter 'holdout_fraction' must be in [0, 1)");
      plan.holdout_fraction = value;
    } else if (name == "seed") {
      if (value < 0.0 || value != std::floor(value) || value > 9007199254740992.0) {
        return core::FailedPrecondition("parameter 'seed' must be a whole number >= 0");
      }
      plan.seed = static_cast<uint64_t>(value);
    } else {
      return core::FailedPrecondition("unknown parameter '" + name + "' for " + plan.algorithm +
                                      "; known: l2, holdout_fraction, seed");
    }
  }

  if (request.target.empty()) return core::FailedPrecondition("'target' is required");
  int target_idx = schema.FindColumn(request.target);
  if (target_idx < 0) {
    return core::FailedPrecondition("target column '" + request.target + "' is not in the dataset");
  }
  const data::ColumnSummary& target = schema.columns[static_cast<size_t>(target_idx)];
  if (target.type == data::ColumnType::kCategorical || target.type == data::ColumnType::kBoolean) {
    return core::FailedPrecondition("target column '" + request.target + "' is " +
                                    std::string(data::ColumnTypeName(target.type)) +
                                    "; linear_regression needs a numeric target");
  }
  plan.target = {target.name, target.type};

  std::set<std::string> seen;
  if (request.features.empty()) {
    for (const data::ColumnSummary& column : schema.columns) {
      if (column.name != target.name) plan.features.push_back({column.name, column.type});
    }
  } else {
    for (const std::string& name : request.features) {
      int column_idx = schema.FindColumn(name);
      if (column_idx < 0) return core::FailedPrecondition("feature column '" + name + "' is not in the dataset");
      if (name == target.name) return core::FailedPrecondition("the target '" + name + "' cannot also be a feature");
      if (!seen.insert(name).second) return core::FailedPrecondition("feature '" + name + "' is listed twice");
      const data::ColumnSummary& column = schema.columns[static_cast<size_t>(column_idx)];
      plan.features.push_back({column.name, column.type});
    }
  }
  if (plan.features.empty()) return core::FailedPrecondition("no feature columns to train on");
  return plan;
}

}  // namespace amp::training
