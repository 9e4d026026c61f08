// JobRunner: runs training jobs in the background. Submit checks the request against the dataset (so a request that
// cannot work is refused at once), records a queued job and hands it to a worker thread; the worker loads the
// table, trains, publishes a version and records the outcome. Jobs survive restarts: on Start, jobs left queued are
// queued again and jobs left running are marked interrupted (Resubmit repeats one). A request that searches
// (algorithm "auto", or a grid or random search) runs a ModelSearch and publishes its winner with the leaderboard.
// Every job keeps a log in the metadata store. With no workers of its own (worker_count 0: a serving replica that
// does not train) jobs stay queued in the store for `amp worker` processes (QueueWorker) to claim; cancelling one
// that a worker runs asks that worker to stop (MetadataStore::RequestJobCancel), and a timer requeues jobs whose
// worker died (SweepExpiredLeases). Either way one JobExecutor runs a job. Thread-safe.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/mutex.h"
#include "core/status.h"
#include "registry/dataset_catalog.h"
#include "registry/model_registry.h"
#include "storage/metadata_store.h"
#include "training/job_executor.h"

namespace amp::training {

// Who submits a job, and how many of their jobs may be queued or running at once (0: unlimited).
struct JobSubmitter {
  std::string id;  // e.g. the API key id; empty: not counted
  int64_t max_active_jobs = 0;
};

class JobRunner {
 public:
  // Told once when a job ends (succeeded, failed, cancelled or interrupted), on the thread that ended it, after
  // its final record is saved. Must not block (hand slow work, like a webhook, to another thread).
  using EndListener = std::function<void(const storage::JobRecord&)>;

  // worker_count: jobs trained at once in this process; 0 trains none (they wait for `amp worker`s).
  JobRunner(storage::MetadataStore& metadata, registry::DatasetCatalog& datasets, registry::ModelRegistry& models,
            const core::Clock& clock, int worker_count = 1);
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Recovers jobs from the store and starts the workers. When it trains: jobs left running in-process (no
  // worker_id) are marked interrupted and jobs left queued are queued again. Without workers it leaves them to the
  // `amp worker`s and the lease sweep.
  core::Status Start();
  // Stops taking jobs, cancels running ones (they end as interrupted, to be resubmitted) and joins the workers.
  void Shutdown();

  // request.dataset_id is a dataset id or a dataset name (the newest dataset of that name). NotFound for an unknown
  // dataset; InvalidArgument for a bad model name; FailedPrecondition for a request that does not fit the dataset
  // (see PlanSearch and PlanTraining); ResourceExhausted when the submitter already has max_active_jobs queued or
  // running; Unavailable while shutting down. The count is kept in memory: jobs requeued after a restart are not
  // counted against anyone.
  core::Result<storage::JobRecord> Submit(const storage::TrainRequest& request, const JobSubmitter& submitter = {});
  // Submits the request of an ended job again as a new job (which records where it came from). NotFound for an
  // unknown job; FailedPrecondition while it is still queued or running, or when its request no longer fits;
  // ResourceExhausted as for Submit.
  core::Result<storage::JobRecord> Resubmit(std::string_view job_id, const JobSubmitter& submitter = {});
  // The job's log lines with seq > after_seq, oldest first, at most `limit`. NotFound for an unknown job.
  core::Result<std::vector<storage::JobLogLine>> Logs(std::string_view job_id, int64_t after_seq, int limit);
  core::Result<storage::JobRecord> Get(std::string_view job_id);
  core::Result<std::vector<storage::JobRecord>> List(int limit);
  // Cancels a queued or running job; FailedPrecondition if it already ended. A job run by an `amp worker` is
  // asked to stop: the record returned says "cancelling" until the worker records it cancelled (within about a
  // second).
  core::Result<storage::JobRecord> Cancel(std::string_view job_id);

  // Add before Start.
  void AddEndListener(EndListener listener);
  // Set before Start (it must outlive the runner): jobs with workers > 1 train through it; without one they train
  // in this process, which gives the same model (distributed_trainer.h).
  void SetDistributedLauncher(DistributedLauncher* launcher) { executor_.SetDistributedLauncher(launcher); }

  // Blocks until the job ends or `timeout_ms` passes; returns its last record.
  core::Result<storage::JobRecord> WaitForJob(std::string_view job_id, int timeout_ms);

 private:
  bool TrainsInProcess() const { return worker_count_ > 0; }
  void WorkerLoop();
  // Without workers of its own: requeues jobs whose `amp worker` died, until Shutdown.
  void SweepLoop();
  void RunJob(storage::JobRecord job, const std::atomic<bool>& cancelled);
  core::Result<storage::JobRecord> CancelHeldJob(std::string_view job_id);
  core::Status Save(const storage::JobRecord& job);
  void Log(const storage::JobRecord& job, std::string_view message) { executor_.Log(job, message); }
  core::Result<storage::JobRecord> SubmitJob(const storage::TrainRequest& request, std::string resubmitted_from,
                                             const JobSubmitter& submitter);
  void NotifyEnded(const storage::JobRecord& job);

  storage::MetadataStore& metadata_;
  registry::DatasetCatalog& datasets_;
  registry::ModelRegistry& models_;
  const core::Clock& clock_;
  const int worker_count_;
  JobExecutor executor_;

  core::Mutex mu_;
  core::CondVar work_available_;
  core::CondVar job_finished_;
  bool stopping_ AMP_GUARDED_BY(mu_) = false;
  std::deque<std::string> queue_ AMP_GUARDED_BY(mu_);
  // Cancellation flags of running jobs, by id.
  std::map<std::string, std::shared_ptr<std::atomic<bool>>, std::less<>> running_ AMP_GUARDED_BY(mu_);
  // Submitter id -> its job ids that may still be queued or running (pruned on each Submit).
  std::map<std::string, std::vector<std::string>, std::less<>> jobs_by_submitter_ AMP_GUARDED_BY(mu_);
  std::vector<std::thread> workers_;  // or the one SweepLoop thread when worker_count_ is 0
  std::vector<EndListener> end_listeners_;  // set before Start, then read-only
};

}  // namespace amp::training
