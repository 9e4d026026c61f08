// TrainBooster: fits an XGBoost booster (tree_method hist) through the C API on dense encoded rows: a regression
// (objective reg:squarederror) or a classifier (binary:logistic, or multi:softprob with num_class classes; labels are
// class indices), with the early stopping rule of xgboost's sklearn estimators (stop after `early_stopping_rounds`
// rounds without a strictly lower validation metric, XGBoost's default for the objective: rmse, logloss or mlogloss;
// keep the trees up to the best round). With the same rows, labels, parameters and seed it builds the same trees as
// XGBRegressor / XGBClassifier(tree_method="hist", n_jobs=nthread, random_state=seed) in Debian's python3-xgboost
// (tests/parity/xgboost_diabetes.py and xgboost_classification.py check). Deterministic for the same inputs.
// Thread-safe (each call owns its booster).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "ml/xgboost/booster.h"

namespace amp::ml {

struct BoosterParams {
  std::string objective = "reg:squarederror";  // or "binary:logistic", "multi:softprob"
  int num_class = 0;                           // multi:softprob's number of classes
  int n_estimators = 100;
  int max_depth = 6;
  double learning_rate = 0.3;
  double subsample = 1.0;
  double colsample_bytree = 1.0;
  double min_child_weight = 1.0;
  double reg_lambda = 1.0;
  int early_stopping_rounds = 0;  // 0: off
  // Random forest mode (XGBoost's num_parallel_tree): this many trees per boosting round, averaged. A random forest
  // is one round (n_estimators 1) of num_parallel_tree trees with learning_rate 1, row subsampling and
  // colsample_bynode < 1.
  int num_parallel_tree = 1;
  double colsample_bynode = 1.0;
  // Classifiers: weigh the training rows by n / (classes * rows of their class), as scikit-learn's
  // class_weight="balanced" (the validation fold is not weighted). Labels must then be class indices.
  bool balanced = false;
  int nthread = 1;
  uint64_t seed = 0;
};

struct TrainedBooster {
  std::string model_ubj;                // the booster as XGBoosterSaveModelToBuffer({"format": "ubj"}) writes it
  int rounds = 0;                       // trees kept
  int best_iteration = -1;              // with early stopping: the 0-based round of the lowest validation metric
  std::string validation_metric_name;   // with early stopping: "rmse", "logloss" or "mlogloss"
  std::vector<double> validation_metric;  // with early stopping: its value after each round trained
};

// Called after each boosting round (0-based); returning false stops training with Cancelled.
using BoostingRoundCallback = std::function<bool(int round)>;

// `train` and its `labels` (one per row) are required; `validation` (with `validation_labels`) is used, and
// required, exactly when params.early_stopping_rounds > 0. InvalidArgument for mismatched sizes, no rows or a
// missing validation set; FailedPrecondition when XGBoost refuses the data (infinite values, labels out of float
// range) or the parameters; Cancelled when `on_round` returns false.
core::Result<TrainedBooster> TrainBooster(DenseRows train, std::span<const float> labels, const DenseRows* validation,
                                          std::span<const float> validation_labels, const BoosterParams& params,
                                          const BoostingRoundCallback& on_round = {});

// Distributed training: trains this rank's `shard` of the rows inside a joined ml::Collective (collective.h), so
// XGBoost allreduces the quantile sketch and the gradient histograms over every rank and every rank ends with the
// same booster. Every rank must call it with the same `params` and the same column count; `weights` (empty: none)
// are the rows' sample weights, which for balanced classes must come from BalancedWeights over every rank's labels
// (a shard's own counts would differ). No early stopping and no `balanced` flag (InvalidArgument); errors otherwise
// as TrainBooster's, and FailedPrecondition naming XGBoost's reason when a peer fails mid-training. Outside a
// collective it trains on the shard alone.
core::Result<TrainedBooster> TrainBoosterShard(DenseRows shard, std::span<const float> labels,
                                               std::span<const float> weights, const BoosterParams& params,
                                               const BoostingRoundCallback& on_round = {});

// n / (classes * rows of the class) per row, scikit-learn's class_weight="balanced", for class-index labels
// 0..k-1; empty if a label is not one.
std::vector<float> BalancedWeights(std::span<const float> labels);

}  // namespace amp::ml
