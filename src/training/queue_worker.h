// QueueWorker: the loop of an `amp worker` process. It claims jobs from the shared queue in the metadata store
// (MetadataStore::ClaimJob), runs each with the same JobExecutor the in-process JobRunner uses, renews the lease on a
// heartbeat thread (which is also how a cancel request reaches it), and saves the job only while it still holds it
// (UpdateHeldJob). Between claims it requeues jobs whose workers stopped renewing (SweepExpiredLeases). Run blocks
// until Stop; a job running then is stopped and released to the queue for another worker. A training replica
// (`amp serve --training-workers N`, JobRunner) runs N of them in-process, so every trainer, replica or worker,
// takes jobs the same way and each job runs once. Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/mutex.h"
#include "core/status.h"
#include "storage/metadata_store.h"
#include "training/job_executor.h"
#include "training/lease_policy.h"

namespace amp::training {

struct QueueWorkerOptions {
  std::string worker_id;  // unique among the workers sharing a store; shown in job records and logs
  LeaseOptions lease;
  int64_t sweep_interval_micros = 1'000'000;  // how often expired leases are looked for
  // Once a job (or rank) has ended and the worker has found the queue empty for this long, the allocator's free
  // memory goes back to the kernel: tcmalloc keeps the pages of a job's large buffers, which makes the next job's
  // allocations cheap but would hold the process at its largest job's size (core/allocator.h). 10 s, jemalloc's
  // default decay time for its dirty pages.
  int64_t release_memory_after_idle_micros = 10'000'000;
  std::function<void()> release_memory;  // what releases it; empty: core::ReleaseFreeMemory (tests count calls)
};

// What a worker has done since it started, for its /metrics (api/worker_health_handlers.h). Counters only grow.
struct QueueWorkerStats {
  int64_t jobs_claimed = 0;
  int64_t ranks_claimed = 0;   // ranks of other workers' "workers": k jobs
  int64_t jobs_succeeded = 0;  // ended by this worker (the job record says so)
  int64_t jobs_failed = 0;
  int64_t jobs_cancelled = 0;
  int64_t jobs_released = 0;     // handed back to the queue when this worker stopped
  int64_t leases_lost = 0;       // stopped because the store said another worker holds the job now
  int64_t expired_requeued = 0;  // other workers' jobs this worker's sweeps put back in the queue
  int64_t lease_renewals = 0;
  int64_t lease_renewal_failures = 0;  // the store did not answer, or refused (lease lost)
  // The last time the store answered this worker's loop: a lease renewal, or a claim (found a job or an empty
  // queue). 0: never.
  int64_t last_heartbeat_micros = 0;
  // The job (or rank of a job) being run now; empty when idle.
  std::string current_job_id;
  int current_attempt = 0;
  int current_rank = 0;  // > 0: a rank of another worker's job
};

class QueueWorker {
 public:
  // Told once when a job this worker ran ends (succeeded, failed, cancelled), after its final record is saved, on
  // the worker's thread. Not told for a job it released (stopped) or lost (its lease ended meanwhile). Also told of a
  // job its lease sweep ended (one whose cancel was requested and whose worker then died: SweepExpiredLeases).
  using EndListener = std::function<void(const storage::JobRecord&)>;

  QueueWorker(storage::MetadataStore& metadata, JobExecutor& executor, const core::Clock& clock,
              QueueWorkerOptions options);
  QueueWorker(const QueueWorker&) = delete;
  QueueWorker& operator=(const QueueWorker&) = delete;

  // Runs one rank (1..workers-1) of a job trained by several workers, claimed with ClaimJobRank: joins the
  // collective at rank.tracker and trains its shard (rank 0's worker publishes the model). Returns when the rank is
  // done, failed, or soon after `stop` is set (cancel, lost rank, shutdown).
  using RankRunner = std::function<core::Status(const storage::JobRankRecord& rank, const storage::JobRecord& job,
                                                const std::atomic<bool>& stop)>;

  // Add before Run.
  void AddEndListener(EndListener listener);
  // With a rank runner, the worker also takes ranks that other workers' jobs offer (before new jobs, so a job
  // waiting for its ranks gets them first). Set before Run.
  void SetRankRunner(RankRunner runner) { rank_runner_ = std::move(runner); }

  // Claims and runs jobs until Stop, waiting (IdleBackoffMicros) while the queue is empty and retrying a store that
  // fails.
  void Run();
  // Makes Run return soon: a running job stops (within a training loop's cancel check) and goes back to the queue.
  // Callable from any thread, more than once.
  void Stop();
  // Makes an idle Run claim at once instead of finishing its wait (a job was just queued). Any thread.
  void Wake();
  // Stops the job this worker is running if it is `job_id` (its cancel was just requested in the store): it ends
  // cancelled now rather than at the next heartbeat. False when this worker does not run it. Any thread.
  bool StopJob(std::string_view job_id);

  // Claims one job and runs it to its end. False when no job was queued (then, if the last run ended at least
  // release_memory_after_idle_micros ago and nothing was released since, releases the free memory); the store's
  // error if the claim failed.
  core::Result<bool> RunOnce();
  // Claims one offered rank and runs it (the rank runner) to its end. False when none was free or no runner is set.
  core::Result<bool> RunRankOnce();

  int64_t jobs_run() const { return jobs_run_.load(); }
  // A snapshot of the counters and the job being run. Callable from any thread.
  QueueWorkerStats stats() const;

 private:
  enum class StopReason { kNone, kCancelRequested, kLeaseLost, kShutdown };
  struct Held;  // the job being run, shared with its heartbeat thread

  void Heartbeat(Held& held);
  // Puts the held job back in the queue at once (its lease set to have ended, then requeued).
  void Release(storage::JobRecord& job);
  void NotifyEnded(const storage::JobRecord& job);
  void CountEnded(storage::JobState state);
  // Waits up to `micros` or until Stop or Wake; true if stopping.
  bool WaitOrStop(int64_t micros);
  // Notes that a job or rank run ended (its memory is free to release); see RunOnce.
  void MarkRunEnded();
  void ReleaseMemoryIfIdle(int64_t now);

  storage::MetadataStore& metadata_;
  JobExecutor& executor_;
  const core::Clock& clock_;
  const QueueWorkerOptions options_;
  std::vector<EndListener> end_listeners_;  // set before Run, then read-only
  RankRunner rank_runner_;                  // likewise

  mutable core::Mutex mu_;  // mutable: stats() reads running_
  core::CondVar wake_;
  bool stopping_ AMP_GUARDED_BY(mu_) = false;
  bool woken_ AMP_GUARDED_BY(mu_) = false;
  Held* running_ AMP_GUARDED_BY(mu_) = nullptr;
  std::atomic<int64_t> jobs_run_{0};
  // Counters for stats(); jobs_run_ is the claims.
  std::atomic<int64_t> ranks_claimed_{0};
  std::atomic<int64_t> jobs_succeeded_{0};
  std::atomic<int64_t> jobs_failed_{0};
  std::atomic<int64_t> jobs_cancelled_{0};
  std::atomic<int64_t> jobs_released_{0};
  std::atomic<int64_t> leases_lost_{0};
  std::atomic<int64_t> expired_requeued_{0};
  std::atomic<int64_t> lease_renewals_{0};
  std::atomic<int64_t> lease_renewal_failures_{0};
  std::atomic<int64_t> last_heartbeat_micros_{0};
  // Touched only by the thread that runs RunOnce and RunRankOnce (Run's).
  int64_t last_run_ended_micros_ = 0;
  bool memory_to_release_ = false;
};

// Requeues the jobs whose lease ended before now (their worker died or hangs), with a line in each job's log; one
// whose cancellation had been requested ends cancelled instead, and `ended` (if set) is told of it, as the trainer
// that would have stopped it would have been (so its callback goes out once, from whoever swept it). Returns how
// many jobs it requeued or ended; the store's error if the sweep failed. Any process sharing the store may call it,
// as often as it likes: every worker does between claims, and every serving replica on a timer.
core::Result<int> SweepExpiredLeases(storage::MetadataStore& metadata, const core::Clock& clock,
                                     const std::function<void(const storage::JobRecord&)>& ended = {});

}  // namespace amp::training
