#include "training/search_plan.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "ml/linear/linear_model.h"
#include "ml/logistic/logistic_model.h"
#include "ml/xgboost/xgboost_model.h"

namespace amp::training {
namespace {

// Small grids: the library defaults (first: the family's default setting) plus a few settings that often do better on
// tabular data. Each costs `folds` fits, so the lists stay short; a time budget trims them further.
std::vector<std::map<std::string, double>> BoostingGrid() {
  return {
      {{"n_estimators", 100}, {"max_depth", 6}, {"learning_rate", 0.3}},  // XGBoost's defaults
      {{"n_estimators", 200}, {"max_depth", 3}, {"learning_rate", 0.1}},
      {{"n_estimators", 300}, {"max_depth", 4}, {"learning_rate", 0.05}, {"subsample", 0.8}, {"colsample_bytree", 0.8}},
      {{"n_estimators", 200}, {"max_depth", 6}, {"learning_rate", 0.1}, {"min_child_weight", 3}},
  };
}

// The L2 penalty in half-decade steps (a grid of decades was measured coarser on diabetes: docs/benchmarks.md). The
// default first: a light ridge, l2 = 1 on the standardized columns (scikit-learn's Ridge default), which unlike
// l2 = 0 has one solution when columns are collinear, as a category's one-hot levels are with the intercept.
std::vector<std::map<std::string, double>> LinearGrid() {
  std::vector<std::map<std::string, double>> grid;
  for (double l2 : {1.0, 0.0, 0.1, 0.3, 3.0, 10.0, 30.0, 100.0}) grid.push_back({{"l2", l2}});
  return grid;
}

// Tree families take a thread count; the parameter table says which.
std::vector<std::map<std::string, double>> ForestGrid() {
  return {{{"n_estimators", 200}, {"max_depth", 12}}, {{"n_estimators", 200}, {"max_depth", 20}}};
}

bool TakesThreads(std::string_view algorithm) {
  return CheckParameter(algorithm, "nthread", 1).ok();
}

bool IsSupported(std::string_view algorithm) {
  for (const std::string& supported : SupportedAlgorithms()) {
    if (supported == algorithm) return true;
  }
  return false;
}

core::Status CheckRange(std::string_view what, double value, double low, double high) {
  if (!std::isfinite(value) || value < low || value > high) {
    return core::FailedPrecondition(std::string(what) + " must be in [" + std::to_string(static_cast<int64_t>(low)) +
                                    ", " + std::to_string(static_cast<int64_t>(high)) + "]");
  }
  return core::Status::Ok();
}

}  // namespace

const std::vector<AutoFamily>& AutoFamilies() {
  static const std::vector<AutoFamily> kFamilies = {
      // Linear fits cost little, so their penalty grids are wider.
      {ml::kLinearRegressionAlgorithm, false, LinearGrid()},
      {ml::kLogisticRegressionAlgorithm, true, {{{"C", 1}}, {{"C", 0.01}}, {{"C", 0.1}}, {{"C", 10}}, {{"C", 100}}}},
      {ml::kXgboostRegressorAlgorithm, false, BoostingGrid()},
      {ml::kXgboostClassifierAlgorithm, true, BoostingGrid()},
      // Tried once the build has them (PlanSearch skips families SupportedAlgorithms() does not list).
      {"random_forest_regressor", false, ForestGrid()},
      {"random_forest_classifier", true, ForestGrid()},
  };
  return kFamilies;
}

std::vector<std::map<std::string, double>> ExpandGrid(const std::map<std::string, std::vector<double>>& space) {
  std::vector<std::map<std::string, double>> points = {{}};
  for (const auto& [name, values] : space) {
    std::vector<std::map<std::string, double>> next;
    next.reserve(points.size() * values.size());
    for (const auto& point : points) {
      for (double value : values) {
        next.push_back(point);
        next.back()[name] = value;
      }
    }
    points = std::move(next);
  }
  return points;
}

std::vector<std::map<std::string, double>> DrawRandom(const std::map<std::string, std::vector<double>>& space,
                                                      int trials, uint64_t seed) {
  std::vector<std::map<std::string, double>> points = ExpandGrid(space);
  std::mt19937_64 engine(seed);
  // A partial Fisher-Yates: the first `trials` positions become a uniform draw without replacement.
  const size_t take = std::min(points.size(), static_cast<size_t>(std::max(trials, 0)));
  for (size_t pos = 0; pos < take; ++pos) {
    size_t pick = pos + static_cast<size_t>(engine() % static_cast<uint64_t>(points.size() - pos));
    std::swap(points[pos], points[pick]);
  }
  points.resize(take);
  return points;
}

core::Result<SearchPlan> PlanSearch(const storage::TrainRequest& request, const data::TableSummary& schema) {
  const storage::TrainRequest::Search& search = request.search;
  const bool is_auto = request.algorithm == kAutoAlgorithm;
  const bool has_search = !search.method.empty();
  SearchPlan plan;

  if (request.cpu_budget != 0) AMP_RETURN_IF_ERROR(CheckRange("cpu_budget", request.cpu_budget, 1, kMaxCpuBudget));
  if (request.cpu_budget != 0) plan.cpu_budget = request.cpu_budget;
  if (!std::isfinite(request.time_budget_seconds) || request.time_budget_seconds < 0 ||
      request.time_budget_seconds > 7 * 86400) {
    return core::FailedPrecondition("time_budget_seconds must be in [0, 604800] (0: no limit)");
  }
  plan.time_budget_seconds = request.time_budget_seconds;
  plan.fixed_nthread = request.params.contains("nthread");
  AMP_RETURN_IF_ERROR(CheckRange("workers", request.workers, 1, kMaxWorkers));
  if (request.workers > 1) {
    if (is_auto || has_search) {
      return core::FailedPrecondition("distributed training (workers > 1) trains one model; it does not search");
    }
    if (request.algorithm != ml::kXgboostRegressorAlgorithm && request.algorithm != ml::kXgboostClassifierAlgorithm) {
      return core::FailedPrecondition(
          "distributed training (workers > 1) takes algorithm xgboost_regressor or "
          "xgboost_classifier, not '" +
          request.algorithm.substr(0, 100) + "'");
    }
    auto early = request.params.find("early_stopping_rounds");
    if (early != request.params.end() && early->second != 0) {
      return core::FailedPrecondition("distributed training (workers > 1) does not do early stopping");
    }
  }

  if (!is_auto && !has_search) {
    if (search.folds != 0 || search.trials != 0 || search.repeats != 0 || !search.space.empty()) {
      return core::FailedPrecondition("search.method is required (grid or random), or use algorithm auto");
    }
    if (request.time_budget_seconds != 0) {
      return core::FailedPrecondition("time_budget_seconds applies to a search: give a search or algorithm auto");
    }
    AMP_ASSIGN_OR_RETURN(TrainPlan single, PlanTraining(request, schema));
    plan.task = single.task;
    if (TakesThreads(single.algorithm) && request.cpu_budget != 0 && !request.params.contains("nthread")) {
      single.boosting.nthread = plan.cpu_budget;
    }
    single.threads = plan.cpu_budget;
    plan.searched_params.emplace_back();
    plan.candidates.push_back(std::move(single));
    return plan;
  }

  plan.folds = search.folds == 0 ? kDefaultFolds : search.folds;
  plan.ensemble = is_auto;
  AMP_RETURN_IF_ERROR(CheckRange("search.folds", plan.folds, 2, kMaxFolds));
  plan.repeats = search.repeats != 0 ? search.repeats : 1;
  AMP_RETURN_IF_ERROR(CheckRange("search.repeats", plan.repeats, 1, kMaxRepeats));
  if (search.trials != 0) AMP_RETURN_IF_ERROR(CheckRange("search.trials", search.trials, 1, kMaxTrials));

  // Which (algorithm, parameter set) pairs to try, in trial order.
  std::vector<std::pair<std::string, std::map<std::string, double>>> trials;
  if (is_auto) {
    if (has_search || !search.space.empty()) {
      return core::FailedPrecondition(
          "algorithm auto chooses its own search space; give only search.folds, search.repeats and search.trials, or "
          "name an algorithm to search a space");
    }
    for (const auto& [name, value] : request.params) {
      if (!IsCommonParameter(name)) {
        return core::FailedPrecondition("unknown parameter '" + name +
                                        "' for auto; known: holdout_fraction, seed (auto chooses the rest)");
      }
    }
    // The task (detected, or as asked) decides the families.
    storage::TrainRequest probe = request;
    probe.algorithm.clear();
    AMP_ASSIGN_OR_RETURN(TrainPlan base, PlanTraining(probe, schema));
    const bool classification = ml::IsClassification(base.task);
    for (const AutoFamily& family : AutoFamilies()) {
      if (family.classification != classification || !IsSupported(family.algorithm)) continue;
      for (const auto& params : family.grid) trials.emplace_back(std::string(family.algorithm), params);
    }
    if (search.trials != 0 && static_cast<size_t>(search.trials) < trials.size()) {
      // Keep the first point of every family, then the rest in order, so a small budget still compares families.
      std::vector<std::pair<std::string, std::map<std::string, double>>> kept;
      std::vector<bool> taken(trials.size(), false);
      for (size_t idx = 0; idx < trials.size(); ++idx) {
        if (idx == 0 || trials[idx].first != trials[idx - 1].first) {
          kept.push_back(trials[idx]);
          taken[idx] = true;
        }
      }
      for (size_t idx = 0; idx < trials.size(); ++idx) {
        if (!taken[idx]) kept.push_back(trials[idx]);
      }
      kept.resize(std::max<size_t>(1, static_cast<size_t>(search.trials)));
      trials = std::move(kept);
    }
  } else {
    if (search.method != "grid" && search.method != "random") {
      return core::FailedPrecondition("search.method must be grid or random, not '" + search.method + "'");
    }
    if (search.space.empty()) return core::FailedPrecondition("search.space must name at least one parameter");
    if (request.algorithm.empty()) {
      return core::FailedPrecondition("a search needs an algorithm (or use algorithm auto)");
    }
    if (!IsSupported(request.algorithm)) AMP_RETURN_IF_ERROR(PlanTraining(request, schema).status());
    double grid_size = 1;
    for (const auto& [name, values] : search.space) {
      if (IsCommonParameter(name)) {
        return core::FailedPrecondition("search.space cannot vary '" + name +
                                        "': every trial must share the split; set it in params");
      }
      if (request.params.contains(name)) {
        return core::FailedPrecondition("parameter '" + name +
                                        "' is both fixed in params and searched in search.space");
      }
      if (values.empty()) return core::FailedPrecondition("search.space." + name + " must list at least one value");
      for (double value : values) {
        core::Status checked = CheckParameter(request.algorithm, name, value);
        if (!checked.ok()) return core::FailedPrecondition("search.space: " + checked.message());
      }
      grid_size *= static_cast<double>(values.size());
    }
    if (search.method == "grid" && grid_size > kMaxTrials) {
      return core::FailedPrecondition("search.space has " + std::to_string(static_cast<int64_t>(grid_size)) +
                                      " grid points; at most " + std::to_string(kMaxTrials) +
                                      " (use method random with trials)");
    }
    if (search.method == "random" && grid_size > 1e6) {
      return core::FailedPrecondition("search.space has more than 1000000 combinations; list fewer values");
    }
    if (search.method == "grid" && search.trials != 0) {
      return core::FailedPrecondition("search.trials applies to method random; a grid tries every point");
    }
    // The draw's seed is the request's, so the same request draws the same points.
    uint64_t seed = 42;
    if (auto it = request.params.find("seed"); it != request.params.end()) seed = static_cast<uint64_t>(it->second);
    auto points = search.method == "grid"
                      ? ExpandGrid(search.space)
                      : DrawRandom(search.space, search.trials == 0 ? kDefaultRandomTrials : search.trials, seed + 3);
    for (auto& point : points) trials.emplace_back(request.algorithm, std::move(point));
  }

  const int parallel = std::max(1, std::min(plan.cpu_budget, static_cast<int>(trials.size())));
  const int threads_per_trial = std::max(1, plan.cpu_budget / parallel);
  for (auto& [algorithm, params] : trials) {
    storage::TrainRequest candidate = request;
    candidate.algorithm = algorithm;
    candidate.search = {};
    for (const auto& [name, value] : params) candidate.params[name] = value;
    AMP_ASSIGN_OR_RETURN(TrainPlan trial, PlanTraining(candidate, schema));
    if (TakesThreads(algorithm) && !candidate.params.contains("nthread")) trial.boosting.nthread = threads_per_trial;
    trial.threads = threads_per_trial;
    plan.task = trial.task;
    if (is_auto) {
      bool family_default = false;
      for (const AutoFamily& family : AutoFamilies()) {
        family_default = family_default || (family.algorithm == algorithm && family.grid.front() == params);
      }
      plan.family_defaults.push_back(family_default);
    }
    plan.candidates.push_back(std::move(trial));
    plan.searched_params.push_back(std::move(params));
  }
  if (plan.candidates.empty()) return core::FailedPrecondition("the search has no trial to run");

  // Enough rows for the folds: counted from the schema, so an empty table is refused before any job is queued.
  const TrainPlan& first = plan.candidates.front();
  const data::ColumnSummary& target = schema.columns[static_cast<size_t>(schema.FindColumn(first.target.name))];
  const int64_t usable = schema.row_count - target.missing_count;
  if (usable <= 0) {
    return core::FailedPrecondition("no row has a value for the target '" + first.target.name +
                                    "': nothing is left to train on");
  }
  const auto holdout = static_cast<int64_t>(std::llround(static_cast<double>(usable) * first.holdout_fraction));
  const int64_t training_part = usable - std::max<int64_t>(holdout, first.holdout_fraction > 0 ? 1 : 0);
  if (training_part < plan.folds) {
    return core::FailedPrecondition(
        std::to_string(plan.folds) + "-fold cross-validation needs at least " + std::to_string(plan.folds) +
        " training rows with a target value; the dataset has " + std::to_string(usable) +
        " rows with a target value, " + std::to_string(std::max<int64_t>(training_part, 0)) + " after the holdout");
  }
  return plan;
}

}  // namespace amp::training
