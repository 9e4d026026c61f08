// TrainPlan: a training request checked against the dataset's schema, with every parameter resolved. Building it
// is a pure function, so a request that cannot work is refused before any job is queued.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "data/column_roles.h"
#include "data/table.h"
#include "data/table_summary.h"
#include "ml/kmeans/kmeans_solver.h"
#include "ml/linear/elastic_net_solver.h"
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
  double l2 = 0.0;              // linear_regression (ridge, closed form)
  ml::ElasticNetParams elastic_net;  // linear_regression with alpha > 0 (lasso / elastic net, coordinate descent)
  ml::LogisticParams logistic;  // logistic_regression
  ml::KMeansParams kmeans;      // kmeans; its seed is `seed` below
  ml::BoosterParams boosting;   // xgboost_* and random_forest_*; its seed is `seed` below (boosting.seed is not used), its objective
                                // follows the task
  double holdout_fraction = 0.2;
  uint64_t seed = 42;  // the holdout split, the early-stopping fold and XGBoost's sampling
  // The threads one fit may use besides XGBoost's own (boosting.nthread): the cleaning report's checks and the
  // preprocessing of a large table, the ridge and logistic solvers. 0: the hardware's. PlanSearch sets it from the
  // job's CPU budget (its share of it for a trial that runs beside others); the model does not depend on it.
  int threads = 0;

  // The resolved parameters of the plan's algorithm, recorded with the version.
  std::map<std::string, double> Params() const;
  // Target first (none for clustering), then the features: the columns training loads.
  std::vector<data::ColumnSpec> ColumnsToLoad() const;
};

// The algorithms this build can train.
const std::vector<std::string>& SupportedAlgorithms();

// Algorithms by task: regression: linear_regression (the default), xgboost_regressor, random_forest_regressor;
// classification (binary or multiclass): logistic_regression (the default), xgboost_classifier,
// random_forest_classifier. The task is the request's `task`, else the one the algorithm implies, else detected from
// the target (DetectTask). Parameters by algorithm (each also takes holdout_fraction and seed):
//   linear_regression    l2 (0): ridge, scikit-learn's Ridge(alpha=l2), solved in closed form; or
//                        alpha (0 = off) with l1_ratio (0.5), max_iter (1000), tol (1e-4): scikit-learn's
//                        ElasticNet(alpha, l1_ratio, max_iter, tol) objective 1/(2n) ||y - Xw - b||^2 +
//                        alpha l1_ratio ||w||_1 + alpha (1 - l1_ratio) / 2 ||w||^2 on the standardized columns,
//                        solved by cyclic coordinate descent with sklearn's duality-gap stop; l1_ratio 1 is
//                        Lasso(alpha). l2 and alpha cannot both be set.
//   logistic_regression  C (1: scikit-learn's inverse penalty), balanced_class_weights (0; 1 weighs rows as
//                        sklearn's class_weight="balanced"), max_iter (100 Newton steps)
//   xgboost_regressor,   n_estimators (100), max_depth (6), learning_rate (0.3), subsample (1), colsample_bytree (1),
//                        min_child_weight (1), reg_lambda (1), early_stopping_rounds (0 = off; else 10% of the
//                        training part is held out as a validation fold), nthread (1)
//   xgboost_classifier   the same (objective binary:logistic or multi:softprob; early stopping on logloss/mlogloss),
//                        and balanced_class_weights (0; 1 weighs training rows as sklearn's class_weight="balanced")
//   random_forest_regressor, random_forest_classifier: XGBoost's random forest mode (one round of num_parallel_tree
//                        trees, learning rate 1): n_estimators (100 trees), max_depth (16), subsample (0.632 of the
//                        rows per tree, without replacement), colsample_bynode (share of the columns tried per split;
//                        0 = sqrt(columns) / columns, scikit-learn's max_features="sqrt"; default 0 for the
//                        classifier, 1 for the regressor), min_child_weight (1), reg_lambda (1e-5), nthread (1); the
//                        classifier also balanced_class_weights (0)
// Clustering (task "clustering", or algorithm kmeans): a table without a target; the request names no target.
//   kmeans               k (8 clusters, at most the training rows), n_init (10 seeded k-means++ starts, the best
//                        by inertia kept), max_iter (300 Lloyd steps), tol (1e-4, relative to the mean column
//                        variance as scikit-learn's); features are standardized (numbers) and one-hot encoded
//                        (categories) first, so distances weigh every feature alike.
// Features: the request's `features`, else every column data::DecideColumnRoles does not exclude (ID-like, free
// text, constant, empty, personal data). A column flagged as personal or payment data is used only when the
// request allows it (allow_personal_data_all, or its name in allow_personal_data), also when listed explicitly.
// FailedPrecondition (naming the problem) for: an unknown algorithm, an unknown or out-of-range parameter, a target
// that is not a column, fewer than 2 rows with a target value, DetectTask's refusals (a regression target that is
// text, a classification target with one class, ...), an algorithm that does not do the task, a feature that is not
// a column or is the target, a repeated feature, a listed feature that is personal data not allowed, an allowed
// personal-data column that is not a column, no features left (with every excluded column and why).
core::Result<TrainPlan> PlanTraining(const storage::TrainRequest& request, const data::TableSummary& schema);

// Checks one parameter of `algorithm` (a supported one) against the table PlanTraining uses: FailedPrecondition
// naming an unknown parameter (and the known ones) or a value out of range.
core::Status CheckParameter(std::string_view algorithm, std::string_view name, double value);
// Whether `name` is a parameter every algorithm takes (holdout_fraction, seed).
bool IsCommonParameter(std::string_view name);

}  // namespace amp::training
