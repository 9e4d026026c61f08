// TrainPlan: a training request checked against the dataset's schema, with every parameter resolved. Building it
// is a pure function, so a request that cannot work is refused before any job is queued.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "data/column_roles.h"
#include "data/table.h"
#include "data/table_summary.h"
#include "ml/logistic/logistic_solver.h"
#include "ml/model.h"
#include "ml/xgboost/booster_trainer.h"
#include "storage/records.h"

namespace amp::training {

struct TrainPlan {
  std::string algorithm;
  ml::Task task = ml::Task::kRegression;
  data::ColumnSpec target;
  std::vector<data::ColumnSpec> features;
  std::vector<data::ColumnRole> feature_roles;  // one per feature: numeric, boolean, categorical or datetime
  // The role of every dataset column (excluded ones with the reason), for the cleaning report.
  std::vector<data::ColumnRoleDecision> columns;
  double l2 = 0.0;              // linear_regression
  ml::LogisticParams logistic;  // logistic_regression
  ml::BoosterParams boosting;   // xgboost_*; its seed is `seed` below (boosting.seed is not used), its objective
                                // follows the task
  double holdout_fraction = 0.2;
  uint64_t seed = 42;  // the holdout split, the early-stopping fold and XGBoost's sampling

  // The resolved parameters of the plan's algorithm, recorded with the version.
  std::map<std::string, double> Params() const;
  // Target first, then the features: the columns training loads.
  std::vector<data::ColumnSpec> ColumnsToLoad() const;
};

// The algorithms this build can train.
const std::vector<std::string>& SupportedAlgorithms();

// Algorithms by task: regression: linear_regression (the default), xgboost_regressor; classification (binary or
// multiclass): logistic_regression (the default), xgboost_classifier. The task is the request's `task`, else the one
// the algorithm implies, else detected from the target (DetectTask). Parameters by algorithm (each also takes
// holdout_fraction and seed):
//   linear_regression    l2 (0)
//   logistic_regression  C (1: scikit-learn's inverse penalty), balanced_class_weights (0; 1 weighs rows as
//                        sklearn's class_weight="balanced"), max_iter (100 Newton steps)
//   xgboost_regressor,   n_estimators (100), max_depth (6), learning_rate (0.3), subsample (1), colsample_bytree (1),
//                        min_child_weight (1), reg_lambda (1), early_stopping_rounds (0 = off; else 10% of the
//                        training part is held out as a validation fold), nthread (1)
//   xgboost_classifier   the same (objective binary:logistic or multi:softprob; early stopping on logloss/mlogloss)
// Features: the request's `features`, else every column data::DecideColumnRoles does not exclude (ID-like, free
// text, constant, empty, personal data). A column flagged as personal or payment data is used only when the
// request allows it (allow_personal_data_all, or its name in allow_personal_data), also when listed explicitly.
// FailedPrecondition (naming the problem) for: an unknown algorithm, an unknown or out-of-range parameter, a target
// that is not a column, fewer than 2 rows with a target value, DetectTask's refusals (a regression target that is
// text, a classification target with one class, ...), an algorithm that does not do the task, a feature that is not
// a column or is the target, a repeated feature, a listed feature that is personal data not allowed, an allowed
// personal-data column that is not a column, no features left (with every excluded column and why).
core::Result<TrainPlan> PlanTraining(const storage::TrainRequest& request, const data::TableSummary& schema);

}  // namespace amp::training
