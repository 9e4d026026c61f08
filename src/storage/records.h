// Records kept by the metadata store: datasets, models, model versions, training jobs, and the security records
// (API keys, per-model grants, the hash-chained audit log).
// Plain value types shared by storage/, registry/, training/ and api/; they carry no behaviour.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
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
};

struct FeatureField {
  std::string name;
  data::ColumnType type = data::ColumnType::kNumeric;
  bool operator==(const FeatureField&) const = default;
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
  // Lineage.
  std::string dataset_id;
  std::string dataset_sha256;
  std::string job_id;
  // The serialized model.
  std::string artifact_key;
  std::string artifact_sha256;
  int64_t artifact_size_bytes = 0;
  // What data preparation found and decided (data::CleaningReportToJson: a JSON object text); empty for versions
  // trained before it was recorded.
  std::string cleaning_report_json;
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
  // Columns flagged as personal or payment data (data/pii_detector.h) that training may use anyway: all of them,
  // or the ones named. Any other flagged column is excluded (data/column_roles.h).
  bool allow_personal_data_all = false;
  std::vector<std::string> allow_personal_data;
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
  // Set when succeeded.
  std::string result_model_id;
  int64_t result_version = 0;
  std::map<std::string, double> result_metrics;
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
};

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
