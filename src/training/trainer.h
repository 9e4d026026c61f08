// Trainer: fits a model on a typed table by a TrainPlan: drops rows with a missing target, splits a seeded
// holdout, fits the preprocessing pipeline and the algorithm on the training part only, and scores the holdout.
// Preparation follows the plan's feature roles (date features become date parts) and adds a missing-value indicator
// where MissingnessIsInformative says so on the training part; the cleaning report records what it found.
// A pure computation (no storage); deterministic for the same table and plan. Thread-compatible.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "data/cleaning_report.h"
#include "data/table.h"
#include "ml/model.h"
#include "training/shard_plan.h"
#include "training/train_plan.h"

namespace amp::training {

struct TrainingOutcome {
  std::shared_ptr<const ml::Model> model;
  std::map<std::string, double> metrics;  // on the holdout; empty if the holdout is empty
  int64_t train_rows = 0;
  int64_t holdout_rows = 0;
  std::vector<std::string> notes;  // what a person should know (rows dropped, ...)
  data::CleaningReport cleaning_report;
  std::string profile_json;        // monitoring's training profile of the training part (training_profile.h)
  // EvaluationCurvesToJson of the holdout (ROC and precision-recall curves, or residuals); empty without a holdout.
  std::string evaluation_curves_json;
};

using ProgressCallback = std::function<void(std::string_view)>;
// Called after every boosting round (1-based) of a tree model with the number of rounds planned. May be called from
// the thread that trains, so it must be thread-safe when trials run in parallel.
using RoundCallback = std::function<void(int round, int rounds)>;

// The metric a search ranks trials by (lower is better): "rmse" for regression, "log_loss" for classification.
std::string_view PrimaryMetric(ml::Task task);

// `table` must have been loaded with plan.ColumnsToLoad(). Errors: FailedPrecondition when too few rows remain,
// Cancelled when `cancelled` becomes true.
core::Result<TrainingOutcome> TrainModel(const data::Table& table, const TrainPlan& plan,
                                         const std::atomic<bool>& cancelled, const ProgressCallback& progress = {},
                                         const RoundCallback& on_round = {});

// Makes `outcome` (a member's TrainModel outcome under the same split: rows, notes and cleaning report) describe
// `model` instead, a model built from members fitted on the training part (an ensemble): sets the model, its holdout
// metrics and its training profile, as TrainModel computes them for its own. Errors as TrainModel's.
core::Status AdoptModel(const data::Table& table, const TrainPlan& plan, std::shared_ptr<const ml::Model> model,
                        TrainingOutcome* outcome);
// One rank of a distributed XGBoost training (distributed_trainer.h).
struct ShardTraining {
  ShardPlan plan;  // over the table's rows (the dataset's row numbers)
  int rank = 0;
};

// TrainModel as one rank of a distributed training, inside a joined ml::Collective: every step before the booster
// (dropping rows without a target, the holdout split, the cleaning checks, the pipeline's fit on the whole training
// part) runs as in TrainModel on the whole table, identically on every rank; the booster then trains on the
// training rows inside this rank's shard, in the training part's order, and XGBoost's collective makes it the
// booster of all of them. Scoring and profiling run as in TrainModel. With shard == nullptr it is TrainModel.
// Errors as TrainModel's, and FailedPrecondition for an algorithm other than xgboost_regressor /
// xgboost_classifier, early stopping, or a shard without training rows (every rank refuses alike).
core::Result<TrainingOutcome> TrainModelShard(const data::Table& table, const TrainPlan& plan,
                                              const ShardTraining* shard, const std::atomic<bool>& cancelled,
                                              const ProgressCallback& progress = {},
                                              const RoundCallback& on_round = {});

// TrainModel with the model fitted by `fit` instead of here (a distributed training run by other processes, which
// fit the same pipeline and booster on the same rows): preparation, the cleaning report, the training profile and the
// holdout metrics are computed here as TrainModel computes them, for the model `fit` returns. `fit`'s errors are
// returned as they are.
using ExternalFit = std::function<core::Result<std::shared_ptr<const ml::Model>>()>;
core::Result<TrainingOutcome> TrainModelWithFit(const data::Table& table, const TrainPlan& plan, const ExternalFit& fit,
                                                const std::atomic<bool>& cancelled,
                                                const ProgressCallback& progress = {});

struct CrossValidation {
  std::string metric;  // PrimaryMetric(plan.task)
  std::vector<double> fold_scores;  // folds x repeats scores, repeat by repeat
  double mean = 0.0;                // over every repeat's folds
  double std = 0.0;                 // population standard deviation over the same scores
  // Per row of the training part (in its order): the row's fold, and the prediction of the model that did not see
  // it: the predicted value (regression) or the probability given to the row's own class (classification; its log
  // loss needs no other class). What the search's ensemble stage selects on (ensemble_selection.h). With repeats > 1
  // each of the three holds one block of the training part's rows per repeat, repeat by repeat, and a row's fold in
  // block r is r * folds + its fold in that repeat's partition.
  std::vector<int> fold_of;
  std::vector<double> out_of_fold;
  std::vector<double> targets;  // regression: each row's target value; empty for classification
};

// k-fold cross-validation of `plan` on the training part of its holdout split (the very rows TrainModel fits on;
// the holdout is never touched): folds assigned by AssignFolds (stratified for a classifier, seeded from plan.seed),
// the plan fitted on k-1 folds and scored on the remaining one, k times. Repeated k-fold with repeats > 1: the same
// on `repeats` different partitions (repeat 0's is the one repeats == 1 uses), every score averaged. Deterministic.
// Errors as TrainModel's, and FailedPrecondition when the training part has fewer rows than folds.
core::Result<CrossValidation> CrossValidate(const data::Table& table, const TrainPlan& plan, int folds,
                                            const std::atomic<bool>& cancelled, const RoundCallback& on_round = {},
                                            int repeats = 1);

}  // namespace amp::training
