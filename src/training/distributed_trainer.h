// DistributedXgbTrainer: one rank of a distributed XGBoost training. Each of k worker processes calls TrainRank
// with the same request and its own rank: it loads the dataset from the store, plans the request, joins XGBoost's
// collective through the tracker the coordinator started (app/rabit_tracker.h), trains the training rows of its
// shard (ShardPlan: contiguous ranges of the dataset's rows, even or weighted) and returns the model, which is the
// same on every rank; rank 0 is the one whose caller publishes it.
//
// Preprocessing: every rank reads the whole table and fits the pipeline (medians, categories, missing indicators)
// on the whole training part, exactly as single-process training does; only the booster's rows are sharded. So the
// pipeline's statistics need no exchange and are the single-process ones by construction, at the cost of every rank
// reading the dataset (the DMatrix, the histograms and the tree building are what sharding divides).
// With tree_method hist, the same parameters and seed, and subsample 1, the model equals the one single-process
// training gives (docs/models.md, "Distributed XGBoost training").
//
// At most one TrainRank may run per process at a time (XGBoost's collective is process-wide; ml::Collective refuses
// a second one), and the process should train nothing else meanwhile. Thread-compatible.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "core/status.h"
#include "registry/dataset_catalog.h"
#include "storage/records.h"
#include "training/train_plan.h"
#include "training/trainer.h"

namespace amp::training {

struct RankAssignment {
  int rank = 0;
  int world_size = 1;  // 1: no collective, plain single-process training
  std::string tracker_host = "127.0.0.1";
  int tracker_port = 0;
  std::vector<double> shard_weights;  // one per rank; empty: even shards
  std::chrono::milliseconds join_timeout{std::chrono::seconds(60)};
};

struct RankOutcome {
  TrainPlan plan;
  TrainingOutcome outcome;
  storage::DatasetRecord dataset;
  int64_t shard_rows = 0;  // dataset rows in this rank's shard
};

class DistributedXgbTrainer {
 public:
  explicit DistributedXgbTrainer(registry::DatasetCatalog& datasets) : datasets_(datasets) {}

  // Errors: NotFound for an unknown dataset; FailedPrecondition for a request PlanSearch refuses (also one that
  // searches: a distributed job trains one model), or one TrainModelShard refuses; InvalidArgument for a rank or
  // weights that do not fit world_size; Unavailable when the collective does not form within join_timeout (a rank
  // missing) or a peer fails mid-training; FailedPrecondition when the ranks do not see the same dataset.
  core::Result<RankOutcome> TrainRank(const storage::TrainRequest& request, const RankAssignment& assignment,
                                      const std::atomic<bool>& cancelled, const ProgressCallback& progress = {});

 private:
  registry::DatasetCatalog& datasets_;
};

}  // namespace amp::training
