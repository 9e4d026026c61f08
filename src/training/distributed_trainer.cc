#include "training/distributed_trainer.h"

#include <algorithm>
#include <memory>

#include "ml/xgboost/collective.h"
#include "training/search_plan.h"
#include "training/shard_plan.h"

namespace amp::training {

core::Result<RankOutcome> DistributedXgbTrainer::TrainRank(const storage::TrainRequest& request,
                                                           const RankAssignment& assignment,
                                                           const std::atomic<bool>& cancelled,
                                                           const ProgressCallback& progress) {
  if (assignment.world_size < 1 || assignment.world_size > kMaxWorkers) {
    return core::InvalidArgument("the world size must be 1.." + std::to_string(kMaxWorkers));
  }
  if (assignment.rank < 0 || assignment.rank >= assignment.world_size) {
    return core::InvalidArgument("rank " + std::to_string(assignment.rank) + " is not in 0.." +
                                 std::to_string(assignment.world_size - 1));
  }
  if (!assignment.shard_weights.empty() &&
      assignment.shard_weights.size() != static_cast<size_t>(assignment.world_size)) {
    return core::InvalidArgument("expected one shard weight per rank");
  }
  RankOutcome result;
  AMP_ASSIGN_OR_RETURN(result.dataset, datasets_.Get(request.dataset_id));
  // The request as the job runner plans it, but for this world size: workers only says how many ranks to start.
  storage::TrainRequest rank_request = request;
  rank_request.workers = assignment.world_size;
  AMP_ASSIGN_OR_RETURN(SearchPlan search, PlanSearch(rank_request, result.dataset.summary));
  if (search.IsSearch() || search.candidates.size() != 1) {
    return core::FailedPrecondition("a distributed training trains one model; it does not search");
  }
  result.plan = search.candidates.front();
  auto loaded = datasets_.LoadTable(result.dataset, result.plan.ColumnsToLoad(),
                                    static_cast<size_t>(std::max(result.plan.threads, 0)), &cancelled);
  if (!loaded.ok()) return loaded.status().WithContext("loading dataset " + result.dataset.id);
  const std::shared_ptr<const data::Table> table = std::move(loaded->table);

  ShardTraining shard;
  shard.rank = assignment.rank;
  if (assignment.shard_weights.empty()) {
    AMP_ASSIGN_OR_RETURN(shard.plan, PlanEvenShards(table->row_count(), assignment.world_size));
  } else {
    AMP_ASSIGN_OR_RETURN(shard.plan, PlanWeightedShards(table->row_count(), assignment.shard_weights));
  }
  result.shard_rows = shard.plan.shards[static_cast<size_t>(assignment.rank)].size();
  if (assignment.world_size == 1) {
    AMP_ASSIGN_OR_RETURN(result.outcome, TrainModel(*table, result.plan, cancelled, progress));
    return result;
  }

  if (progress) progress("joining the XGBoost collective");
  ml::CollectiveOptions options;
  options.tracker_host = assignment.tracker_host;
  options.tracker_port = assignment.tracker_port;
  options.rank = assignment.rank;
  options.world_size = assignment.world_size;
  options.join_timeout = assignment.join_timeout;
  // XGBoost's communicator is per thread: the checks and the training run on the collective's thread.
  AMP_RETURN_IF_ERROR(ml::Collective::Run(options, [&](ml::Collective& collective) -> core::Status {
    // Every rank must have read the same table: a different dataset (or a build planning it differently) would
    // train a model from mismatched shards without any error from XGBoost.
    double sums[2] = {static_cast<double>(table->row_count()), static_cast<double>(result.plan.ColumnsToLoad().size())};
    const double expected[2] = {sums[0] * assignment.world_size, sums[1] * assignment.world_size};
    AMP_RETURN_IF_ERROR(collective.AllreduceSum(sums, 2));
    if (sums[0] != expected[0] || sums[1] != expected[1]) {
      return core::FailedPrecondition("the ranks of this distributed training did not load the same dataset");
    }
    AMP_ASSIGN_OR_RETURN(result.outcome, TrainModelShard(*table, result.plan, &shard, cancelled, progress));
    return core::Status::Ok();
  }));
  return result;
}

}  // namespace amp::training
