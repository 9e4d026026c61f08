// The fit of each algorithm family on a table's training rows (linear, logistic, XGBoost, k-means), for TrainModel
// and CrossValidate (trainer.cc): each fits the preprocessing pipeline on the training rows and the algorithm on
// their encoding, and returns the model with its pipeline. Internal to training/; pure computations, thread-compatible.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "data/table.h"
#include "ml/feature_value.h"
#include "ml/model.h"
#include "ml/pipeline.h"
#include "training/target_classes.h"
#include "training/trainer.h"

namespace amp::training {

// Where a fit reports what it is doing (a line for the job's progress).
using Report = std::function<void(std::string_view)>;

// Builds row-major FeatureValues for `rows` of the table, so evaluation goes through Model::Predict as serving does.
std::vector<ml::FeatureValue> RowsAsFeatureValues(const data::Table& table, const std::vector<int>& feature_columns,
                                                  const std::vector<int64_t>& rows);

// Ridge or elastic net on the standardized design; `train_rows` have a target.
core::Result<std::shared_ptr<const ml::Model>> FitLinear(
    const data::Table& table, const std::vector<int>& feature_columns, const data::Column& target,
    const std::vector<int64_t>& train_rows, const TrainPlan& plan, const ml::FitOptions& options,
    const std::atomic<bool>& cancelled, const Report& report, std::vector<std::string>* notes);

// `train_labels` are the class indices of `train_rows`.
core::Result<std::shared_ptr<const ml::Model>> FitLogistic(
    const data::Table& table, const std::vector<int>& feature_columns, const TargetClasses& classes,
    const std::vector<int32_t>& train_labels, const std::vector<int64_t>& train_rows, const TrainPlan& plan,
    const ml::FitOptions& options, const std::atomic<bool>& cancelled, const Report& report);

// A classifier's labels are `classes`' indices of the rows (train_labels holds those of train_rows, in order);
// with `shard`, this rank's part of a distributed fit.
core::Result<std::shared_ptr<const ml::Model>> FitXgboost(
    const data::Table& table, const std::vector<int>& feature_columns, const data::Column& target,
    const TargetClasses& classes, const std::vector<int32_t>& train_labels, const std::vector<int64_t>& train_rows,
    const TrainPlan& plan, ml::FitOptions options, const std::atomic<bool>& cancelled, const Report& report,
    const RoundCallback& round_callback, std::vector<std::string>* notes, const ShardTraining* shard);

// k-means on the standardized, one-hot encoded features; the holdout measures how well the centres describe it.
core::Result<TrainingOutcome> TrainClustering(const data::Table& table, const std::vector<int>& feature_columns,
                                              const TrainPlan& plan, const std::atomic<bool>& cancelled,
                                              const Report& report);

}  // namespace amp::training
