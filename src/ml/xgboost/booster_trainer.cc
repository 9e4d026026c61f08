#include "ml/xgboost/booster_trainer.h"

#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>

namespace amp::ml {
namespace {

// The shortest text that reads back to `value`, as Python's str() gives the parameters XGBRegressor passes on.
std::string FormatParam(double value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return ec == std::errc() ? std::string(buffer, end) : std::string();
}

// The metric `name` in an evaluation line "[3]\tvalidation-rmse:12.5", parsed as Python's float() parses it.
core::Result<double> ParseValidationMetric(std::string_view line, std::string_view name) {
  const std::string key = "validation-" + std::string(name) + ":";
  size_t at = line.find(key);
  if (at == std::string_view::npos)
    return core::Internal("no validation " + std::string(name) + " in XGBoost's evaluation '" + std::string(line) +
                          "'");
  std::string_view number = line.substr(at + key.size());
  number = number.substr(0, number.find_first_of(" \t\n"));
  double value = 0.0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || end != number.data() + number.size()) {
    return core::Internal("cannot read XGBoost's evaluation '" + std::string(line) + "'");
  }
  return value;
}

}  // namespace

std::vector<float> BalancedWeights(std::span<const float> labels) {
  std::vector<double> class_rows;
  for (float label : labels) {
    if (!(label >= 0.0f) || label != std::floor(label) || label > 1e6f) return {};
    const auto class_idx = static_cast<size_t>(label);
    if (class_idx >= class_rows.size()) class_rows.resize(class_idx + 1, 0.0);
    class_rows[class_idx] += 1.0;
  }
  size_t present = 0;
  for (double count : class_rows) present += count > 0.0 ? 1 : 0;
  std::vector<float> weights;
  weights.reserve(labels.size());
  for (float label : labels) {
    const double count = class_rows[static_cast<size_t>(label)];
    weights.push_back(static_cast<float>(static_cast<double>(labels.size()) / (static_cast<double>(present) * count)));
  }
  return weights;
}

namespace {

core::Status AsFailedPrecondition(const core::Status& status) {
  return status.code() == core::StatusCode::kInternal ? core::FailedPrecondition(status.message()) : status;
}

// Sets the parameters XGBRegressor / XGBClassifier(tree_method="hist") would set for `params`.
core::Status ConfigureBooster(Booster& booster, const BoosterParams& params) {
  std::vector<std::pair<std::string, std::string>> settings = {
      {"objective", params.objective},
      {"tree_method", "hist"},
      {"max_depth", std::to_string(params.max_depth)},
      {"eta", FormatParam(params.learning_rate)},
      {"subsample", FormatParam(params.subsample)},
      {"colsample_bytree", FormatParam(params.colsample_bytree)},
      {"min_child_weight", FormatParam(params.min_child_weight)},
      {"lambda", FormatParam(params.reg_lambda)},
      {"nthread", std::to_string(params.nthread)},
      {"seed", std::to_string(params.seed)},
      {"validate_parameters", "1"},
  };
  if (params.num_parallel_tree != 1) {
    settings.emplace_back("num_parallel_tree", std::to_string(params.num_parallel_tree));
  }
  if (params.colsample_bynode != 1.0) settings.emplace_back("colsample_bynode", FormatParam(params.colsample_bynode));
  if (params.objective == "multi:softprob") settings.emplace_back("num_class", std::to_string(params.num_class));
  for (const auto& [name, value] : settings) {
    if (auto status = booster.SetParam(name, value); !status.ok()) return AsFailedPrecondition(status);
  }

  return core::Status::Ok();
}

}  // namespace

core::Result<TrainedBooster> TrainBooster(DenseRows train, std::span<const float> labels, const DenseRows* validation,
                                          std::span<const float> validation_labels, const BoosterParams& params,
                                          const BoostingRoundCallback& on_round) {
  if (train.row_count == 0 || train.column_count == 0) return core::InvalidArgument("no training rows or columns");
  if (labels.size() != train.row_count) return core::InvalidArgument("expected one label per training row");
  if (params.n_estimators < 1) return core::InvalidArgument("n_estimators must be at least 1");
  const bool early_stopping = params.early_stopping_rounds > 0;
  if (early_stopping && (validation == nullptr || validation->row_count == 0)) {
    return core::InvalidArgument("early stopping needs validation rows");
  }
  if (early_stopping &&
      (validation->column_count != train.column_count || validation_labels.size() != validation->row_count)) {
    return core::InvalidArgument("validation rows do not match the training rows");
  }

  std::vector<float> weights;
  if (params.balanced) {
    weights = BalancedWeights(labels);
    if (weights.empty()) return core::InvalidArgument("balanced class weights need class-index labels");
  }
  auto train_matrix = BoosterMatrix::QuantileFromDense(train, labels, weights, params.nthread, nullptr);
  if (!train_matrix.ok()) return AsFailedPrecondition(train_matrix.status());
  std::vector<const BoosterMatrix*> cache = {&*train_matrix};
  std::optional<BoosterMatrix> validation_matrix;
  if (early_stopping) {
    auto matrix = BoosterMatrix::QuantileFromDense(*validation, validation_labels, {}, params.nthread, &*train_matrix);
    if (!matrix.ok()) return AsFailedPrecondition(matrix.status());
    validation_matrix.emplace(std::move(matrix).value());
    cache.push_back(&*validation_matrix);  // XGBRegressor hands its eval_set to the Booster too
  }

  AMP_ASSIGN_OR_RETURN(Booster booster, Booster::Create(cache));
  AMP_RETURN_IF_ERROR(ConfigureBooster(booster, params));

  TrainedBooster trained;
  trained.validation_metric_name = params.objective == "binary:logistic"  ? "logloss"
                                   : params.objective == "multi:softprob" ? "mlogloss"
                                                                          : "rmse";
  double best_metric = 0.0;
  int rounds_without_improvement = 0;
  for (int round = 0; round < params.n_estimators; ++round) {
    if (auto status = booster.UpdateOneIter(round, *train_matrix); !status.ok()) return AsFailedPrecondition(status);
    if (on_round && !on_round(round)) return core::Cancelled("training was cancelled");
    if (!early_stopping) continue;
    AMP_ASSIGN_OR_RETURN(std::string line, booster.EvalOneIter(round, *validation_matrix, "validation"));
    AMP_ASSIGN_OR_RETURN(double metric, ParseValidationMetric(line, trained.validation_metric_name));
    trained.validation_metric.push_back(metric);
    // xgboost.callback.EarlyStopping: the first round sets the best; later ones must be strictly lower.
    if (round == 0 || metric < best_metric) {
      best_metric = metric;
      trained.best_iteration = round;
      rounds_without_improvement = 0;
    } else if (++rounds_without_improvement >= params.early_stopping_rounds) {
      break;
    }
  }

  AMP_ASSIGN_OR_RETURN(int rounds, booster.BoostedRounds());
  if (early_stopping && trained.best_iteration + 1 < rounds) {
    AMP_ASSIGN_OR_RETURN(booster, booster.Slice(0, trained.best_iteration + 1));
    AMP_ASSIGN_OR_RETURN(rounds, booster.BoostedRounds());
  }
  trained.rounds = rounds;
  AMP_ASSIGN_OR_RETURN(trained.model_ubj, booster.Save("ubj"));
  return trained;
}

core::Result<TrainedBooster> TrainBoosterShard(DenseRows shard, std::span<const float> labels,
                                               std::span<const float> weights, const BoosterParams& params,
                                               const BoostingRoundCallback& on_round) {
  if (shard.row_count == 0 || shard.column_count == 0) return core::InvalidArgument("no training rows or columns");
  if (labels.size() != shard.row_count) return core::InvalidArgument("expected one label per training row");
  if (!weights.empty() && weights.size() != shard.row_count) {
    return core::InvalidArgument("expected one weight per training row");
  }
  if (params.n_estimators < 1) return core::InvalidArgument("n_estimators must be at least 1");
  if (params.early_stopping_rounds > 0) return core::InvalidArgument("a shard trains without early stopping");
  if (params.balanced) return core::InvalidArgument("a shard takes balanced class weights as explicit weights");
  auto matrix = BoosterMatrix::FromDense(shard, params.nthread);
  if (!matrix.ok()) return AsFailedPrecondition(matrix.status());
  if (auto status = matrix->SetLabels(labels); !status.ok()) return AsFailedPrecondition(status);
  if (!weights.empty()) {
    if (auto status = matrix->SetWeights(weights); !status.ok()) return AsFailedPrecondition(status);
  }
  const BoosterMatrix* cache[] = {&*matrix};
  AMP_ASSIGN_OR_RETURN(Booster booster, Booster::Create(cache));
  AMP_RETURN_IF_ERROR(ConfigureBooster(booster, params));
  for (int round = 0; round < params.n_estimators; ++round) {
    // In a collective every rank must run the same rounds; a failed peer makes this fail too.
    if (auto status = booster.UpdateOneIter(round, *matrix); !status.ok()) return AsFailedPrecondition(status);
    if (on_round && !on_round(round)) return core::Cancelled("training was cancelled");
  }
  TrainedBooster trained;
  AMP_ASSIGN_OR_RETURN(trained.rounds, booster.BoostedRounds());
  AMP_ASSIGN_OR_RETURN(trained.model_ubj, booster.Save("ubj"));
  return trained;
}

}  // namespace amp::ml
