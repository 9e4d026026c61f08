// Records kept by the metadata store: datasets, models, model versions, training jobs, and the security records
// (API keys, per-model grants, the hash-chained audit log).
// Plain value types shared by storage/, registry/, training/ and api/; they carry no behaviour.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "data/column_type.h"
#include "data/table_summary.h"

namespace amp::storage {

struct DatasetRecord {
  std::string id;
  std::string name;
  int64_t created_at_micros = 0;
  int64_t size_bytes = 0;
  std::string sha256;        // of the CSV bytes as stored
  std::string artifact_key;  // where the CSV lives in the artifact store
  data::TableSummary summary;
};

struct ModelRecord {
  std::string id;
  std::string name;
  int64_t created_at_micros = 0;
  std::string description;
  bool is_public = false;  // listing and predicting need no API key
  std::string owner{};              // a person or team, free text
  std::vector<std::string> tags{};  // sorted, unique
  // Retention: keep the newest `retention_keep_last` versions (plus aliased and loaded ones); 0 keeps every version.
  int64_t retention_keep_last = 0;
};

struct FeatureField {
  std::string name;
  data::ColumnType type = data::ColumnType::kNumeric;
  bool operator==(const FeatureField&) const = default;
};

// One trial of a model search, as ranked on a leaderboard: its algorithm and parameters, its cross-validated score
// on the training part (mean and standard deviation over the folds of the primary metric) and its fit time.
struct LeaderboardEntry {
  int rank = 0;  // 1 is the best
  std::string algorithm;
  std::map<std::string, double> params;
  std::string metric;  // the primary metric: "rmse" or "log_loss" (lower is better)
  double cv_score = 0.0;
  double cv_std = 0.0;
  double fit_seconds = 0.0;  // all folds' fits and scoring
  // The entry the job published. Usually rank 1; auto may publish a simpler model within one standard error of it,
  // its family's default setting, or the best trial when the time budget ended the ensemble's refits.
  bool published = false;
  bool operator==(const LeaderboardEntry&) const = default;
};

struct VersionRecord {
  std::string model_id;
  int64_t version = 0;  // assigned by the store: 1, 2, 3... per model
  int64_t created_at_micros = 0;
  std::string algorithm;
  std::string task;  // ml::TaskName: "regression", "binary_classification", "multiclass_classification"
  std::string target;
  std::vector<FeatureField> features;
  std::map<std::string, double> metrics;  // holdout metrics
  std::map<std::string, double> params;   // training parameters as given or defaulted
  // ml::Model::FeatureImportance of the published model: (feature, importance), most important first. Empty for
  // versions published before it was recorded.
  std::vector<std::pair<std::string, double>> feature_importance;
  // Lineage.
  std::string dataset_id;
  std::string dataset_sha256;
  std::string job_id;
  std::string code_version{};  // the AMP build that trained it (git describe at build time)
  // The serialized model.
  std::string artifact_key;
  std::string artifact_sha256;
  int64_t artifact_size_bytes = 0;
  // The search that chose this model (empty for a plain training run), best first.
  std::vector<LeaderboardEntry> leaderboard;
  // What data preparation found and decided (data::CleaningReportToJson: a JSON object text); empty for versions
  // trained before it was recorded.
  std::string cleaning_report_json;
  // The holdout's ROC and precision-recall curves or residual sample (training::EvaluationCurvesToJson: a JSON
  // object text); empty for versions trained before they were recorded, imported without them, or without a holdout.
  std::string evaluation_curves_json;
};

// An alias ("production", "staging", any name) points a model's name at one of its versions; moving it is how a
// version is promoted or rolled back. Every move is kept as an AliasEvent.
struct AliasRecord {
  std::string model_id;
  std::string alias;
  int64_t version = 0;
  int64_t updated_at_micros = 0;
  std::string updated_by;
};

struct AliasEvent {
  std::string model_id;
  std::string alias;
  int64_t version = 0;  // 0 when the alias was deleted
  int64_t previous_version = 0;  // 0 when the alias was new
  int64_t at_micros = 0;
  std::string by;
};

enum class JobState { kQueued, kRunning, kSucceeded, kFailed, kCancelled, kInterrupted };
std::string_view JobStateName(JobState state);
std::optional<JobState> ParseJobState(std::string_view name);
inline bool IsTerminal(JobState state) { return state != JobState::kQueued && state != JobState::kRunning; }

struct TrainRequest {
  std::string model_name;
  std::string dataset_id;
  std::string target;
  std::string algorithm;
  std::string task;                   // empty: implied by the algorithm, else detected from the target
  std::vector<std::string> features;  // empty: every column but the target
  std::map<std::string, double> params;
  // A hyperparameter search ("grid" or "random") over `space`; empty method: none. Algorithm "auto" searches the
  // families itself and takes only `folds`, `repeats` and `trials` from here.
  struct Search {
    std::string method;
    std::map<std::string, std::vector<double>> space;
    int trials = 0;  // random search: how many draws (0: the default)
    int folds = 0;   // cross-validation folds (0: the default)
    int repeats = 0;  // repeated cross-validation: how many fold partitions to average over (0: the default)
    bool operator==(const Search&) const = default;
  } search;
  int cpu_budget = 0;              // threads the job may use (0: the default)
  // Distributed XGBoost training: the number of worker processes (ranks) that train one model together, each on
  // its shard of the rows (training/distributed_trainer.h). 1: one process, as always.
  int workers = 1;
  double time_budget_seconds = 0;  // a search stops after this long, keeping the best so far (0: no limit)
  // Where to POST the job's outcome when it ends (empty: nowhere); see http/webhook_sender.h.
  std::string callback_url{};
  // Model metadata to set when the job publishes (empty / absent: leave as is).
  std::string model_description{};
  std::string model_owner{};
  std::optional<std::vector<std::string>> model_tags{};
  // Columns flagged as personal or payment data (data/pii_detector.h) that training may use anyway: all of them,
  // or the ones named. Any other flagged column is excluded (data/column_roles.h).
  bool allow_personal_data_all = false;
  std::vector<std::string> allow_personal_data;
};

// Where a running job is, for GET /v1/jobs/{id}: the phase and, during a search, the trial counts.
struct JobProgress {
  std::string phase;  // "loading", "searching", "refitting", "publishing", ...
  int trials_done = 0;
  int trials_total = 0;
  int boosting_round = 0;  // of the trial or fit that reported last
  int boosting_rounds = 0;
  double eta_seconds = -1;  // -1: unknown
  bool operator==(const JobProgress&) const = default;
};

// One line of a job's log.
struct JobLogLine {
  int64_t seq = 0;  // 1, 2, 3... per job
  int64_t at_micros = 0;
  std::string message;
  bool operator==(const JobLogLine&) const = default;
};

struct JobRecord {
  std::string id;
  JobState state = JobState::kQueued;
  TrainRequest request;
  int64_t created_at_micros = 0;
  int64_t started_at_micros = 0;   // 0 until started
  int64_t finished_at_micros = 0;  // 0 until finished
  std::string error;               // why it failed, for a person to act on
  std::string progress;            // human-readable progress of a running job
  JobProgress progress_detail;
  std::vector<LeaderboardEntry> leaderboard;  // a search's trials so far, best first
  std::string resubmitted_from;               // the job this one repeats, if any
  // The shared queue (amp worker processes): who holds a running job and until when, how often it was claimed, and
  // whether someone asked to cancel it while a worker runs it.
  std::string worker_id;           // empty while queued, or when run by the serving process itself
  int64_t lease_until_micros = 0;  // a running job whose lease has ended is requeued
  int64_t attempts = 0;            // claims so far
  bool cancel_requested = false;
  // Set when succeeded.
  std::string result_model_id;
  int64_t result_version = 0;
  std::map<std::string, double> result_metrics;
};

// What one lease sweep (MetadataStore::RequeueExpiredJobs) did with the running jobs whose lease had ended: put back
// in the queue, or ended as cancelled because their cancellation had been requested. Ids sorted.
struct ExpiredJobs {
  std::vector<std::string> requeued;
  std::vector<std::string> cancelled;
  bool operator==(const ExpiredJobs&) const = default;
};

// One rank of a running job trained by several `amp worker`s ("workers": k > 1): rank 0 is the job's own holder
// (JobRecord::worker_id), ranks 1..k-1 are offered by it (OfferJobRanks) and taken by other workers (ClaimJobRank).
struct JobRankRecord {
  std::string job_id;
  int rank = 0;                    // 1..workers-1
  std::string worker_id;           // empty while offered and not yet taken
  int64_t lease_until_micros = 0;  // 0 while not taken; a taken rank whose lease ends requeues the whole job
  std::string tracker;             // host:port of the job's XGBoost tracker (run by rank 0's worker)
  bool operator==(const JobRankRecord&) const = default;
};

// An API key as stored: the secret itself is never kept, only its SHA-256 and a short prefix to find it by.
struct ApiKeyRecord {
  std::string id;
  std::string name;
  std::string role;           // "admin", "developer" or "consumer"
  std::string prefix;         // the first characters of the secret; unique
  std::string secret_sha256;  // lowercase hex
  int64_t created_at_micros = 0;
  int64_t expires_at_micros = 0;  // 0: never
  bool revoked = false;
  // Per-key quotas; kServerDefaultLimit: the server's default, 0: unlimited.
  int64_t max_dataset_bytes = -1;  // one upload's size
  int64_t max_dataset_rows = -1;   // one upload's data rows
  int64_t max_training_jobs = -1;  // queued or running at once
};
inline constexpr int64_t kServerDefaultLimit = -1;

// Lets a key (of any role) read and predict on one model.
struct GrantRecord {
  std::string key_id;
  std::string model_id;
  bool operator==(const GrantRecord&) const = default;
};

// One entry of the append-only audit log. `sha256` covers every other field, including `previous_sha256` (the
// sha256 of the record before it), so editing or deleting a record breaks the chain.
struct AuditRecord {
  int64_t seq = 0;  // 1, 2, 3... in append order
  int64_t at_micros = 0;
  std::string actor;  // "key:<id> (<name>)" or "anonymous"
  std::string action;
  std::string resource;
  std::string remote_address;
  std::string outcome;  // "ok", "denied: ...", "failed: ..."
  std::string previous_sha256;
  std::string sha256;
};

}  // namespace amp::storage
