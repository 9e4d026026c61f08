// JobExecutor: runs one training job that its caller has taken, from the dataset to a published version: the
// in-process JobRunner (jobs it queued itself) and an `amp worker`'s QueueWorker (jobs claimed from the shared
// queue) both use it, so a job trains, logs and records the same way wherever it runs. The caller decides how a
// record is saved (PutJob in-process; UpdateHeldJob, only while the lease is held, on a worker) and what a stop
// means. Thread-safe (no state of its own beyond the stores it uses).
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "registry/dataset_catalog.h"
#include "registry/model_registry.h"
#include "storage/metadata_store.h"
#include "training/distributed_launcher.h"

namespace amp::training {

class JobExecutor {
 public:
  // Saves the whole record of the job being run; returns why it could not.
  using SaveJob = std::function<core::Status(const storage::JobRecord&)>;

  JobExecutor(storage::MetadataStore& metadata, registry::DatasetCatalog& datasets, registry::ModelRegistry& models,
              const core::Clock& clock)
      : metadata_(metadata), datasets_(datasets), models_(models), clock_(clock) {}

  // Marks `job` running (started_at kept if already set), saves it through `save` and logs the start. The save's
  // error when it fails (the job must not run then).
  core::Status Begin(storage::JobRecord& job, const SaveJob& save);
  // Loads the dataset, plans, trains (a single fit or a search) and publishes the version; on success the job's
  // result fields are filled (the caller then calls Finish with kSucceeded). Progress, leaderboard and log lines are
  // saved as it goes, best effort. Cancelled once `cancelled` is set (checked by the training loops and before
  // publishing); otherwise the error that failed the job (the dataset is gone, the request no longer fits it, ...).
  core::Status Train(storage::JobRecord& job, const std::atomic<bool>& cancelled, const SaveJob& save);
  // Records the end of the job: its state, finish time, error and final progress, saved through `save`, and a log
  // line. Returns the save's status.
  core::Status Finish(storage::JobRecord& job, storage::JobState state, std::string error, const SaveJob& save);
  // Appends a line to the job's log (best effort: a log that cannot be written does not fail the job).
  void Log(const storage::JobRecord& job, std::string_view message);

  // Who trains a job with "workers": k > 1 (k processes joined through XGBoost's collective). Without one, such a
  // job trains in this process, which gives the same model (distributed_trainer.h). Set before the first job.
  void SetDistributedLauncher(DistributedLauncher* launcher) { launcher_ = launcher; }

 private:
  storage::MetadataStore& metadata_;
  registry::DatasetCatalog& datasets_;
  registry::ModelRegistry& models_;
  const core::Clock& clock_;
  DistributedLauncher* launcher_ = nullptr;
};

}  // namespace amp::training
