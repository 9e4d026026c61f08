// Records kept by the metadata store: datasets, models, model versions and training jobs.
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

}  // namespace amp::storage
