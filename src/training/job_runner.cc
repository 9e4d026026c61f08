#include "training/job_runner.h"

#include <algorithm>
#include <chrono>
#include <limits>

#include "core/id.h"
#include "core/log.h"
#include "training/queue_worker.h"
#include "training/search_plan.h"

namespace amp::training {

JobRunner::JobRunner(storage::MetadataStore& metadata, registry::DatasetCatalog& datasets,
                     registry::ModelRegistry& models, const core::Clock& clock, int worker_count)
    : metadata_(metadata), datasets_(datasets), models_(models), clock_(clock),
      worker_count_(worker_count < 0 ? 1 : worker_count), executor_(metadata, datasets, models, clock),
      worker_id_(core::NewId("trainer")) {}

void JobRunner::SetTrainerIdentity(std::string worker_id, LeaseOptions lease) {
  worker_id_ = std::move(worker_id);
  lease_ = lease;
}

JobRunner::~JobRunner() { Shutdown(); }

core::Status JobRunner::Save(const storage::JobRecord& job) { return metadata_.PutJob(job); }

void JobRunner::AddEndListener(EndListener listener) { end_listeners_.push_back(std::move(listener)); }

void JobRunner::NotifyEnded(const storage::JobRecord& job) {
  for (const EndListener& listener : end_listeners_) listener(job);
}

core::Status JobRunner::Start() {
  if (TrainsInProcess()) {
    // A job running with no worker_id was run outside the queue by an older version of this server, which held no
    // lease on it: nobody will requeue it, so it ends here as before (a person resubmits it).
    AMP_ASSIGN_OR_RETURN(std::vector<storage::JobRecord> jobs, metadata_.ListJobs(1 << 30));
    for (storage::JobRecord& job : jobs) {
      if (job.state != storage::JobState::kRunning || !job.worker_id.empty()) continue;
      job.state = storage::JobState::kInterrupted;
      job.finished_at_micros = clock_.NowMicros();
      job.error = "the server stopped while this job was running; resubmit it (POST /v1/jobs/" + job.id + "/resubmit)";
      job.progress_detail.phase = "interrupted";
      AMP_RETURN_IF_ERROR(Save(job));
      Log(job, "interrupted: the server stopped while the job was running");
      NotifyEnded(job);
    }
  }
  {
    core::MutexLock lock(mu_);
    stopping_ = false;
  }
  trainers_.clear();  // those of an earlier Start, stopped and joined by Shutdown
  for (int trainer = 0; trainer < worker_count_; ++trainer) {
    QueueWorkerOptions options;
    options.worker_id = worker_count_ == 1 ? worker_id_ : worker_id_ + "-" + std::to_string(trainer + 1);
    options.lease = lease_;
    // SweepLoop sweeps for all of them, also while they are all busy.
    options.sweep_interval_micros = std::numeric_limits<int64_t>::max();
    auto queue_worker = std::make_unique<QueueWorker>(metadata_, executor_, clock_, options);
    queue_worker->AddEndListener([this](const storage::JobRecord& job) {
      NotifyEnded(job);
      job_finished_.NotifyAll();
    });
    trainers_.push_back(std::move(queue_worker));
  }
  for (auto& trainer : trainers_) threads_.emplace_back([worker = trainer.get()] { worker->Run(); });
  threads_.emplace_back([this] { SweepLoop(); });
  return core::Status::Ok();
}

void JobRunner::Shutdown() {
  {
    core::MutexLock lock(mu_);
    stopping_ = true;
  }
  stop_changed_.NotifyAll();
  for (auto& trainer : trainers_) trainer->Stop();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
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
        // Whoever runs it (a trainer here, another replica or a worker), the store knows whether it ended.
        auto stored = metadata_.GetJob(id);
        if (stored.ok() && !storage::IsTerminal(stored->state)) still_active.push_back(std::move(id));
      }
      active->swap(still_active);
      if (submitter.max_active_jobs > 0 && static_cast<int64_t>(active->size()) >= submitter.max_active_jobs) {
        return core::ResourceExhausted("this API key already has " + std::to_string(active->size()) +
                                       " training jobs queued or running, its limit; retry when one has ended");
      }
    }
    AMP_RETURN_IF_ERROR(Save(job));
    if (active != nullptr) active->push_back(job.id);
  }
  Log(job, "queued: " +
               (plan.IsSearch() ? std::to_string(plan.candidates.size()) + " trials of " + std::to_string(plan.folds) +
                                      "-fold cross-validation" +
                                      (plan.repeats > 1 ? " x " + std::to_string(plan.repeats) + " repeats" : "") +
                                      ", cpu budget " + std::to_string(plan.cpu_budget)
                                : job.request.algorithm) +
               (job.resubmitted_from.empty() ? "" : " (resubmitted from " + job.resubmitted_from + ")"));
  // The queue is the store's: an idle trainer here claims it now, unless another trainer sharing the store is
  // quicker.
  for (auto& trainer : trainers_) trainer->Wake();
  return job;
}

core::Result<storage::JobRecord> JobRunner::Get(std::string_view job_id) { return metadata_.GetJob(job_id); }

core::Result<std::vector<storage::JobRecord>> JobRunner::List(int limit) { return metadata_.ListJobs(limit); }

core::Result<storage::JobRecord> JobRunner::Cancel(std::string_view job_id) {
  // Atomic in the store: a queued job ends now (no trainer can claim it any more); a running one is flagged, and
  // its trainer, wherever it runs, sees the flag at its next heartbeat and records it cancelled.
  AMP_ASSIGN_OR_RETURN(storage::JobRecord job, metadata_.RequestJobCancel(job_id, clock_.NowMicros()));
  if (job.state == storage::JobState::kCancelled) {
    Log(job, "cancelled before it started");
    job_finished_.NotifyAll();
    NotifyEnded(job);
    return job;
  }
  Log(job, "cancel requested; worker " + job.worker_id + " stops the job");
  for (auto& trainer : trainers_) {
    if (trainer->StopJob(job.id)) break;  // one of ours: it stops now rather than at the next heartbeat
  }
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

void JobRunner::SweepLoop() {
  constexpr auto kInterval = std::chrono::seconds(1);
  while (true) {
    {
      core::MutexLock lock(mu_);
      stop_changed_.WaitFor(mu_, kInterval, [this]() AMP_REQUIRES(mu_) { return stopping_; });
      if (stopping_) return;
    }
    auto swept = SweepExpiredLeases(metadata_, clock_, [this](const storage::JobRecord& job) {
      NotifyEnded(job);
      job_finished_.NotifyAll();
    });
    if (!swept.ok()) core::LogError("cannot requeue jobs with expired leases: " + swept.status().ToString());
  }
}

}  // namespace amp::training
