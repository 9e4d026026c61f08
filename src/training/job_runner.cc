#include "training/job_runner.h"

#include <algorithm>
#include <chrono>

#include "core/id.h"
#include "core/log.h"
#include "training/queue_worker.h"
#include "training/search_plan.h"

namespace amp::training {

JobRunner::JobRunner(storage::MetadataStore& metadata, registry::DatasetCatalog& datasets,
                     registry::ModelRegistry& models, const core::Clock& clock, int worker_count)
    : metadata_(metadata), datasets_(datasets), models_(models), clock_(clock),
      worker_count_(worker_count < 0 ? 1 : worker_count), executor_(metadata, datasets, models, clock) {}

JobRunner::~JobRunner() { Shutdown(); }

core::Status JobRunner::Save(const storage::JobRecord& job) { return metadata_.PutJob(job); }

void JobRunner::AddEndListener(EndListener listener) { end_listeners_.push_back(std::move(listener)); }

void JobRunner::NotifyEnded(const storage::JobRecord& job) {
  for (const EndListener& listener : end_listeners_) listener(job);
}

core::Status JobRunner::Start() {
  AMP_ASSIGN_OR_RETURN(std::vector<storage::JobRecord> jobs, metadata_.ListJobs(1 << 30));
  std::vector<std::string> requeue;
  for (auto it = jobs.rbegin(); it != jobs.rend(); ++it) {  // oldest first
    storage::JobRecord& job = *it;
    // A job an `amp worker` holds is its worker's to finish (or the lease's to requeue); one run in-process is this
    // process's only if it trains (a replica that does not train leaves the others' jobs alone).
    if (job.state == storage::JobState::kRunning && job.worker_id.empty() && TrainsInProcess()) {
      job.state = storage::JobState::kInterrupted;
      job.finished_at_micros = clock_.NowMicros();
      job.error = "the server stopped while this job was running; resubmit it (POST /v1/jobs/" + job.id + "/resubmit)";
      job.progress_detail.phase = "interrupted";
      AMP_RETURN_IF_ERROR(Save(job));
      Log(job, "interrupted: the server stopped while the job was running");
    } else if (job.state == storage::JobState::kQueued && TrainsInProcess()) {
      requeue.push_back(job.id);
    }
  }
  {
    core::MutexLock lock(mu_);
    stopping_ = false;
    for (std::string& id : requeue) queue_.push_back(std::move(id));
  }
  for (int worker = 0; worker < worker_count_; ++worker) workers_.emplace_back([this] { WorkerLoop(); });
  if (!TrainsInProcess()) workers_.emplace_back([this] { SweepLoop(); });
  return core::Status::Ok();
}

void JobRunner::Shutdown() {
  {
    core::MutexLock lock(mu_);
    stopping_ = true;
    for (auto& [id, cancelled] : running_) cancelled->store(true);
  }
  work_available_.NotifyAll();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
}

core::Result<storage::JobRecord> JobRunner::Submit(const storage::TrainRequest& request,
                                                   const JobSubmitter& submitter) {
  return SubmitJob(request, "", submitter);
}

core::Result<storage::JobRecord> JobRunner::Resubmit(std::string_view job_id, const JobSubmitter& submitter) {
  AMP_ASSIGN_OR_RETURN(storage::JobRecord job, metadata_.GetJob(job_id));
  if (!storage::IsTerminal(job.state)) {
    return core::FailedPrecondition("job " + job.id + " is still " + std::string(storage::JobStateName(job.state)) +
                                    "; only an ended job can be resubmitted");
  }
  return SubmitJob(job.request, job.id, submitter);
}

core::Result<std::vector<storage::JobLogLine>> JobRunner::Logs(std::string_view job_id, int64_t after_seq, int limit) {
  AMP_RETURN_IF_ERROR(metadata_.GetJob(job_id).status());
  return metadata_.ListJobLogs(job_id, after_seq, limit);
}

core::Result<storage::JobRecord> JobRunner::SubmitJob(const storage::TrainRequest& request,
                                                      std::string resubmitted_from, const JobSubmitter& submitter) {
  AMP_RETURN_IF_ERROR(registry::ValidateModelName(request.model_name));
  registry::ModelMetadataUpdate metadata;
  if (!request.model_description.empty()) metadata.description = request.model_description;
  if (!request.model_owner.empty()) metadata.owner = request.model_owner;
  metadata.tags = request.model_tags;
  AMP_RETURN_IF_ERROR(registry::ValidateModelMetadata(metadata));
  auto found = datasets_.Get(request.dataset_id);
  if (!found.ok() && found.status().code() == core::StatusCode::kNotFound) {
    // A dataset name: the newest dataset of that name.
    AMP_ASSIGN_OR_RETURN(std::vector<storage::DatasetRecord> all, datasets_.List());
    const storage::DatasetRecord* newest = nullptr;
    for (const storage::DatasetRecord& candidate : all) {
      if (candidate.name == request.dataset_id &&
          (newest == nullptr || candidate.created_at_micros >= newest->created_at_micros)) {
        newest = &candidate;
      }
    }
    if (newest != nullptr) found = *newest;
  }
  AMP_ASSIGN_OR_RETURN(storage::DatasetRecord dataset, std::move(found));
  // Validated now; the worker plans again from the stored request, which records what was decided (the dataset id,
  // the algorithm and the task), so that a rerun cannot decide otherwise.
  AMP_ASSIGN_OR_RETURN(SearchPlan plan, PlanSearch(request, dataset.summary));

  storage::JobRecord job;
  job.id = core::NewId("job");
  job.state = storage::JobState::kQueued;
  job.request = request;
  job.request.dataset_id = dataset.id;
  if (request.algorithm != kAutoAlgorithm) job.request.algorithm = plan.candidates.front().algorithm;
  job.request.task = std::string(ml::TaskName(plan.task));
  job.created_at_micros = clock_.NowMicros();
  job.progress = "queued";
  job.progress_detail.phase = "queued";
  job.progress_detail.trials_total = plan.IsSearch() ? static_cast<int>(plan.candidates.size()) : 0;
  job.resubmitted_from = std::move(resubmitted_from);
  {
    core::MutexLock lock(mu_);
    if (stopping_) return core::Unavailable("the server is shutting down");
    std::vector<std::string>* active = nullptr;
    if (!submitter.id.empty()) {
      active = &jobs_by_submitter_[submitter.id];
      std::vector<std::string> still_active;
      for (std::string& id : *active) {
        bool is_active = running_.contains(id) || std::find(queue_.begin(), queue_.end(), id) != queue_.end();
        if (!TrainsInProcess()) {  // the workers run it: ask the store
          auto stored = metadata_.GetJob(id);
          is_active = stored.ok() && !storage::IsTerminal(stored->state);
        }
        if (is_active) still_active.push_back(std::move(id));
      }
      active->swap(still_active);
      if (submitter.max_active_jobs > 0 && static_cast<int64_t>(active->size()) >= submitter.max_active_jobs) {
        return core::ResourceExhausted("this API key already has " + std::to_string(active->size()) +
                                       " training jobs queued or running, its limit; retry when one has ended");
      }
    }
    AMP_RETURN_IF_ERROR(Save(job));
    if (TrainsInProcess()) queue_.push_back(job.id);
    if (active != nullptr) active->push_back(job.id);
  }
  Log(job, "queued: " +
               (plan.IsSearch() ? std::to_string(plan.candidates.size()) + " trials of " + std::to_string(plan.folds) +
                                      "-fold cross-validation" +
                                      (plan.repeats > 1 ? " x " + std::to_string(plan.repeats) + " repeats" : "") +
                                      ", cpu budget " + std::to_string(plan.cpu_budget)
                                : job.request.algorithm) +
               (job.resubmitted_from.empty() ? "" : " (resubmitted from " + job.resubmitted_from + ")"));
  work_available_.NotifyOne();
  return job;
}

core::Result<storage::JobRecord> JobRunner::Get(std::string_view job_id) { return metadata_.GetJob(job_id); }

core::Result<std::vector<storage::JobRecord>> JobRunner::List(int limit) { return metadata_.ListJobs(limit); }

core::Result<storage::JobRecord> JobRunner::Cancel(std::string_view job_id) {
  core::MutexLock lock(mu_);
  AMP_ASSIGN_OR_RETURN(storage::JobRecord job, metadata_.GetJob(job_id));
  if (storage::IsTerminal(job.state)) {
    return core::FailedPrecondition("job " + job.id + " already ended (" +
                                    std::string(storage::JobStateName(job.state)) + ")");
  }
  auto running = running_.find(job_id);
  if (running != running_.end()) {
    running->second->store(true);
    job.progress = "cancelling";
    return job;
  }
  if (!job.worker_id.empty() || !TrainsInProcess()) return CancelHeldJob(job_id);
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (*it == job_id) {
      queue_.erase(it);
      break;
    }
  }
  job.state = storage::JobState::kCancelled;
  job.finished_at_micros = clock_.NowMicros();
  job.progress = "cancelled before it started";
  job.progress_detail.phase = "cancelled";
  AMP_RETURN_IF_ERROR(Save(job));
  Log(job, "cancelled before it started");
  job_finished_.NotifyAll();
  NotifyEnded(job);
  return job;
}

core::Result<storage::JobRecord> JobRunner::CancelHeldJob(std::string_view job_id) {
  AMP_ASSIGN_OR_RETURN(storage::JobRecord job, metadata_.RequestJobCancel(job_id, clock_.NowMicros()));
  if (job.state == storage::JobState::kCancelled) {
    Log(job, "cancelled before it started");
    job_finished_.NotifyAll();
    NotifyEnded(job);
    return job;
  }
  Log(job, "cancel requested; worker " + job.worker_id + " stops the job");
  job.progress = "cancelling";
  return job;
}

core::Result<storage::JobRecord> JobRunner::WaitForJob(std::string_view job_id, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    AMP_ASSIGN_OR_RETURN(storage::JobRecord job, metadata_.GetJob(job_id));
    if (storage::IsTerminal(job.state) || std::chrono::steady_clock::now() >= deadline) return job;
    core::MutexLock lock(mu_);
    job_finished_.WaitFor(mu_, std::chrono::milliseconds(50), [] { return false; });
  }
}

void JobRunner::WorkerLoop() {
  while (true) {
    std::string job_id;
    auto cancelled = std::make_shared<std::atomic<bool>>(false);
    {
      core::MutexLock lock(mu_);
      work_available_.Wait(mu_, [this]() AMP_REQUIRES(mu_) { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job_id = std::move(queue_.front());
      queue_.pop_front();
      running_.emplace(job_id, cancelled);
    }
    auto job = metadata_.GetJob(job_id);
    if (job.ok() && job->state == storage::JobState::kQueued) {
      RunJob(std::move(job).value(), *cancelled);
    } else if (!job.ok()) {
      core::LogError("job " + job_id + " vanished from the store: " + job.status().ToString());
    }
    {
      core::MutexLock lock(mu_);
      running_.erase(job_id);
    }
    job_finished_.NotifyAll();
  }
}

void JobRunner::SweepLoop() {
  constexpr auto kInterval = std::chrono::seconds(1);
  while (true) {
    {
      core::MutexLock lock(mu_);
      work_available_.WaitFor(mu_, kInterval, [this]() AMP_REQUIRES(mu_) { return stopping_; });
      if (stopping_) return;
    }
    auto swept = SweepExpiredLeases(metadata_, clock_);
    if (!swept.ok()) core::LogError("cannot requeue jobs with expired leases: " + swept.status().ToString());
  }
}

void JobRunner::RunJob(storage::JobRecord job, const std::atomic<bool>& cancelled) {
  const JobExecutor::SaveJob save = [this](const storage::JobRecord& record) { return Save(record); };
  if (!executor_.Begin(job, save).ok()) return;
  core::Status trained = executor_.Train(job, cancelled, save);
  storage::JobState state = storage::JobState::kSucceeded;
  if (trained.code() == core::StatusCode::kCancelled) {
    core::MutexLock lock(mu_);
    state = stopping_ ? storage::JobState::kInterrupted : storage::JobState::kCancelled;
  } else if (!trained.ok()) {
    state = storage::JobState::kFailed;
  }
  executor_.Finish(job, state, trained.message(), save).IgnoreError();
  NotifyEnded(job);
}

}  // namespace amp::training
