#include "training/job_runner.h"

#include <algorithm>
#include <chrono>

#include "core/build_info.h"
#include "core/id.h"
#include "core/log.h"
#include "training/model_search.h"
#include "training/search_plan.h"
#include "training/train_plan.h"
#include "training/trainer.h"

namespace amp::training {

JobRunner::JobRunner(storage::MetadataStore& metadata, registry::DatasetCatalog& datasets,
                     registry::ModelRegistry& models, const core::Clock& clock, int worker_count)
    : metadata_(metadata), datasets_(datasets), models_(models), clock_(clock),
      worker_count_(worker_count < 1 ? 1 : worker_count) {}

JobRunner::~JobRunner() { Shutdown(); }

core::Status JobRunner::Save(const storage::JobRecord& job) { return metadata_.PutJob(job); }

void JobRunner::Log(const storage::JobRecord& job, std::string_view message) {
  core::Status logged = metadata_.AppendJobLog(job.id, clock_.NowMicros(), message);
  if (!logged.ok()) core::LogError("cannot append to the log of job " + job.id + ": " + logged.ToString());
}

void JobRunner::AddEndListener(EndListener listener) { end_listeners_.push_back(std::move(listener)); }

void JobRunner::NotifyEnded(const storage::JobRecord& job) {
  for (const EndListener& listener : end_listeners_) listener(job);
}

core::Status JobRunner::Start() {
  AMP_ASSIGN_OR_RETURN(std::vector<storage::JobRecord> jobs, metadata_.ListJobs(1 << 30));
  std::vector<std::string> requeue;
  for (auto it = jobs.rbegin(); it != jobs.rend(); ++it) {  // oldest first
    storage::JobRecord& job = *it;
    if (job.state == storage::JobState::kRunning) {
      job.state = storage::JobState::kInterrupted;
      job.finished_at_micros = clock_.NowMicros();
      job.error = "the server stopped while this job was running; resubmit it (POST /v1/jobs/" + job.id + "/resubmit)";
      job.progress_detail.phase = "interrupted";
      AMP_RETURN_IF_ERROR(Save(job));
      Log(job, "interrupted: the server stopped while the job was running");
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
        if (running_.contains(id) || std::find(queue_.begin(), queue_.end(), id) != queue_.end()) {
          still_active.push_back(std::move(id));
        }
      }
      active->swap(still_active);
      if (submitter.max_active_jobs > 0 && static_cast<int64_t>(active->size()) >= submitter.max_active_jobs) {
        return core::ResourceExhausted("this API key already has " + std::to_string(active->size()) +
                                       " training jobs queued or running, its limit; retry when one has ended");
      }
    }
    AMP_RETURN_IF_ERROR(Save(job));
    queue_.push_back(job.id);
    if (active != nullptr) active->push_back(job.id);
  }
  Log(job, "queued: " +
               (plan.IsSearch() ? std::to_string(plan.candidates.size()) + " trials of " + std::to_string(plan.folds) +
                                      "-fold cross-validation, cpu budget " + std::to_string(plan.cpu_budget)
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
  job.progress_detail.phase = job.progress;
  job.progress_detail.eta_seconds = -1;
  core::Status saved = Save(job);
  Log(job, job.progress + (job.error.empty() ? "" : ": " + job.error));
  if (!saved.ok()) core::LogError("cannot record the end of job " + job.id + ": " + saved.ToString());
  core::LogInfo("job " + job.id + " " + job.progress + (job.error.empty() ? "" : ": " + job.error));
  NotifyEnded(job);
}

void JobRunner::RunJob(storage::JobRecord job, const std::atomic<bool>& cancelled) {
  job.state = storage::JobState::kRunning;
  job.started_at_micros = clock_.NowMicros();
  job.progress = "loading the dataset";
  job.progress_detail.phase = "loading";
  if (!Save(job).ok()) return;
  Log(job, "started: loading the dataset");
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
  auto plan = PlanSearch(job.request, dataset->summary);
  if (!plan.ok()) return fail_with(plan.status());
  // Every candidate reads the same columns (they differ only in algorithm and parameters).
  auto table = datasets_.LoadTable(*dataset, plan->candidates.front().ColumnsToLoad());
  if (!table.ok()) return fail_with(table.status().WithContext("loading dataset " + dataset->id));

  // Progress is best effort: a failed save does not stop the job. Tree rounds are saved at most every 200 ms.
  std::atomic<int> round = 0;
  std::atomic<int> rounds = 0;
  auto on_round = [&](int done, int planned) {
    round.store(done, std::memory_order_relaxed);
    rounds.store(planned, std::memory_order_relaxed);
  };
  auto progress = [&](std::string_view message) {
    job.progress = std::string(message);
    job.progress_detail.phase = "training";
    job.progress_detail.boosting_round = round.load(std::memory_order_relaxed);
    job.progress_detail.boosting_rounds = rounds.load(std::memory_order_relaxed);
    Save(job).IgnoreError();
    Log(job, message);
  };
  // The fit alone (preprocessing, the algorithm or the whole search, scoring the holdout), without loading the
  // CSV: what a benchmark compares with a library's fit on data already in memory.
  const auto fit_started = std::chrono::steady_clock::now();

  TrainPlan trained_plan;
  TrainingOutcome outcome;
  if (plan->IsSearch()) {
    Log(job,
        "searching: " + std::to_string(plan->candidates.size()) + " trials, " + std::to_string(plan->folds) +
            "-fold cross-validation ranked by " + std::string(PrimaryMetric(plan->task)) + ", cpu budget " +
            std::to_string(plan->cpu_budget) +
            (plan->time_budget_seconds > 0 ? ", time budget " + std::to_string(plan->time_budget_seconds) + "s" : ""));
    auto on_status = [&](const SearchStatus& status) {
      job.progress_detail.phase = status.phase;
      job.progress_detail.trials_done = status.trials_done;
      job.progress_detail.trials_total = status.trials_total;
      job.progress_detail.boosting_round = status.boosting_round;
      job.progress_detail.boosting_rounds = status.boosting_rounds;
      job.progress_detail.eta_seconds = status.eta_seconds;
      job.progress = status.phase == "refitting" ? "refitting the winner on the whole training part"
                                                 : "trial " + std::to_string(status.trials_done) + " of " +
                                                       std::to_string(status.trials_total) + " done";
      job.leaderboard = status.leaderboard;
      Save(job).IgnoreError();
      for (const std::string& line : status.log) Log(job, line);
    };
    auto searched = RunSearch(*table, *plan, cancelled, on_status);
    if (!searched.ok()) return fail_with(searched.status());
    for (const std::string& line : searched->log) Log(job, line);
    trained_plan = std::move(searched->winner);
    outcome = std::move(searched->refit);
    job.leaderboard = std::move(searched->leaderboard);
  } else {
    trained_plan = plan->candidates.front();
    core::Result<TrainingOutcome> fitted = core::Internal("not trained");
    if (job.request.workers > 1 && launcher_ != nullptr) {
      // The ranks fit the booster; the holdout scores, profile and cleaning report are computed here as usual.
      storage::TrainRequest rank_request = job.request;
      rank_request.dataset_id = dataset->id;
      const std::string workers = std::to_string(job.request.workers);
      Log(job, "training on " + workers + " workers through XGBoost's collective");
      ExternalFit fit = [&]() -> core::Result<std::shared_ptr<const ml::Model>> {
        progress("boosting trees on " + workers + " workers");
        auto model = launcher_->Train(rank_request, cancelled);
        if (!model.ok()) return model.status().WithContext("distributed training on " + workers + " workers");
        return model;
      };
      fitted = TrainModelWithFit(*table, trained_plan, fit, cancelled, progress);
    } else {
      if (job.request.workers > 1) {
        // The k-worker model equals the single-process one (distributed_trainer.h), so a runner without a
        // launcher trains it here.
        Log(job, "workers: " + std::to_string(job.request.workers) +
                     " asked for; this server trains in one process, which gives the model " +
                     std::to_string(job.request.workers) + " workers would");
      }
      fitted = TrainModel(*table, trained_plan, cancelled, progress, on_round);
    }
    if (!fitted.ok()) return fail_with(fitted.status());
    outcome = std::move(fitted).value();
  }
  const double fit_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - fit_started).count();
  if (cancelled) return fail_with(core::Cancelled("training was cancelled"));
  for (const std::string& note : outcome.notes) Log(job, note);

  job.progress = "publishing the model";
  job.progress_detail.phase = "publishing";
  Save(job).IgnoreError();
  registry::VersionDraft draft;
  draft.algorithm = trained_plan.algorithm;
  draft.metrics = outcome.metrics;
  draft.metrics["train_rows"] = static_cast<double>(outcome.train_rows);
  draft.metrics["holdout_rows"] = static_cast<double>(outcome.holdout_rows);
  draft.params = trained_plan.Params();
  draft.metrics["fit_seconds"] = fit_seconds;
  draft.dataset_id = dataset->id;
  draft.dataset_sha256 = dataset->sha256;
  draft.job_id = job.id;
  draft.leaderboard = job.leaderboard;
  draft.code_version = std::string(core::CodeVersion());
  if (!job.request.model_description.empty()) draft.metadata.description = job.request.model_description;
  if (!job.request.model_owner.empty()) draft.metadata.owner = job.request.model_owner;
  draft.metadata.tags = job.request.model_tags;
  draft.cleaning_report_json = data::CleaningReportToJson(outcome.cleaning_report);
  draft.profile_json = outcome.profile_json;
  auto version = models_.PublishVersion(job.request.model_name, *outcome.model, draft);
  if (!version.ok()) return fail_with(version.status().WithContext("publishing the model"));
  job.result_model_id = version->model_id;
  job.result_version = version->version;
  job.result_metrics = version->metrics;
  Log(job, "published " + job.request.model_name + " version " + std::to_string(version->version) + " (" +
               trained_plan.algorithm + ")");
  Finish(job, storage::JobState::kSucceeded, "");
}

}  // namespace amp::training
