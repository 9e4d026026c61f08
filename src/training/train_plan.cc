#include "training/train_plan.h"

#include <cmath>
#include <set>
#include <string_view>

#include "ml/kmeans/kmeans_model.h"
#include "ml/linear/linear_model.h"
#include "ml/logistic/logistic_model.h"
#include "ml/xgboost/xgboost_model.h"
#include "training/task_detection.h"

namespace amp::training {
namespace {

// One parameter an algorithm takes: its check (finite values only) and where it goes in the plan.
struct ParamRule {
  std::string_view name;
  std::string_view requirement;  // completes "parameter '<name>' must be ..."
  bool (*valid)(double value);
  void (*apply)(TrainPlan& plan, double value);
};

bool IsWhole(double value) {
  return value == std::floor(value);
}

// The rules every algorithm shares come last, so messages list the algorithm's own parameters first.
const std::vector<ParamRule>& CommonRules() {
  static const std::vector<ParamRule> kRules = {
      {"holdout_fraction", "in [0, 1)", [](double v) { return v >= 0.0 && v < 1.0; },
       [](TrainPlan& plan, double v) { plan.holdout_fraction = v; }},
      {"seed", "a whole number >= 0", [](double v) { return v >= 0.0 && IsWhole(v) && v <= 9007199254740992.0; },
       [](TrainPlan& plan, double v) { plan.seed = static_cast<uint64_t>(v); }},
  };
  return kRules;
}

const std::vector<ParamRule>& LinearRules() {
  static const std::vector<ParamRule> kRules = {
      {"l2", ">= 0", [](double v) { return v >= 0.0; }, [](TrainPlan& plan, double v) { plan.l2 = v; }},
      {"alpha", ">= 0", [](double v) { return v >= 0.0; },
       [](TrainPlan& plan, double v) { plan.elastic_net.alpha = v; }},
      {"l1_ratio", "in [0, 1]", [](double v) { return v >= 0.0 && v <= 1.0; },
       [](TrainPlan& plan, double v) { plan.elastic_net.l1_ratio = v; }},
      {"max_iter", "a whole number in [1, 100000]", [](double v) { return IsWhole(v) && v >= 1 && v <= 100000; },
       [](TrainPlan& plan, double v) { plan.elastic_net.max_iterations = static_cast<int>(v); }},
      {"tol", "in (0, 1)", [](double v) { return v > 0.0 && v < 1.0; },
       [](TrainPlan& plan, double v) { plan.elastic_net.tolerance = v; }},
  };
  return kRules;
}

const std::vector<ParamRule>& LogisticRules() {
  static const std::vector<ParamRule> kRules = {
      {"C", "> 0", [](double v) { return v > 0.0; }, [](TrainPlan& plan, double v) { plan.logistic.c = v; }},
      {"balanced_class_weights", "0 or 1", [](double v) { return v == 0.0 || v == 1.0; },
       [](TrainPlan& plan, double v) { plan.logistic.balanced = v == 1.0; }},
      {"max_iter", "a whole number in [1, 10000]", [](double v) { return IsWhole(v) && v >= 1 && v <= 10000; },
       [](TrainPlan& plan, double v) { plan.logistic.max_iterations = static_cast<int>(v); }},
  };
  return kRules;
}

const std::vector<ParamRule>& XgboostRules() {
  static const std::vector<ParamRule> kRules = {
      {"n_estimators", "a whole number in [1, 10000]", [](double v) { return IsWhole(v) && v >= 1 && v <= 10000; },
       [](TrainPlan& plan, double v) { plan.boosting.n_estimators = static_cast<int>(v); }},
      {"max_depth", "a whole number in [1, 24]", [](double v) { return IsWhole(v) && v >= 1 && v <= 24; },
       [](TrainPlan& plan, double v) { plan.boosting.max_depth = static_cast<int>(v); }},
      {"learning_rate", "in (0, 1]", [](double v) { return v > 0.0 && v <= 1.0; },
       [](TrainPlan& plan, double v) { plan.boosting.learning_rate = v; }},
      {"subsample", "in (0, 1]", [](double v) { return v > 0.0 && v <= 1.0; },
       [](TrainPlan& plan, double v) { plan.boosting.subsample = v; }},
      {"colsample_bytree", "in (0, 1]", [](double v) { return v > 0.0 && v <= 1.0; },
       [](TrainPlan& plan, double v) { plan.boosting.colsample_bytree = v; }},
      {"min_child_weight", ">= 0", [](double v) { return v >= 0.0; },
       [](TrainPlan& plan, double v) { plan.boosting.min_child_weight = v; }},
      {"reg_lambda", ">= 0", [](double v) { return v >= 0.0; },
       [](TrainPlan& plan, double v) { plan.boosting.reg_lambda = v; }},
      {"early_stopping_rounds", "a whole number in [0, 10000]",
       [](double v) { return IsWhole(v) && v >= 0 && v <= 10000; },
       [](TrainPlan& plan, double v) { plan.boosting.early_stopping_rounds = static_cast<int>(v); }},
      {"nthread", "a whole number in [1, 64]", [](double v) { return IsWhole(v) && v >= 1 && v <= 64; },
       [](TrainPlan& plan, double v) { plan.boosting.nthread = static_cast<int>(v); }},
  };
  return kRules;
}

const ParamRule kBalancedTreeRule = {"balanced_class_weights", "0 or 1", [](double v) { return v == 0.0 || v == 1.0; },
                                     [](TrainPlan& plan, double v) { plan.boosting.balanced = v == 1.0; }};

const std::vector<ParamRule>& XgboostClassifierRules() {
  static const std::vector<ParamRule> kRules = [] {
    std::vector<ParamRule> rules = XgboostRules();
    rules.insert(rules.end() - 1, kBalancedTreeRule);  // before nthread
    return rules;
  }();
  return kRules;
}

const std::vector<ParamRule>& RandomForestRules() {
  static const std::vector<ParamRule> kRules = {
      {"n_estimators", "a whole number in [1, 10000]", [](double v) { return IsWhole(v) && v >= 1 && v <= 10000; },
       [](TrainPlan& plan, double v) { plan.boosting.num_parallel_tree = static_cast<int>(v); }},
      {"max_depth", "a whole number in [1, 24]", [](double v) { return IsWhole(v) && v >= 1 && v <= 24; },
       [](TrainPlan& plan, double v) { plan.boosting.max_depth = static_cast<int>(v); }},
      {"subsample", "in (0, 1]", [](double v) { return v > 0.0 && v <= 1.0; },
       [](TrainPlan& plan, double v) { plan.boosting.subsample = v; }},
      {"colsample_bynode", "0 (the square root rule) or in (0, 1]", [](double v) { return v >= 0.0 && v <= 1.0; },
       [](TrainPlan& plan, double v) { plan.boosting.colsample_bynode = v; }},
      {"min_child_weight", ">= 0", [](double v) { return v >= 0.0; },
       [](TrainPlan& plan, double v) { plan.boosting.min_child_weight = v; }},
      {"reg_lambda", ">= 0", [](double v) { return v >= 0.0; },
       [](TrainPlan& plan, double v) { plan.boosting.reg_lambda = v; }},
      {"nthread", "a whole number in [1, 64]", [](double v) { return IsWhole(v) && v >= 1 && v <= 64; },
       [](TrainPlan& plan, double v) { plan.boosting.nthread = static_cast<int>(v); }},
  };
  return kRules;
}

const std::vector<ParamRule>& RandomForestClassifierRules() {
  static const std::vector<ParamRule> kRules = [] {
    std::vector<ParamRule> rules = RandomForestRules();
    rules.insert(rules.end() - 1, kBalancedTreeRule);  // before nthread
    return rules;
  }();
  return kRules;
}

const std::vector<ParamRule>& KMeansRules() {
  static const std::vector<ParamRule> kRules = {
      {"k", "a whole number in [1, 1000]", [](double v) { return IsWhole(v) && v >= 1 && v <= 1000; },
       [](TrainPlan& plan, double v) { plan.kmeans.k = static_cast<int>(v); }},
      {"n_init", "a whole number in [1, 100]", [](double v) { return IsWhole(v) && v >= 1 && v <= 100; },
       [](TrainPlan& plan, double v) { plan.kmeans.n_init = static_cast<int>(v); }},
      {"max_iter", "a whole number in [1, 10000]", [](double v) { return IsWhole(v) && v >= 1 && v <= 10000; },
       [](TrainPlan& plan, double v) { plan.kmeans.max_iterations = static_cast<int>(v); }},
      {"tol", "in [0, 1)", [](double v) { return v >= 0.0 && v < 1.0; },
       [](TrainPlan& plan, double v) { plan.kmeans.tolerance = v; }},
  };
  return kRules;
}

bool IsXgboost(std::string_view algorithm) {
  return algorithm == ml::kXgboostRegressorAlgorithm || algorithm == ml::kXgboostClassifierAlgorithm;
}

bool IsRandomForest(std::string_view algorithm) {
  return algorithm == ml::kRandomForestRegressorAlgorithm || algorithm == ml::kRandomForestClassifierAlgorithm;
}

const std::vector<ParamRule>& RulesFor(std::string_view algorithm) {
  if (algorithm == ml::kKMeansAlgorithm) return KMeansRules();
  if (algorithm == ml::kXgboostClassifierAlgorithm) return XgboostClassifierRules();
  if (IsXgboost(algorithm)) return XgboostRules();
  if (algorithm == ml::kRandomForestClassifierAlgorithm) return RandomForestClassifierRules();
  if (IsRandomForest(algorithm)) return RandomForestRules();
  if (algorithm == ml::kLogisticRegressionAlgorithm) return LogisticRules();
  return LinearRules();
}

// The task an algorithm implies when the request names none: "regression" or "classification".
std::string_view ImpliedTask(std::string_view algorithm) {
  if (algorithm.empty()) return "";
  return algorithm == ml::kLogisticRegressionAlgorithm || algorithm == ml::kXgboostClassifierAlgorithm ||
                 algorithm == ml::kRandomForestClassifierAlgorithm
             ? "classification"
             : "regression";
}

const ParamRule* FindRule(std::string_view algorithm, std::string_view name) {
  for (const ParamRule& rule : RulesFor(algorithm)) {
    if (rule.name == name) return &rule;
  }
  for (const ParamRule& rule : CommonRules()) {
    if (rule.name == name) return &rule;
  }
  return nullptr;
}

// Checks `request.params` against the algorithm's rules (then the common ones) and applies them to `plan`.
core::Status ApplyParams(const storage::TrainRequest& request, TrainPlan& plan) {
  for (const auto& [name, value] : request.params) {
    AMP_RETURN_IF_ERROR(CheckParameter(plan.algorithm, name, value));
    FindRule(plan.algorithm, name)->apply(plan, value);
  }
  return core::Status::Ok();
}

// The features of a request: the named columns (each once, none the target), or every column but the target.
core::Status ResolveFeatures(const storage::TrainRequest& request, const data::TableSummary& schema,
                             const std::string& target_name, TrainPlan& plan) {
  std::set<std::string> seen;
  if (request.features.empty()) {
    for (const data::ColumnSummary& column : schema.columns) {
      if (column.name != target_name) plan.features.push_back({column.name, column.type});
    }
  } else {
    for (const std::string& name : request.features) {
      int column_idx = schema.FindColumn(name);
      if (column_idx < 0) return core::FailedPrecondition("feature column '" + name + "' is not in the dataset");
      if (name == target_name) return core::FailedPrecondition("the target '" + name + "' cannot also be a feature");
      if (!seen.insert(name).second) return core::FailedPrecondition("feature '" + name + "' is listed twice");
      const data::ColumnSummary& column = schema.columns[static_cast<size_t>(column_idx)];
      plan.features.push_back({column.name, column.type});
    }
  }
  if (plan.features.empty()) return core::FailedPrecondition("no feature columns to train on");
  return core::Status::Ok();
}

core::Result<TrainPlan> PlanClustering(const storage::TrainRequest& request, const data::TableSummary& schema) {
  TrainPlan plan;
  plan.task = ml::Task::kClustering;
  plan.algorithm = request.algorithm.empty() ? std::string(ml::kKMeansAlgorithm) : request.algorithm;
  if (plan.algorithm != ml::kKMeansAlgorithm) {
    return core::FailedPrecondition(plan.algorithm + " cannot do clustering; use kmeans");
  }
  if (!request.target.empty()) {
    return core::FailedPrecondition("clustering takes no target, but the request names '" + request.target +
                                    "'; leave 'target' out (or list the columns to cluster on as 'features')");
  }
  plan.target = {std::string(ml::kClusterTarget), data::ColumnType::kInteger};
  AMP_RETURN_IF_ERROR(ApplyParams(request, plan));
  AMP_RETURN_IF_ERROR(ResolveFeatures(request, schema, "", plan));
  return plan;
}

}  // namespace

core::Status CheckParameter(std::string_view algorithm, std::string_view name, double value) {
  const ParamRule* match = FindRule(algorithm, name);
  if (match == nullptr) {
    std::string known_names;
    for (const auto* rules : {&RulesFor(algorithm), &CommonRules()}) {
      for (const ParamRule& rule : *rules) known_names += (known_names.empty() ? "" : ", ") + std::string(rule.name);
    }
    return core::FailedPrecondition("unknown parameter '" + std::string(name) + "' for " + std::string(algorithm) +
                                    "; known: " + known_names);
  }
  if (!std::isfinite(value)) {
    return core::FailedPrecondition("parameter '" + std::string(name) + "' must be a finite number");
  }
  if (!match->valid(value)) {
    return core::FailedPrecondition("parameter '" + std::string(name) + "' must be " + std::string(match->requirement));
  }
  return core::Status::Ok();
}

bool IsCommonParameter(std::string_view name) {
  for (const ParamRule& rule : CommonRules()) {
    if (rule.name == name) return true;
  }
  return false;
}

const std::vector<std::string>& SupportedAlgorithms() {
  static const std::vector<std::string> kAlgorithms = {
      std::string(ml::kLinearRegressionAlgorithm), std::string(ml::kLogisticRegressionAlgorithm),
      std::string(ml::kXgboostRegressorAlgorithm), std::string(ml::kXgboostClassifierAlgorithm),
      std::string(ml::kRandomForestRegressorAlgorithm), std::string(ml::kRandomForestClassifierAlgorithm),
      std::string(ml::kKMeansAlgorithm)};
  return kAlgorithms;
}

std::map<std::string, double> TrainPlan::Params() const {
  std::map<std::string, double> params = {{"holdout_fraction", holdout_fraction}, {"seed", static_cast<double>(seed)}};
  if (IsXgboost(algorithm)) {
    params.emplace("n_estimators", static_cast<double>(boosting.n_estimators));
    params.emplace("max_depth", static_cast<double>(boosting.max_depth));
    params.emplace("learning_rate", boosting.learning_rate);
    params.emplace("subsample", boosting.subsample);
    params.emplace("colsample_bytree", boosting.colsample_bytree);
    params.emplace("min_child_weight", boosting.min_child_weight);
    params.emplace("reg_lambda", boosting.reg_lambda);
    params.emplace("early_stopping_rounds", static_cast<double>(boosting.early_stopping_rounds));
    params.emplace("nthread", static_cast<double>(boosting.nthread));
    if (algorithm == ml::kXgboostClassifierAlgorithm) params.emplace("balanced_class_weights", boosting.balanced ? 1.0 : 0.0);
  } else if (IsRandomForest(algorithm)) {
    params.emplace("n_estimators", static_cast<double>(boosting.num_parallel_tree));
    params.emplace("max_depth", static_cast<double>(boosting.max_depth));
    params.emplace("subsample", boosting.subsample);
    params.emplace("colsample_bynode", boosting.colsample_bynode);
    params.emplace("min_child_weight", boosting.min_child_weight);
    params.emplace("reg_lambda", boosting.reg_lambda);
    params.emplace("nthread", static_cast<double>(boosting.nthread));
    if (algorithm == ml::kRandomForestClassifierAlgorithm) params.emplace("balanced_class_weights", boosting.balanced ? 1.0 : 0.0);
  } else if (algorithm == ml::kKMeansAlgorithm) {
    params.emplace("k", static_cast<double>(kmeans.k));
    params.emplace("n_init", static_cast<double>(kmeans.n_init));
    params.emplace("max_iter", static_cast<double>(kmeans.max_iterations));
    params.emplace("tol", kmeans.tolerance);
  } else if (algorithm == ml::kLogisticRegressionAlgorithm) {
    params.emplace("C", logistic.c);
    params.emplace("balanced_class_weights", logistic.balanced ? 1.0 : 0.0);
    params.emplace("max_iter", static_cast<double>(logistic.max_iterations));
  } else {
    params.emplace("l2", l2);
    if (elastic_net.alpha > 0.0) {
      params.emplace("alpha", elastic_net.alpha);
      params.emplace("l1_ratio", elastic_net.l1_ratio);
      params.emplace("max_iter", static_cast<double>(elastic_net.max_iterations));
      params.emplace("tol", elastic_net.tolerance);
    }
  }
  return params;
}

std::vector<data::ColumnSpec> TrainPlan::ColumnsToLoad() const {
  std::vector<data::ColumnSpec> columns;
  if (task != ml::Task::kClustering) columns.push_back(target);
  columns.insert(columns.end(), features.begin(), features.end());
  return columns;
}

core::Result<TrainPlan> PlanTraining(const storage::TrainRequest& request, const data::TableSummary& schema) {
  TrainPlan plan;
  if (!request.algorithm.empty()) {
    bool known = false;
    for (const std::string& algorithm : SupportedAlgorithms()) known = known || algorithm == request.algorithm;
    if (!known) {
      std::string supported;
      for (const std::string& algorithm : SupportedAlgorithms()) {
        supported += (supported.empty() ? "" : ", ") + algorithm;
      }
      return core::FailedPrecondition("unknown algorithm '" + request.algorithm + "'; supported: " + supported);
    }
  }

  const bool clustering = request.task == ml::TaskName(ml::Task::kClustering) ||
                          (request.task.empty() && request.algorithm == ml::kKMeansAlgorithm);
  if (clustering) return PlanClustering(request, schema);
  if (request.algorithm == ml::kKMeansAlgorithm) {
    return core::FailedPrecondition("kmeans does clustering, not task '" + request.task + "'");
  }
  if (request.target.empty()) return core::FailedPrecondition("'target' is required");
  int target_idx = schema.FindColumn(request.target);
  if (target_idx < 0) {
    return core::FailedPrecondition("target column '" + request.target + "' is not in the dataset");
  }
  const data::ColumnSummary& target = schema.columns[static_cast<size_t>(target_idx)];
  plan.target = {target.name, target.type};
  AMP_ASSIGN_OR_RETURN(plan.task,
                       DetectTask(target, request.task.empty() ? ImpliedTask(request.algorithm) : request.task));
  const bool classification = ml::IsClassification(plan.task);
  plan.algorithm = !request.algorithm.empty() ? request.algorithm
                   : classification           ? std::string(ml::kLogisticRegressionAlgorithm)
                                              : std::string(ml::kLinearRegressionAlgorithm);
  if ((ImpliedTask(plan.algorithm) == "classification") != classification) {
    return core::FailedPrecondition(
        plan.algorithm + " cannot train a " + std::string(ml::TaskName(plan.task)) + " of target '" + target.name +
        "'; use " +
        (classification ? "logistic_regression, xgboost_classifier or random_forest_classifier"
                        : "linear_regression, xgboost_regressor or random_forest_regressor"));
  }
  if (IsRandomForest(plan.algorithm)) {
    // scikit-learn's forests: 100 trees, max_features "sqrt" for a classifier (colsample_bynode 0 here) and all
    // features for a regressor; rows subsampled to 63.2% per tree (the share of distinct rows in a bootstrap
    // sample); deep trees; almost no leaf shrinkage (XGBRFRegressor's reg_lambda).
    plan.boosting.num_parallel_tree = 100;
    plan.boosting.n_estimators = 1;
    plan.boosting.learning_rate = 1.0;
    plan.boosting.max_depth = 16;
    plan.boosting.subsample = 0.632;
    plan.boosting.colsample_bynode = classification ? 0.0 : 1.0;
    plan.boosting.reg_lambda = 1e-5;
  }

  AMP_RETURN_IF_ERROR(ApplyParams(request, plan));
  if (plan.elastic_net.alpha > 0.0 && plan.l2 > 0.0) {
    return core::FailedPrecondition(
        "parameters 'l2' (ridge) and 'alpha' (lasso / elastic net) exclude each other; for both penalties use alpha "
        "with l1_ratio < 1");
  }

  data::PersonalDataAllowance allowance;
  allowance.all = request.allow_personal_data_all;
  for (const std::string& name : request.allow_personal_data) {
    if (schema.FindColumn(name) < 0) {
      return core::FailedPrecondition("allow_personal_data names '" + name + "', which is not a column of the dataset");
    }
    allowance.columns.insert(name);
  }
  plan.columns = data::DecideColumnRoles(schema, target.name, allowance);
  std::set<std::string> seen;
  if (request.features.empty()) {
    for (const data::ColumnRoleDecision& column : plan.columns) {
      if (column.role == data::ColumnRole::kExcluded) continue;
      plan.features.push_back({column.name, column.type});
      plan.feature_roles.push_back(column.role);
    }
  } else {
    for (const std::string& name : request.features) {
      int column_idx = schema.FindColumn(name);
      if (column_idx < 0) return core::FailedPrecondition("feature column '" + name + "' is not in the dataset");
      if (name == target.name) return core::FailedPrecondition("the target '" + name + "' cannot also be a feature");
      if (!seen.insert(name).second) return core::FailedPrecondition("feature '" + name + "' is listed twice");
      data::ColumnRoleDecision& decision = plan.columns[static_cast<size_t>(column_idx)];
      if (decision.exclusion == data::Exclusion::kPersonalData) {
        return core::FailedPrecondition("feature '" + name + "' " + decision.reason);
      }
      // A listed column is used as asked: an ID-like or constant one too (the report still says what it looks
      // like).
      const data::ColumnSummary& column = schema.columns[static_cast<size_t>(column_idx)];
      if (decision.role == data::ColumnRole::kExcluded) {
        decision.reason = "is used because the request lists it, though it " + decision.reason;
        decision.exclusion = data::Exclusion::kNone;
      }
      decision.role = data::RoleByType(column);
      plan.features.push_back({column.name, column.type});
      plan.feature_roles.push_back(decision.role);
    }
    for (data::ColumnRoleDecision& decision : plan.columns) {
      if (decision.role == data::ColumnRole::kExcluded || seen.count(decision.name) > 0) continue;
      decision.role = data::ColumnRole::kExcluded;
      decision.exclusion = data::Exclusion::kNotRequested;
      decision.reason = "is not among the request's features";
    }
  }
  if (plan.features.empty()) {
    std::string reasons;
    for (const data::ColumnRoleDecision& column : plan.columns) {
      if (column.exclusion == data::Exclusion::kTarget) continue;
      reasons += (reasons.empty() ? "" : "; ") + std::string("'") + column.name + "' " + column.reason;
    }
    return core::FailedPrecondition(
        "no feature columns to train on" +
        (reasons.empty() ? std::string() : ": every column but the target is excluded (" + reasons + ")"));
  }
  if (schema.row_count - target.missing_count < 2) {
    return core::FailedPrecondition("fewer than 2 rows have a value for the target '" + target.name +
                                    "'; nothing is left to train on after dropping rows with a missing target");
  }
  return plan;
}

}  // namespace amp::training
