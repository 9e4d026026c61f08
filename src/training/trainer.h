// Trainer: fits a model on a typed table by a TrainPlan: drops rows with a missing target, splits a seeded
// holdout, fits the preprocessing pipeline and the algorithm on the training part only, and scores the holdout.
// A pure computation (no storage); deterministic for the same table and plan. Thread-compatible.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "data/table.h"
#include "ml/model.h"
#include "training/train_plan.h"

namespace amp::training {

struct TrainingOutcome {
  std::shared_ptr<const ml::Model> model;
  std::map<std::string, double> metrics;  // on the holdout; empty if the holdout is empty
  int64_t train_rows = 0;
  int64_t holdout_rows = 0;
  std::vector<std::string> notes;  // what a person should know (rows dropped, ...)
  std::string profile_json;        // monitoring's training profile of the training part (training_profile.h)
};

using ProgressCallback = std::function<void(std::string_view)>;

// `table` must have been loaded with plan.ColumnsToLoad(). Errors: FailedPrecondition when too few rows remain,
// Cancelled when `cancelled` becomes true.
core::Result<TrainingOutcome> TrainModel(const data::Table& table, const TrainPlan& plan,
                                         const std::atomic<bool>& cancelled, const ProgressCallback& progress = {});

}  // namespace amp::training
