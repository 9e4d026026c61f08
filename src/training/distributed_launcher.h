// DistributedLauncher: runs the ranks of a distributed XGBoost training (a request with workers > 1) somewhere else
// and hands back rank 0's model. JobRunner calls it for such jobs when one is set; app::LocalDistributedLauncher
// runs the tracker and k `amp train-shard` processes on this machine, and a cluster's job queue can implement it
// too. Implementations must be thread-safe (several jobs may run at once).
#pragma once

#include <atomic>
#include <memory>

#include "core/status.h"
#include "ml/model.h"
#include "storage/records.h"

namespace amp::training {

class DistributedLauncher {
 public:
  virtual ~DistributedLauncher() = default;
  // Trains `request` (its dataset_id a dataset id, workers > 1) on request.workers ranks and returns the model they
  // agreed on. Errors: whatever a rank reported (FailedPrecondition, Unavailable for a collective that did not
  // form, a timeout), Cancelled once `cancelled` is set (the ranks are stopped).
  virtual core::Result<std::shared_ptr<const ml::Model>> Train(const storage::TrainRequest& request,
                                                               const std::atomic<bool>& cancelled) = 0;
  // The same for the job `job` (running, held by its caller): JobExecutor calls this one. A launcher that spreads
  // the ranks over the cluster's workers needs the job (app::WorkerRankLauncher); by default it is Train above.
  virtual core::Result<std::shared_ptr<const ml::Model>> TrainJob(const storage::JobRecord& job,
                                                                  const storage::TrainRequest& request,
                                                                  const std::atomic<bool>& cancelled) {
    (void)job;
    return Train(request, cancelled);
  }
};

}  // namespace amp::training
