#include "training/job_executor.h"

#include <algorithm>
#include <chrono>

#include "core/build_info.h"
#include "core/log.h"
#include "training/model_search.h"
#include "training/search_plan.h"
#include "training/train_plan.h"
#include "training/trainer.h"

namespace amp::training {

void JobExecutor::Log(const storage::JobRecord& job, std::string_view message) {
  core::Status logged = metadata_.AppendJobLog(job.id, clock_.NowMicros(), message);
  if (!logged.ok()) core::LogError("cannot append to the log of job " + job.id + ": " + logged.ToString());
}

core::Status JobExecutor::Begin(storage::JobRecord& job, const SaveJob& save) {
  job.state = storage::JobState::kRunning;
  if (job.started_at_micros == 0) job.started_at_micros = clock_.NowMicros();
  job.progress = "loading the dataset";
  // A job claimed again (its previous worker died) starts over: nothing of the earlier attempt's progress holds.
  const int trials_total = job.progress_detail.trials_total;
  job.progress_detail = storage::JobProgress{};
  job.progress_detail.trials_total = trials_total;
  job.progress_detail.phase = "loading";
  job.leaderboard.clear();
  AMP_RETURN_IF_ERROR(save(job));
  Log(job, job.worker_id.empty() ? "started: loading the dataset"
                                 : "started on worker " + job.worker_id + " (attempt " + std::to_string(job.attempts) +
                                       "): loading the dataset");
  return core::Status::Ok();
}

core::Status JobExecutor::Finish(storage::JobRecord& job, storage::JobState state, std::string error,
                                 const SaveJob& save) {
  job.state = state;
  job.finished_at_micros = clock_.NowMicros();
  job.error = std::move(error);
  job.progress = std::string(storage::JobStateName(state));
  job.progress_detail.phase = job.progress;
  job.progress_detail.eta_seconds = -1;
  core::Status saved = save(job);
  Log(job, job.progress + (job.error.empty() ? "" : ": " + job.error));
  if (!saved.ok()) core::LogError("cannot record the end of job " + job.id + ": " + saved.ToString());
  core::LogInfo("job " + job.id + " " + job.progress + (job.error.empty() ? "" : ": " + job.error));
  return saved;
}

core::Status JobExecutor::Train(storage::JobRecord& job, const std::atomic<bool>& cancelled, const SaveJob& save) {
  AMP_ASSIGN_OR_RETURN(storage::DatasetRecord dataset, datasets_.Get(job.request.dataset_id));
  AMP_ASSIGN_OR_RETURN(SearchPlan plan, PlanSearch(job.request, dataset.summary));
  // Every candidate reads the same columns (they differ only in algorithm and parameters).
  auto loaded = datasets_.LoadTable(dataset, plan.candidates.front().ColumnsToLoad(),
                                    static_cast<size_t>(std::max(plan.cpu_budget, 1)), &cancelled);
  if (!loaded.ok()) return loaded.status().WithContext("loading dataset " + dataset.id);
  const std::shared_ptr<const data::Table> table = std::move(loaded->table);
  Log(job, "dataset " + dataset.id + ": " + std::to_string(table->row_count()) + " rows, " +
               std::to_string(table->columns().size()) + " columns" +
               (loaded->from_cache ? ", in memory from an earlier training" : ", read and parsed"));

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
    save(job).IgnoreError();
    Log(job, message);
  };
  // The fit alone (preprocessing, the algorithm or the whole search, scoring the holdout), without loading the
  // CSV: what a benchmark compares with a library's fit on data already in memory.
  const auto fit_started = std::chrono::steady_clock::now();

  std::string published_algorithm;  // a search's: the winner's or "ensemble"
  std::map<std::string, double> published_params;
  TrainingOutcome outcome;
  if (plan.IsSearch()) {
    Log(job,
        "searching: " + std::to_string(plan.candidates.size()) + " trials, " + std::to_string(plan.folds) +
            "-fold cross-validation" + (plan.repeats > 1 ? " x " + std::to_string(plan.repeats) + " repeats" : "") +
            " ranked by " + std::string(PrimaryMetric(plan.task)) + ", cpu budget " + std::to_string(plan.cpu_budget) +
            (plan.time_budget_seconds > 0 ? ", time budget " + std::to_string(plan.time_budget_seconds) + "s" : ""));
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
      save(job).IgnoreError();
      for (const std::string& line : status.log) Log(job, line);
    };
    AMP_ASSIGN_OR_RETURN(SearchOutcome searched, RunSearch(*table, plan, cancelled, on_status));
    for (const std::string& line : searched.log) Log(job, line);
    published_algorithm = std::move(searched.algorithm);
    published_params = std::move(searched.params);
    outcome = std::move(searched.refit);
    job.leaderboard = std::move(searched.leaderboard);
  } else {
    const TrainPlan& trained_plan = plan.candidates.front();
    published_algorithm = trained_plan.algorithm;
    published_params = trained_plan.Params();
    if (job.request.workers > 1 && launcher_ != nullptr) {
      // The ranks fit the booster; the holdout scores, profile and cleaning report are computed here as usual.
      storage::TrainRequest rank_request = job.request;
      rank_request.dataset_id = dataset.id;
      const std::string workers = std::to_string(job.request.workers);
      Log(job, "training on " + workers + " workers through XGBoost's collective");
      ExternalFit fit = [&]() -> core::Result<std::shared_ptr<const ml::Model>> {
        progress("boosting trees on " + workers + " workers");
        auto model = launcher_->TrainJob(job, rank_request, cancelled);
        if (!model.ok()) return model.status().WithContext("distributed training on " + workers + " workers");
        return model;
      };
      AMP_ASSIGN_OR_RETURN(outcome, TrainModelWithFit(*table, trained_plan, fit, cancelled, progress));
    } else {
      if (job.request.workers > 1) {
        // The k-worker model equals the single-process one (distributed_trainer.h), so a runner without a
        // launcher trains it here.
        Log(job, "workers: " + std::to_string(job.request.workers) +
                     " asked for; this process trains it alone, which gives the model the workers would");
      }
      AMP_ASSIGN_OR_RETURN(outcome, TrainModel(*table, trained_plan, cancelled, progress, on_round));
    }
  }
  const double fit_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - fit_started).count();
  if (cancelled) return core::Cancelled("training was cancelled");
  for (const std::string& note : outcome.notes) Log(job, note);

  job.progress = "publishing the model";
  job.progress_detail.phase = "publishing";
  save(job).IgnoreError();
  registry::VersionDraft draft;
  draft.algorithm = published_algorithm;
  draft.metrics = outcome.metrics;
  draft.metrics["train_rows"] = static_cast<double>(outcome.train_rows);
  draft.metrics["holdout_rows"] = static_cast<double>(outcome.holdout_rows);
  draft.params = published_params;
  draft.metrics["fit_seconds"] = fit_seconds;
  draft.dataset_id = dataset.id;
  draft.dataset_sha256 = dataset.sha256;
  draft.job_id = job.id;
  draft.leaderboard = job.leaderboard;
  draft.code_version = std::string(core::CodeVersion());
  if (!job.request.model_description.empty()) draft.metadata.description = job.request.model_description;
  if (!job.request.model_owner.empty()) draft.metadata.owner = job.request.model_owner;
  draft.metadata.tags = job.request.model_tags;
  draft.cleaning_report_json = data::CleaningReportToJson(outcome.cleaning_report);
  draft.profile_json = outcome.profile_json;
  draft.evaluation_curves_json = outcome.evaluation_curves_json;
  auto version = models_.PublishVersion(job.request.model_name, *outcome.model, draft);
  if (!version.ok()) return version.status().WithContext("publishing the model");
  job.result_model_id = version->model_id;
  job.result_version = version->version;
  job.result_metrics = version->metrics;
  Log(job, "published " + job.request.model_name + " version " + std::to_string(version->version) + " (" +
               published_algorithm + ")");
  return core::Status::Ok();
}

}  // namespace amp::training
