#include "training/job_runner.h"

#include <chrono>

#include "core/id.h"
#include "core/log.h"
#include "training/train_plan.h"
#include "training/trainer.h"

namespace amp::training {

JobRunner::JobRunner(storage::MetadataStore& metadata, registry::DatasetCatalog& datasets,
                     registry::ModelRegistry& models, const core::Clock& clock, int worker_count)
    : metadata_(metadata), datasets_(datasets), models_(models), clock_(clock),
      worker_count_(worker_count < 1 ? 1 : worker_count) {}

JobRunner::~JobRunner() { Shutdown(); }

core::Status JobRunner::Save(const storage::JobRecord& job) { return metadata_.PutJob(job); }

core::Status JobRunner::Start() {
  AMP_ASSIGN_OR_RETURN(std::vector<storage::JobRecord> jobs, metadata_.ListJobs(1 << 30));
  std::vector<std::string> requeue;
  for (auto it = jobs.rbegin(); it != jobs.rend(); ++it) {  // oldest first
    storage::JobRecord& job = *it;
    if (job.state == storage::JobState::kRunning) {
      job.state = storage::JobState::kInterrupted;
      job.finished_at_micros = clock_.NowMicros();
      job.error = "the server stopped while this job was running; submit it again";
      AMP_RETURN_IF_ERROR(Save(job));
    } else if (job.state == storage::JobState::kQueued) {
      requeue.push_back(job.id);
    }
  }
  {
    core::MutexLock lock(mu_);
    stopping_ = false;
    for (std::string& id : requeue) queue_.push_back(std::move(id));
  }
  for (int worker = 0; worker < worker_count_; ++worker) workers_.emplace_back([this] { WorkerLoop(); });
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

core::Result<storage::JobRecord> JobRunner::Submit(const storage::TrainRequest& request) {
  AMP_RETURN_IF_ERROR(registry::ValidateModelName(request.model_name));
  AMP_ASSIGN_OR_RETURN(storage::DatasetRecord dataset, datasets_.Get(request.dataset_id));
  // Validated now; the worker plans again from the stored request, which records what was decided (the algorithm
  // and the task), so that a rerun cannot decide otherwise.
  AMP_ASSIGN_OR_RETURN(TrainPlan plan, PlanTraining(request, dataset.summary));

  storage::JobRecord job;
  job.id = core::NewId("job");
  job.state = storage::JobState::kQueued;
  job.request = request;
  job.request.algorithm = plan.algorithm;
  job.request.task = std::string(ml::TaskName(plan.task));
  job.created_at_micros = clock_.NowMicros();
  job.progress = "queued";
  {
    core::MutexLock lock(mu_);
    if (stopping_) return core::Unavailable("the server is shutting down");
    AMP_RETURN_IF_ERROR(Save(job));
    queue_.push_back(job.id);
  }
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
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (*it == job_id) {
      queue_.erase(it);
      break;
    }
  }
  job.state = storage::JobState::kCancelled;
  job.finished_at_micros = clock_.NowMicros();
  job.progress = "cancelled before it started";
  AMP_RETURN_IF_ERROR(Save(job));
  job_finished_.NotifyAll();
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

void JobRunner::Finish(storage::JobRecord& job, storage::JobState state, std::string error) {
  job.state = state;
  job.finished_at_micros = clock_.NowMicros();
  job.error = std::move(error);
  job.progress = std::string(storage::JobStateName(state));
  core::Status saved = Save(job);
  if (!saved.ok()) core::LogError("cannot record the end of job " + job.id + ": " + saved.ToString());
  core::LogInfo("job " + job.id + " " + job.progress + (job.error.empty() ? "" : ": " + job.error));
}

void JobRunner::RunJob(storage::JobRecord job, const std::atomic<bool>& cancelled) {
  job.state = storage::JobState::kRunning;
  job.started_at_micros = clock_.NowMicros();
  job.progress = "loading the dataset";
  if (!Save(job).ok()) return;
  auto fail_with = [&](const core::Status& status) {
    storage::JobState state = storage::JobState::kFailed;
    if (status.code() == core::StatusCode::kCancelled) {
      bool shutting_down;
      {
        core::MutexLock lock(mu_);
        shutting_down = stopping_;
      }
      state = shutting_down ? storage::JobState::kInterrupted : storage::JobState::kCancelled;
    }
    Finish(job, state, status.message());
  };

  auto dataset = datasets_.Get(job.request.dataset_id);
  if (!dataset.ok()) return fail_with(dataset.status());
  auto plan = PlanTraining(job.request, dataset->summary);
  if (!plan.ok()) return fail_with(plan.status());
  auto table = datasets_.LoadTable(*dataset, plan->ColumnsToLoad());
  if (!table.ok()) return fail_with(table.status().WithContext("loading dataset " + dataset->id));

  auto progress = [&](std::string_view message) {
    job.progress = std::string(message);
    Save(job).IgnoreError();  // progress is best effort
  };
  auto outcome = TrainModel(*table, *plan, cancelled, progress);
  if (!outcome.ok()) return fail_with(outcome.status());
  if (cancelled) return fail_with(core::Cancelled("training was cancelled"));

  registry::VersionDraft draft;
  draft.algorithm = plan->algorithm;
  draft.metrics = outcome->metrics;
  draft.metrics["train_rows"] = static_cast<double>(outcome->train_rows);
  draft.metrics["holdout_rows"] = static_cast<double>(outcome->holdout_rows);
  draft.params = plan->Params();
  draft.dataset_id = dataset->id;
  draft.dataset_sha256 = dataset->sha256;
  draft.job_id = job.id;
  draft.profile_json = outcome->profile_json;
  auto version = models_.PublishVersion(job.request.model_name, *outcome->model, draft);
  if (!version.ok()) return fail_with(version.status().WithContext("publishing the model"));
  job.result_model_id = version->model_id;
  job.result_version = version->version;
  job.result_metrics = version->metrics;
  Finish(job, storage::JobState::kSucceeded, "");
}

}  // namespace amp::training
