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
#include "training/train_plan.h"

namespace amp::training {

struct TrainingOutcome {
  std::shared_ptr<const ml::Model> model;
  std::map<std::string, double> metrics;  // on the holdout; empty if the holdout is empty
  int64_t train_rows = 0;
  int64_t holdout_rows = 0;
  std::vector<std::string> notes;  // what a person should know (rows dropped, ...)
  data::CleaningReport cleaning_report;
};

using ProgressCallback = std::function<void(std::string_view)>;

// `table` must have been loaded with plan.ColumnsToLoad(). Errors: FailedPrecondition when too few rows remain,
// Cancelled when `cancelled` becomes true.
core::Result<TrainingOutcome> TrainModel(const data::Table& table, const TrainPlan& plan,
                                         const std::atomic<bool>& cancelled, const ProgressCallback& progress = {});

}  // namespace amp::training
