// JobRunner: the training jobs of a serving process. Submit checks the request against the dataset (so a request that
// cannot work is refused at once) and records a queued job in the metadata store, whose queue every trainer shares:
// with worker_count N > 0 (a training replica) the runner runs N QueueWorkers in-process, which claim jobs exactly as
// `amp worker` processes do (ClaimJob, a lease renewed on a heartbeat, saves only while held), so any mix of
// replicas and workers on one store runs each job once. A job whose trainer dies (a replica or worker killed
// mid-job) is requeued when its lease ends and runs again; one whose trainer stops cleanly goes back to the queue
// at once. With worker_count 0 (a serving replica that does not train) jobs wait for the others. Either way a
// timer requeues jobs whose lease ended (SweepExpiredLeases), and cancelling a running job asks its trainer to stop
// (MetadataStore::RequestJobCancel; a trainer of this runner stops at once, others at their next heartbeat). A
// request that searches (algorithm "auto", or a grid or random search) runs a ModelSearch and publishes its winner
// with the leaderboard. Every job keeps a log in the metadata store. Thread-safe.
#pragma once

#include <atomic>
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
#include "training/lease_policy.h"

namespace amp::training {

class QueueWorker;

// Who submits a job, and how many of their jobs may be queued or running at once (0: unlimited).
struct JobSubmitter {
  std::string id;  // e.g. the API key id; empty: not counted
  int64_t max_active_jobs = 0;
};

class JobRunner {
 public:
  // Told once when a job ends here (succeeded, failed, cancelled or interrupted), on the thread that ended it, after
  // its final record is saved: by one of its trainers, by Cancel, or by its lease sweep (a job whose cancel was
  // requested and whose trainer then died). A job that ends elsewhere (another replica, a worker) is told there. Must
  // not block (hand slow work, like a webhook, to another thread).
  using EndListener = std::function<void(const storage::JobRecord&)>;

  // worker_count: jobs trained at once in this process; 0 trains none (they wait for `amp worker`s or replicas
  // that train).
  JobRunner(storage::MetadataStore& metadata, registry::DatasetCatalog& datasets, registry::ModelRegistry& models,
            const core::Clock& clock, int worker_count = 1);
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Starts the lease sweep and the trainers. When it trains, jobs an older version left running outside the queue
  // (no worker_id: nobody holds a lease on them) are marked interrupted, to be resubmitted; jobs held by a trainer
  // that died are requeued by the sweep when their lease ends.
  core::Status Start();
  // Stops taking jobs and joins the trainers: a job running on one is stopped and goes back to the queue at once
  // (another trainer, or this process when it starts again, runs it from the start). Idempotent.
  void Shutdown();

  // How this runner's trainers are named in job records and logs (unique among the trainers sharing the store; with
  // N > 1 trainers each appends "-1".."-N") and their lease. Set before Start; the default is a random id.
  void SetTrainerIdentity(std::string worker_id, LeaseOptions lease);

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
  // Cancels a queued or running job; FailedPrecondition if it already ended. A running job is asked to stop: the
  // record returned says "cancelling" until its trainer records it cancelled (at once when it is one of this
  // runner's, else within about a second).
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
  // Requeues jobs whose trainer stopped renewing its lease, every second until Shutdown.
  void SweepLoop();
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
  std::string worker_id_;  // set before Start, then read-only
  LeaseOptions lease_;     // likewise

  core::Mutex mu_;
  core::CondVar stop_changed_;
  core::CondVar job_finished_;
  bool stopping_ AMP_GUARDED_BY(mu_) = false;
  // Submitter id -> its job ids that may still be queued or running (pruned on each Submit).
  std::map<std::string, std::vector<std::string>, std::less<>> jobs_by_submitter_ AMP_GUARDED_BY(mu_);
  // Created by Start (before any Submit or Cancel) and kept until the next Start or the destructor, so Submit and
  // Cancel read them without mu_ (a stopped one ignores Wake and StopJob).
  std::vector<std::unique_ptr<QueueWorker>> trainers_;
  std::vector<std::thread> threads_;        // one Run per trainer, and the SweepLoop
  std::vector<EndListener> end_listeners_;  // set before Start, then read-only
};

}  // namespace amp::training
