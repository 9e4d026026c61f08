// Distributed XGBoost over the cluster's `amp worker`s: a "workers": k job is trained by k different workers, one
// rank each, each reading its shard of the dataset from the shared stores. The worker that claimed the job is rank
// 0: WorkerRankLauncher (its JobExecutor's training::DistributedLauncher) starts the XGBoost tracker, offers ranks
// 1..k-1 in the metadata store (MetadataStore::OfferJobRanks), waits (at most --rank-join-timeout) until other
// workers took them all, then trains rank 0 in an `amp train-shard` process; the JobExecutor scores the holdout and
// publishes as for any job. Other workers take an offered rank (MetadataStore::ClaimJobRank, in QueueWorker) and run
// it with RunWorkerRank: an `amp train-shard` process for that rank, which ends quietly (rank 0 publishes). A rank
// that stops renewing its lease requeues the whole job; a cancel reaches every rank through its lease renewal.
// Thread-safe.
#pragma once

#include <atomic>
#include <string>

#include "app/train_shard_command.h"
#include "storage/metadata_store.h"
#include "training/distributed_launcher.h"

namespace amp::app {

struct WorkerRankOptions {
  TrainShardOptions stores;                // the stores the ranks open (data folder, --metadata, artifacts)
  std::string worker_id;                   // this worker
  std::string tracker_host = "127.0.0.1";  // where the other workers reach this worker's tracker
  double rank_join_timeout_seconds = 60;   // every rank taken by a worker, and the collective formed, within this
  std::filesystem::path scratch;           // rank 0's model file goes here
};

class WorkerRankLauncher final : public training::DistributedLauncher {
 public:
  WorkerRankLauncher(storage::MetadataStore& metadata, WorkerRankOptions options)
      : metadata_(metadata), options_(std::move(options)) {}

  // Needs the job (TrainJob); without one it cannot offer ranks: FailedPrecondition.
  core::Result<std::shared_ptr<const ml::Model>> Train(const storage::TrainRequest& request,
                                                       const std::atomic<bool>& cancelled) override;
  // FailedPrecondition "only n of k workers joined within ..." when the ranks were not all taken in time;
  // otherwise as RunLocalRanks.
  core::Result<std::shared_ptr<const ml::Model>> TrainJob(const storage::JobRecord& job,
                                                          const storage::TrainRequest& request,
                                                          const std::atomic<bool>& cancelled) override;

 private:
  storage::MetadataStore& metadata_;
  const WorkerRankOptions options_;
};

// Runs rank `rank.rank` of `job` (taken by this worker) as an `amp train-shard` process joining rank.tracker, until
// it ends or `stop` is set (then it is killed). Ok when the rank finished its part.
core::Status RunWorkerRank(const WorkerRankOptions& options, const storage::JobRankRecord& rank,
                           const storage::JobRecord& job, const std::atomic<bool>& stop);

}  // namespace amp::app
