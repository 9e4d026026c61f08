#include "training/queue_worker.h"

#include <chrono>
#include <thread>

#include "core/allocator.h"
#include "core/log.h"

namespace amp::training {

struct QueueWorker::Held {
  std::string job_id;
  int rank = 0;  // > 0: a rank of another worker's job (its lease is the rank's)
  int attempt = 0;
  std::atomic<bool> stop{false};
  std::atomic<StopReason> reason{StopReason::kNone};
  std::atomic<int64_t> held_until{0};  // the end of the lease as last granted by the store
  core::Mutex mu;
  core::CondVar done_changed;
  bool done AMP_GUARDED_BY(mu) = false;

  // The first reason to stop wins (a cancel request seen before a shutdown stays a cancel).
  void StopFor(StopReason why) {
    StopReason none = StopReason::kNone;
    reason.compare_exchange_strong(none, why);
    stop.store(true);
  }
};

namespace {

void AppendLog(storage::MetadataStore& metadata, const std::string& job_id, int64_t now, const std::string& line) {
  core::Status logged = metadata.AppendJobLog(job_id, now, line);
  if (!logged.ok()) core::LogError("cannot append to the log of job " + job_id + ": " + logged.ToString());
}

// Logs what a sweep did, except for `released_job` (its holder logged why it went back to the queue), and tells
// `ended` of each job it ended.
void RecordSweep(storage::MetadataStore& metadata, int64_t now, const storage::ExpiredJobs& expired,
                 const std::function<void(const storage::JobRecord&)>& ended, std::string_view released_job = {}) {
  for (const std::string& job_id : expired.requeued) {
    if (job_id == released_job) continue;
    core::LogWarning("job " + job_id + " requeued: its worker stopped renewing its lease");
    AppendLog(metadata, job_id, now, "requeued: the worker running it stopped renewing its lease");
  }
  for (const std::string& job_id : expired.cancelled) {
    core::LogInfo("job " + job_id + " cancelled: its worker stopped renewing its lease after the cancel request");
    AppendLog(metadata, job_id, now, "cancelled: the worker running it stopped renewing its lease");
    if (!ended) continue;
    auto job = metadata.GetJob(job_id);
    if (job.ok()) {
      ended(*job);
    } else {
      core::LogError("cannot read cancelled job " + job_id + ": " + job.status().ToString());
    }
  }
}

}  // namespace

core::Result<int> SweepExpiredLeases(storage::MetadataStore& metadata, const core::Clock& clock,
                                     const std::function<void(const storage::JobRecord&)>& ended) {
  const int64_t now = clock.NowMicros();
  AMP_ASSIGN_OR_RETURN(storage::ExpiredJobs expired, metadata.RequeueExpiredJobs(now));
  RecordSweep(metadata, now, expired, ended);
  return static_cast<int>(expired.requeued.size() + expired.cancelled.size());
}

QueueWorker::QueueWorker(storage::MetadataStore& metadata, JobExecutor& executor, const core::Clock& clock,
                         QueueWorkerOptions options)
    : metadata_(metadata), executor_(executor), clock_(clock), options_(std::move(options)) {}

void QueueWorker::AddEndListener(EndListener listener) {
  end_listeners_.push_back(std::move(listener));
}

void QueueWorker::NotifyEnded(const storage::JobRecord& job) {
  CountEnded(job.state);
  for (const EndListener& listener : end_listeners_) listener(job);
}

void QueueWorker::Stop() {
  core::MutexLock lock(mu_);
  stopping_ = true;
  if (running_ != nullptr) running_->StopFor(StopReason::kShutdown);
  wake_.NotifyAll();
}

void QueueWorker::Wake() {
  core::MutexLock lock(mu_);
  woken_ = true;
  wake_.NotifyAll();
}

bool QueueWorker::StopJob(std::string_view job_id) {
  core::MutexLock lock(mu_);
  if (running_ == nullptr || running_->rank != 0 || running_->job_id != job_id) return false;
  running_->StopFor(StopReason::kCancelRequested);
  return true;
}

bool QueueWorker::WaitOrStop(int64_t micros) {
  core::MutexLock lock(mu_);
  wake_.WaitFor(mu_, std::chrono::microseconds(micros), [this]() AMP_REQUIRES(mu_) { return stopping_ || woken_; });
  woken_ = false;
  return stopping_;
}

void QueueWorker::Run() {
  int empty_polls = 0;
  int64_t last_sweep = 0;
  while (true) {
    {
      core::MutexLock lock(mu_);
      if (stopping_) return;
    }
    const int64_t now = clock_.NowMicros();
    if (now - last_sweep >= options_.sweep_interval_micros || now < last_sweep) {
      last_sweep = now;
      auto swept = SweepExpiredLeases(metadata_, clock_, [this](const storage::JobRecord& job) { NotifyEnded(job); });
      if (!swept.ok()) core::LogError("cannot requeue jobs with expired leases: " + swept.status().ToString());
      if (swept.ok()) expired_requeued_.fetch_add(*swept);
    }
    auto ran = RunRankOnce();
    if (ran.ok() && !*ran) ran = RunOnce();
    if (ran.ok()) last_heartbeat_micros_.store(clock_.NowMicros());  // the store answered the claim
    if (!ran.ok()) {
      core::LogError("worker " + options_.worker_id + ": cannot claim a job: " + ran.status().ToString());
      empty_polls = std::max(empty_polls + 1, 3);  // back off a failing store as an empty queue
    } else if (*ran) {
      empty_polls = 0;
      continue;
    } else {
      ++empty_polls;
    }
    if (WaitOrStop(IdleBackoffMicros(empty_polls, options_.lease))) return;
  }
}

void QueueWorker::MarkRunEnded() {
  last_run_ended_micros_ = clock_.NowMicros();
  memory_to_release_ = true;
}

void QueueWorker::ReleaseMemoryIfIdle(int64_t now) {
  if (!memory_to_release_ || now - last_run_ended_micros_ < options_.release_memory_after_idle_micros) return;
  memory_to_release_ = false;
  if (options_.release_memory) {
    options_.release_memory();
  } else {
    core::ReleaseFreeMemory();
  }
}

core::Result<bool> QueueWorker::RunOnce() {
  {
    core::MutexLock lock(mu_);
    if (stopping_) return false;
  }
  const int64_t now = clock_.NowMicros();
  auto claimed = metadata_.ClaimJob(options_.worker_id, now, now + options_.lease.lease_micros);
  if (!claimed.ok()) {
    if (claimed.status().code() != core::StatusCode::kNotFound) return claimed.status();
    ReleaseMemoryIfIdle(now);
    return false;
  }
  storage::JobRecord job = std::move(claimed).value();
  jobs_run_.fetch_add(1);
  Held held;
  held.job_id = job.id;
  held.held_until.store(job.lease_until_micros);
  held.attempt = job.attempts;
  core::LogInfo("worker " + options_.worker_id + " claimed job " + job.id + " (attempt " +
                std::to_string(job.attempts) + ")");

  // Every save stops the job once the store says this worker no longer holds it.
  JobExecutor::SaveJob save = [this, &held](const storage::JobRecord& record) {
    core::Status saved = metadata_.UpdateHeldJob(record);
    if (saved.code() == core::StatusCode::kFailedPrecondition || saved.code() == core::StatusCode::kNotFound) {
      held.StopFor(StopReason::kLeaseLost);
    }
    return saved;
  };
  auto finish = [&](storage::JobState state, std::string error) {
    if (executor_.Finish(job, state, std::move(error), save).ok()) NotifyEnded(job);
  };

  if (ShouldGiveUp(job.attempts, options_.lease)) {
    finish(storage::JobState::kFailed,
           "given up after " + std::to_string(job.attempts - 1) +
               " attempts: each time, the worker running it stopped before it ended (crashed, killed or lost)");
    return true;
  }
  if (job.cancel_requested) {
    finish(storage::JobState::kCancelled, "cancelled before it started");
    return true;
  }
  {
    core::MutexLock lock(mu_);
    if (stopping_) held.StopFor(StopReason::kShutdown);
    running_ = &held;
  }
  std::thread heartbeat([this, &held] { Heartbeat(held); });
  core::Status trained = executor_.Begin(job, save);
  if (trained.ok()) {
    trained = held.stop.load() ? core::Cancelled("training was cancelled") : executor_.Train(job, held.stop, save);
  }
  {
    core::MutexLock lock(held.mu);
    held.done = true;
  }
  held.done_changed.NotifyAll();
  heartbeat.join();
  MarkRunEnded();
  {
    core::MutexLock lock(mu_);
    running_ = nullptr;
  }

  switch (held.reason.load()) {
    case StopReason::kLeaseLost:
      // Another worker may be running it now; whatever this one did is not recorded (a version it published
      // stays, as any published version does).
      core::LogWarning("worker " + options_.worker_id + " lost its lease on job " + job.id + "; stopped it");
      leases_lost_.fetch_add(1);
      return true;
    case StopReason::kShutdown:
      if (trained.code() == core::StatusCode::kCancelled) {
        Release(job);
        return true;
      }
      break;  // it ended (succeeded or failed) before the stop reached it: record that
    case StopReason::kCancelRequested:
    case StopReason::kNone:
      break;
  }
  if (trained.ok()) {
    finish(storage::JobState::kSucceeded, "");
  } else if (trained.code() == core::StatusCode::kCancelled) {
    finish(storage::JobState::kCancelled, trained.message());
  } else {
    finish(storage::JobState::kFailed, trained.message());
  }
  return true;
}

core::Result<bool> QueueWorker::RunRankOnce() {
  if (!rank_runner_) return false;
  {
    core::MutexLock lock(mu_);
    if (stopping_) return false;
  }
  const int64_t now = clock_.NowMicros();
  auto claimed = metadata_.ClaimJobRank(options_.worker_id, now, now + options_.lease.lease_micros);
  if (!claimed.ok()) {
    if (claimed.status().code() == core::StatusCode::kNotFound) return false;
    return claimed.status();
  }
  const storage::JobRankRecord rank = std::move(claimed).value();
  ranks_claimed_.fetch_add(1);
  const std::string what = "rank " + std::to_string(rank.rank) + " of job " + rank.job_id;
  auto job = metadata_.GetJob(rank.job_id);
  if (!job.ok()) return job.status().WithContext("reading the job of " + what);
  core::LogInfo("worker " + options_.worker_id + " took " + what + " (tracker " + rank.tracker + ")");
  executor_.Log(*job, "worker " + options_.worker_id + " joined as rank " + std::to_string(rank.rank) + " of " +
                          std::to_string(job->request.workers));
  Held held;
  held.job_id = rank.job_id;
  held.rank = rank.rank;
  held.attempt = job->attempts;
  held.held_until.store(rank.lease_until_micros);
  {
    core::MutexLock lock(mu_);
    if (stopping_) held.StopFor(StopReason::kShutdown);
    running_ = &held;
  }
  std::thread heartbeat([this, &held] { Heartbeat(held); });
  core::Status ran = rank_runner_(rank, *job, held.stop);
  {
    core::MutexLock lock(held.mu);
    held.done = true;
  }
  held.done_changed.NotifyAll();
  heartbeat.join();
  MarkRunEnded();
  {
    core::MutexLock lock(mu_);
    running_ = nullptr;
  }
  if (held.reason.load() == StopReason::kShutdown) {
    // The collective cannot go on without this rank: end its lease now so the whole job goes back to the queue.
    auto ended = metadata_.RenewRankLease(rank.job_id, rank.rank, options_.worker_id, 1);
    if (ended.ok()) {
      auto requeued =
          SweepExpiredLeases(metadata_, clock_, [this](const storage::JobRecord& job) { NotifyEnded(job); });
      if (!requeued.ok()) core::LogError("cannot requeue job " + rank.job_id + ": " + requeued.status().ToString());
    }
    core::LogInfo("worker " + options_.worker_id + " stopped " + what + "; the job goes back to the queue");
    return true;
  }
  if (ran.ok()) {
    core::LogInfo("worker " + options_.worker_id + " finished " + what);
  } else {
    core::LogWarning("worker " + options_.worker_id + ": " + what + " ended: " + ran.ToString());
    executor_.Log(*job, "worker " + options_.worker_id + ": rank " + std::to_string(rank.rank) +
                            " ended: " + std::string(ran.message()));
  }
  return true;
}

void QueueWorker::Heartbeat(Held& held) {
  const auto interval = std::chrono::microseconds(HeartbeatIntervalMicros(options_.lease));
  while (true) {
    {
      core::MutexLock lock(held.mu);
      held.done_changed.WaitFor(held.mu, interval, [&held]() AMP_REQUIRES(held.mu) { return held.done; });
      if (held.done) return;
    }
    const int64_t now = clock_.NowMicros();
    auto renewed =
        held.rank > 0
            ? metadata_.RenewRankLease(held.job_id, held.rank, options_.worker_id, now + options_.lease.lease_micros)
            : metadata_.RenewJobLease(held.job_id, options_.worker_id, now + options_.lease.lease_micros);
    const RenewalVerdict verdict =
        JudgeRenewal(renewed.status().code(), renewed.ok() && renewed->cancel_requested, held.held_until.load(), now);
    if (renewed.ok()) {
      lease_renewals_.fetch_add(1);
      last_heartbeat_micros_.store(now);
    } else {
      lease_renewal_failures_.fetch_add(1);
    }
    if (renewed.ok()) {
      // A rank's renewal answers with the job (for cancel_requested); its own lease is the one just asked for.
      held.held_until.store(held.rank > 0 ? now + options_.lease.lease_micros : renewed->lease_until_micros);
    }
    switch (verdict) {
      case RenewalVerdict::kKeepRunning:
        break;
      case RenewalVerdict::kStopCancelled:
        core::LogInfo("worker " + options_.worker_id + ": job " + held.job_id + " was cancelled; stopping it");
        held.StopFor(StopReason::kCancelRequested);
        break;
      case RenewalVerdict::kStopLeaseLost:
        held.StopFor(StopReason::kLeaseLost);
        break;
      case RenewalVerdict::kRetry:
        core::LogWarning("worker " + options_.worker_id + ": cannot renew the lease of job " + held.job_id + ": " +
                         renewed.status().ToString());
        break;
    }
  }
}

void QueueWorker::Release(storage::JobRecord& job) {
  const int64_t now = clock_.NowMicros();
  job.progress = "requeued: worker " + options_.worker_id + " stopped";
  job.progress_detail.phase = "queued";
  job.progress_detail.eta_seconds = -1;
  core::Status saved = metadata_.UpdateHeldJob(job);
  // A lease renewed to a time already past has ended: the sweep below puts the job back in the queue now rather
  // than when the lease would have run out.
  if (saved.ok()) saved = metadata_.RenewJobLease(job.id, options_.worker_id, 1).status();
  if (!saved.ok()) {
    core::LogWarning("worker " + options_.worker_id + ": cannot release job " + job.id + " (" + saved.ToString() +
                     "); it is requeued when its lease ends");
    return;
  }
  jobs_released_.fetch_add(1);
  executor_.Log(job, "worker " + options_.worker_id + " stopped; the job goes back to the queue");
  auto requeued = metadata_.RequeueExpiredJobs(now);
  if (!requeued.ok()) {
    core::LogError("cannot requeue job " + job.id + ": " + requeued.status().ToString());
    return;
  }
  RecordSweep(
      metadata_, now, *requeued, [this](const storage::JobRecord& ended) { NotifyEnded(ended); }, job.id);
  core::LogInfo("worker " + options_.worker_id + " released job " + job.id + " to the queue");
}

QueueWorkerStats QueueWorker::stats() const {
  QueueWorkerStats stats;
  stats.jobs_claimed = jobs_run_.load();
  stats.ranks_claimed = ranks_claimed_.load();
  stats.jobs_succeeded = jobs_succeeded_.load();
  stats.jobs_failed = jobs_failed_.load();
  stats.jobs_cancelled = jobs_cancelled_.load();
  stats.jobs_released = jobs_released_.load();
  stats.leases_lost = leases_lost_.load();
  stats.expired_requeued = expired_requeued_.load();
  stats.lease_renewals = lease_renewals_.load();
  stats.lease_renewal_failures = lease_renewal_failures_.load();
  stats.last_heartbeat_micros = last_heartbeat_micros_.load();
  core::MutexLock lock(mu_);
  if (running_ != nullptr) {
    stats.current_job_id = running_->job_id;
    stats.current_attempt = running_->attempt;
    stats.current_rank = running_->rank;
  }
  return stats;
}

void QueueWorker::CountEnded(storage::JobState state) {
  switch (state) {
    case storage::JobState::kSucceeded:
      jobs_succeeded_.fetch_add(1);
      break;
    case storage::JobState::kFailed:
      jobs_failed_.fetch_add(1);
      break;
    case storage::JobState::kCancelled:
      jobs_cancelled_.fetch_add(1);
      break;
    default:
      break;
  }
}

}  // namespace amp::training
