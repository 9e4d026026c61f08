#include "storage/sqlite_metadata_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <thread>

#include "storage/record_codec.h"

namespace amp::storage {
namespace {

// Numbered migrations: entry i takes the schema from version i to i + 1. Never edit a released entry; append.
constexpr std::array<const char*, 12> kMigrations = {
    R"sql(
CREATE TABLE datasets (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at_micros INTEGER NOT NULL,
  size_bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  artifact_key TEXT NOT NULL,
  row_count INTEGER NOT NULL,
  columns_json TEXT NOT NULL
);
CREATE TABLE models (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at_micros INTEGER NOT NULL,
  description TEXT NOT NULL DEFAULT ''
);
CREATE TABLE model_versions (
  model_id TEXT NOT NULL REFERENCES models(id),
  version INTEGER NOT NULL,
  created_at_micros INTEGER NOT NULL,
  algorithm TEXT NOT NULL,
  task TEXT NOT NULL,
  target TEXT NOT NULL,
  features_json TEXT NOT NULL,
  metrics_json TEXT NOT NULL,
  params_json TEXT NOT NULL,
  dataset_id TEXT NOT NULL,
  dataset_sha256 TEXT NOT NULL,
  job_id TEXT NOT NULL,
  artifact_key TEXT NOT NULL,
  artifact_sha256 TEXT NOT NULL,
  artifact_size_bytes INTEGER NOT NULL,
  PRIMARY KEY (model_id, version)
);
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  model_name TEXT NOT NULL,
  dataset_id TEXT NOT NULL,
  target TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  features_json TEXT NOT NULL,
  params_json TEXT NOT NULL,
  created_at_micros INTEGER NOT NULL,
  started_at_micros INTEGER NOT NULL,
  finished_at_micros INTEGER NOT NULL,
  error TEXT NOT NULL,
  progress TEXT NOT NULL,
  result_model_id TEXT NOT NULL,
  result_version INTEGER NOT NULL,
  result_metrics_json TEXT NOT NULL
);
CREATE INDEX jobs_by_created ON jobs(created_at_micros);
)sql",
    R"sql(
CREATE TABLE model_aliases (
  model_id TEXT NOT NULL REFERENCES models(id),
  alias TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at_micros INTEGER NOT NULL,
  updated_by TEXT NOT NULL,
  PRIMARY KEY (model_id, alias),
  FOREIGN KEY (model_id, version) REFERENCES model_versions(model_id, version)
);
CREATE TABLE model_alias_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  model_id TEXT NOT NULL,
  alias TEXT NOT NULL,
  version INTEGER NOT NULL,
  previous_version INTEGER NOT NULL,
  at_micros INTEGER NOT NULL,
  by TEXT NOT NULL
);
CREATE INDEX model_alias_events_by_model ON model_alias_events(model_id, seq);
)sql",
    R"sql(
ALTER TABLE models ADD COLUMN is_public INTEGER NOT NULL DEFAULT 0;
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  prefix TEXT NOT NULL UNIQUE,
  secret_sha256 TEXT NOT NULL,
  created_at_micros INTEGER NOT NULL,
  expires_at_micros INTEGER NOT NULL,
  revoked INTEGER NOT NULL
);
CREATE TABLE model_grants (
  key_id TEXT NOT NULL REFERENCES api_keys(id),
  model_id TEXT NOT NULL REFERENCES models(id),
  PRIMARY KEY (key_id, model_id)
);
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at_micros INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  resource TEXT NOT NULL,
  remote_address TEXT NOT NULL,
  outcome TEXT NOT NULL,
  previous_sha256 TEXT NOT NULL,
  sha256 TEXT NOT NULL
);
)sql",
    R"sql(
ALTER TABLE jobs ADD COLUMN task TEXT NOT NULL DEFAULT '';
)sql",
    // Model search: the request's search options, the job's structured progress and
    // leaderboard, the version's leaderboard, and the job logs.
    R"sql(
ALTER TABLE jobs ADD COLUMN options_json TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN progress_json TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN leaderboard_json TEXT NOT NULL DEFAULT '';
ALTER TABLE model_versions ADD COLUMN leaderboard_json TEXT NOT NULL DEFAULT '';
CREATE TABLE job_logs (
  job_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  at_micros INTEGER NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
);
)sql",
    // Model metadata, version deletion, retention and callbacks.
    R"sql(
ALTER TABLE models ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE models ADD COLUMN tags_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE models ADD COLUMN retention_keep_last INTEGER NOT NULL DEFAULT 0;
ALTER TABLE model_versions ADD COLUMN code_version TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN callback_url TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN model_description TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN model_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN model_tags_json TEXT NOT NULL DEFAULT '';
CREATE TABLE deleted_model_versions (
  model_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY (model_id, version)
);
)sql",
    // Feature importance of each version.
    R"sql(
ALTER TABLE model_versions ADD COLUMN feature_importance_json TEXT NOT NULL DEFAULT '[]';
)sql",
    // Per-key quotas (-1: the server's default, 0: unlimited).
    R"sql(
ALTER TABLE api_keys ADD COLUMN max_dataset_bytes INTEGER NOT NULL DEFAULT -1;
ALTER TABLE api_keys ADD COLUMN max_dataset_rows INTEGER NOT NULL DEFAULT -1;
ALTER TABLE api_keys ADD COLUMN max_training_jobs INTEGER NOT NULL DEFAULT -1;
)sql",
    // Data preparation: the cleaning report of a version and the personal-data columns a train request allows.
    R"sql(
ALTER TABLE model_versions ADD COLUMN cleaning_report_json TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN allow_personal_data_all INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN allow_personal_data_json TEXT NOT NULL DEFAULT '[]';
)sql",
    // The shared job queue (workers in other processes hold a job under a lease) and the change counter that serving
    // replicas watch. Triggers bump the counter inside the writing transaction, so no write path can forget it;
    // model visibility is a models column, so the models triggers cover it.
    R"sql(
ALTER TABLE jobs ADD COLUMN worker_id TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN lease_until_micros INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
CREATE INDEX jobs_by_state ON jobs(state, created_at_micros);
CREATE TABLE change_counter (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  value INTEGER NOT NULL
);
INSERT INTO change_counter (id, value) VALUES (1, 0);
CREATE TRIGGER models_insert_changes AFTER INSERT ON models BEGIN UPDATE change_counter SET value = value + 1; END;
CREATE TRIGGER models_update_changes AFTER UPDATE ON models BEGIN UPDATE change_counter SET value = value + 1; END;
CREATE TRIGGER models_delete_changes AFTER DELETE ON models BEGIN UPDATE change_counter SET value = value + 1; END;
CREATE TRIGGER versions_insert_changes AFTER INSERT ON model_versions BEGIN UPDATE change_counter SET value = value + 1; END;
CREATE TRIGGER versions_update_changes AFTER UPDATE ON model_versions BEGIN UPDATE change_counter SET value = value + 1; END;
CREATE TRIGGER versions_delete_changes AFTER DELETE ON model_versions BEGIN UPDATE change_counter SET value = value + 1; END;
CREATE TRIGGER aliases_insert_changes AFTER INSERT ON model_aliases BEGIN UPDATE change_counter SET value = value + 1; END;
CREATE TRIGGER aliases_update_changes AFTER UPDATE ON model_aliases BEGIN UPDATE change_counter SET value = value + 1; END;
CREATE TRIGGER aliases_delete_changes AFTER DELETE ON model_aliases BEGIN UPDATE change_counter SET value = value + 1; END;
CREATE TRIGGER grants_insert_changes AFTER INSERT ON model_grants BEGIN UPDATE change_counter SET value = value + 1; END;
CREATE TRIGGER grants_update_changes AFTER UPDATE ON model_grants BEGIN UPDATE change_counter SET value = value + 1; END;
CREATE TRIGGER grants_delete_changes AFTER DELETE ON model_grants BEGIN UPDATE change_counter SET value = value + 1; END;
CREATE TRIGGER api_keys_insert_changes AFTER INSERT ON api_keys BEGIN UPDATE change_counter SET value = value + 1; END;
CREATE TRIGGER api_keys_update_changes AFTER UPDATE ON api_keys BEGIN UPDATE change_counter SET value = value + 1; END;
CREATE TRIGGER api_keys_delete_changes AFTER DELETE ON api_keys BEGIN UPDATE change_counter SET value = value + 1; END;
)sql",
    // 11: evaluation curves of a version (ROC / precision-recall or residuals on the holdout).
    R"sql(
ALTER TABLE model_versions ADD COLUMN evaluation_curves_json TEXT NOT NULL DEFAULT '';
)sql",
    // 12: the ranks of jobs trained by several workers (MetadataStore::OfferJobRanks / ClaimJobRank).
    R"sql(
CREATE TABLE job_ranks (
  job_id TEXT NOT NULL,
  rank INTEGER NOT NULL,
  worker_id TEXT NOT NULL DEFAULT '',
  lease_until_micros INTEGER NOT NULL DEFAULT 0,
  tracker TEXT NOT NULL,
  PRIMARY KEY (job_id, rank)
);
CREATE INDEX job_ranks_free ON job_ranks (worker_id);
)sql",
};

// A missing comma between two entries would concatenate them and leave a null last entry.
static_assert(std::ranges::none_of(kMigrations, [](const char* sql) { return sql == nullptr; }),
              "every migration has its SQL");

// A prepared statement that finalizes itself. Bind indexes are 1-based as in SQLite.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) { rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  core::Status prepare_status() const {
    if (rc_ == SQLITE_OK) return core::Status::Ok();
    return core::Internal(std::string("sqlite prepare: ") + sqlite3_errmsg(db_));
  }
  void Bind(int idx, std::string_view text) {
    sqlite3_bind_text(stmt_, idx, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void Bind(int idx, int64_t value) { sqlite3_bind_int64(stmt_, idx, value); }

  // Returns true while rows come, false when done.
  core::Result<bool> Step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    if (rc == SQLITE_CONSTRAINT) {
      // Only a key collision is a duplicate; a foreign key names a record that is not there.
      int extended = sqlite3_extended_errcode(db_);
      if (extended == SQLITE_CONSTRAINT_PRIMARYKEY || extended == SQLITE_CONSTRAINT_UNIQUE) {
        return core::AlreadyExists(std::string("already exists: ") + sqlite3_errmsg(db_));
      }
      if (extended == SQLITE_CONSTRAINT_FOREIGNKEY) {
        return core::NotFound(std::string("refers to a missing record: ") + sqlite3_errmsg(db_));
      }
    }
    return core::Internal(std::string("sqlite: ") + sqlite3_errmsg(db_));
  }
  core::Status Run() {
    auto result = Step();
    return result.ok() ? core::Status::Ok() : result.status();
  }
  std::string Text(int col) const {
    const unsigned char* text = sqlite3_column_text(stmt_, col);
    return text ? std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt_, col)) : "";
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

constexpr const char* kDatasetColumns =
    "id, name, created_at_micros, size_bytes, sha256, artifact_key, row_count, columns_json";

core::Result<DatasetRecord> ReadDataset(const Statement& stmt) {
  DatasetRecord record;
  record.id = stmt.Text(0);
  record.name = stmt.Text(1);
  record.created_at_micros = stmt.Int(2);
  record.size_bytes = stmt.Int(3);
  record.sha256 = stmt.Text(4);
  record.artifact_key = stmt.Text(5);
  record.summary.row_count = stmt.Int(6);
  AMP_ASSIGN_OR_RETURN(record.summary.columns, DecodeColumnSummaries(stmt.Text(7)));
  return record;
}

// Every row of `stmt`, each read by `read` (a function of the statement returning a record).
template <typename Read>
auto CollectRows(Statement& stmt, Read read) -> core::Result<std::vector<decltype(read(stmt))>> {
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  std::vector<decltype(read(stmt))> records;
  while (true) {
    AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    records.push_back(read(stmt));
  }
  return records;
}

constexpr const char* kModelColumns =
    "id, name, created_at_micros, description, is_public, owner, tags_json, retention_keep_last";

ModelRecord ReadModel(const Statement& stmt) {
  ModelRecord record;
  record.id = stmt.Text(0);
  record.name = stmt.Text(1);
  record.created_at_micros = stmt.Int(2);
  record.description = stmt.Text(3);
  record.is_public = stmt.Int(4) != 0;
  record.owner = stmt.Text(5);
  auto tags = DecodeStringList(stmt.Text(6));
  if (tags.ok()) record.tags = std::move(tags).value();  // written by EncodeStringList only
  record.retention_keep_last = stmt.Int(7);
  return record;
}

constexpr const char* kApiKeyColumns =
    "id, name, role, prefix, secret_sha256, created_at_micros, expires_at_micros, revoked, max_dataset_bytes, "
    "max_dataset_rows, max_training_jobs";

ApiKeyRecord ReadApiKey(const Statement& stmt) {
  return ApiKeyRecord{stmt.Text(0), stmt.Text(1),     stmt.Text(2), stmt.Text(3), stmt.Text(4), stmt.Int(5),
                      stmt.Int(6),  stmt.Int(7) != 0, stmt.Int(8),  stmt.Int(9),  stmt.Int(10)};
}

constexpr const char* kAuditColumns =
    "seq, at_micros, actor, action, resource, remote_address, outcome, previous_sha256, sha256";

AuditRecord ReadAudit(const Statement& stmt) {
  return AuditRecord{stmt.Int(0),  stmt.Int(1),  stmt.Text(2), stmt.Text(3), stmt.Text(4),
                     stmt.Text(5), stmt.Text(6), stmt.Text(7), stmt.Text(8)};
}

constexpr const char* kVersionColumns =
    "model_id, version, created_at_micros, algorithm, task, target, features_json, metrics_json, params_json, "
    "dataset_id, dataset_sha256, job_id, artifact_key, artifact_sha256, artifact_size_bytes, leaderboard_json, "
    "code_version, feature_importance_json, "
    "cleaning_report_json, evaluation_curves_json";

core::Result<VersionRecord> ReadVersion(const Statement& stmt) {
  VersionRecord record;
  record.model_id = stmt.Text(0);
  record.version = stmt.Int(1);
  record.created_at_micros = stmt.Int(2);
  record.algorithm = stmt.Text(3);
  record.task = stmt.Text(4);
  record.target = stmt.Text(5);
  AMP_ASSIGN_OR_RETURN(record.features, DecodeFeatures(stmt.Text(6)));
  AMP_ASSIGN_OR_RETURN(record.metrics, DecodeNumberMap(stmt.Text(7)));
  AMP_ASSIGN_OR_RETURN(record.params, DecodeNumberMap(stmt.Text(8)));
  AMP_ASSIGN_OR_RETURN(record.feature_importance, DecodeFeatureImportance(stmt.Text(17)));
  record.dataset_id = stmt.Text(9);
  record.dataset_sha256 = stmt.Text(10);
  record.job_id = stmt.Text(11);
  record.artifact_key = stmt.Text(12);
  record.artifact_sha256 = stmt.Text(13);
  record.artifact_size_bytes = stmt.Int(14);
  AMP_ASSIGN_OR_RETURN(record.leaderboard, DecodeLeaderboard(stmt.Text(15)));
  record.code_version = stmt.Text(16);
  record.cleaning_report_json = stmt.Text(18);
  record.evaluation_curves_json = stmt.Text(19);
  return record;
}

constexpr const char* kJobColumns =
    "id, state, model_name, dataset_id, target, algorithm, features_json, params_json, created_at_micros, "
    "started_at_micros, finished_at_micros, error, progress, result_model_id, result_version, result_metrics_json, "
    "task, options_json, progress_json, leaderboard_json, callback_url, model_description, model_owner, "
    "model_tags_json, allow_personal_data_all, allow_personal_data_json, worker_id, lease_until_micros, attempts, "
    "cancel_requested";

core::Result<JobRecord> ReadJob(const Statement& stmt) {
  JobRecord record;
  record.id = stmt.Text(0);
  auto state = ParseJobState(stmt.Text(1));
  if (!state) return core::DataLoss("stored job has an unknown state: " + stmt.Text(1));
  record.state = *state;
  record.request.model_name = stmt.Text(2);
  record.request.dataset_id = stmt.Text(3);
  record.request.target = stmt.Text(4);
  record.request.algorithm = stmt.Text(5);
  AMP_ASSIGN_OR_RETURN(record.request.features, DecodeStringList(stmt.Text(6)));
  AMP_ASSIGN_OR_RETURN(record.request.params, DecodeNumberMap(stmt.Text(7)));
  record.created_at_micros = stmt.Int(8);
  record.started_at_micros = stmt.Int(9);
  record.finished_at_micros = stmt.Int(10);
  record.error = stmt.Text(11);
  record.progress = stmt.Text(12);
  record.result_model_id = stmt.Text(13);
  record.result_version = stmt.Int(14);
  AMP_ASSIGN_OR_RETURN(record.result_metrics, DecodeNumberMap(stmt.Text(15)));
  record.request.task = stmt.Text(16);
  AMP_RETURN_IF_ERROR(DecodeJobOptions(stmt.Text(17), &record));
  AMP_ASSIGN_OR_RETURN(record.progress_detail, DecodeJobProgress(stmt.Text(18)));
  AMP_ASSIGN_OR_RETURN(record.leaderboard, DecodeLeaderboard(stmt.Text(19)));
  record.request.callback_url = stmt.Text(20);
  record.request.model_description = stmt.Text(21);
  record.request.model_owner = stmt.Text(22);
  if (std::string tags = stmt.Text(23); !tags.empty()) {
    AMP_ASSIGN_OR_RETURN(record.request.model_tags, DecodeStringList(tags));
  }
  record.request.allow_personal_data_all = stmt.Int(24) != 0;
  AMP_ASSIGN_OR_RETURN(record.request.allow_personal_data, DecodeStringList(stmt.Text(25)));
  record.worker_id = stmt.Text(26);
  record.lease_until_micros = stmt.Int(27);
  record.attempts = stmt.Int(28);
  record.cancel_requested = stmt.Int(29) != 0;
  return record;
}

// Binds every column of kJobColumns, in order, to ?1..?30.
void BindJob(Statement& stmt, const JobRecord& record) {
  stmt.Bind(1, record.id);
  stmt.Bind(2, JobStateName(record.state));
  stmt.Bind(3, record.request.model_name);
  stmt.Bind(4, record.request.dataset_id);
  stmt.Bind(5, record.request.target);
  stmt.Bind(6, record.request.algorithm);
  stmt.Bind(7, EncodeStringList(record.request.features));
  stmt.Bind(8, EncodeNumberMap(record.request.params));
  stmt.Bind(9, record.created_at_micros);
  stmt.Bind(10, record.started_at_micros);
  stmt.Bind(11, record.finished_at_micros);
  stmt.Bind(12, record.error);
  stmt.Bind(13, record.progress);
  stmt.Bind(14, record.result_model_id);
  stmt.Bind(15, record.result_version);
  stmt.Bind(16, EncodeNumberMap(record.result_metrics));
  stmt.Bind(17, record.request.task);
  stmt.Bind(18, EncodeJobOptions(record));
  stmt.Bind(19, EncodeJobProgress(record.progress_detail));
  stmt.Bind(20, EncodeLeaderboard(record.leaderboard));
  stmt.Bind(21, record.request.callback_url);
  stmt.Bind(22, record.request.model_description);
  stmt.Bind(23, record.request.model_owner);
  stmt.Bind(24, record.request.model_tags ? EncodeStringList(*record.request.model_tags) : std::string());
  stmt.Bind(25, static_cast<int64_t>(record.request.allow_personal_data_all ? 1 : 0));
  stmt.Bind(26, EncodeStringList(record.request.allow_personal_data));
  stmt.Bind(27, record.worker_id);
  stmt.Bind(28, record.lease_until_micros);
  stmt.Bind(29, record.attempts);
  stmt.Bind(30, int64_t{record.cancel_requested ? 1 : 0});
}

// The job columns a holder may rewrite (UpdateHeldJob): all but id and the queue's own (worker_id, lease,
// attempts, cancel_requested), as "column = ?N" with the numbers of BindJob.
std::string HeldJobAssignments() {
  std::string columns = kJobColumns;
  std::string assignments;
  int param = 0;
  size_t pos = 0;
  while (pos <= columns.size()) {
    size_t comma = columns.find(',', pos);
    if (comma == std::string::npos) comma = columns.size();
    std::string name = columns.substr(pos, comma - pos);
    name.erase(0, name.find_first_not_of(' '));
    ++param;
    pos = comma + 1;
    if (param == 1 || param > 26) continue;
    if (!assignments.empty()) assignments += ", ";
    assignments += name + " = ?" + std::to_string(param);
  }
  return assignments;
}

}  // namespace

int SqliteMetadataStore::LatestSchemaVersion() {
  return static_cast<int>(kMigrations.size());
}

core::Result<std::unique_ptr<SqliteMetadataStore>> SqliteMetadataStore::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return core::Internal("cannot open metadata database " + path + ": " + message);
  }
  std::unique_ptr<SqliteMetadataStore> store(new SqliteMetadataStore(db));
  AMP_RETURN_IF_ERROR(store->Migrate());
  return store;
}

SqliteMetadataStore::~SqliteMetadataStore() {
  core::MutexLock lock(mu_);
  sqlite3_close(db_);
}

core::Status SqliteMetadataStore::Exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    return core::Internal("sqlite: " + message);
  }
  return core::Status::Ok();
}

core::Status SqliteMetadataStore::Migrate() {
  core::MutexLock lock(mu_);
  sqlite3_busy_timeout(db_, 5000);
  AMP_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"));
  AMP_RETURN_IF_ERROR(Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)"));
  int current = 0;
  {
    Statement stmt(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    AMP_RETURN_IF_ERROR(stmt.prepare_status());
    AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (has_row) current = static_cast<int>(stmt.Int(0));
  }
  if (current > static_cast<int>(kMigrations.size())) {
    return core::FailedPrecondition("metadata database has schema version " + std::to_string(current) +
                                    ", newer than this binary knows (" + std::to_string(kMigrations.size()) + ")");
  }
  for (int version = current; version < static_cast<int>(kMigrations.size()); ++version) {
    AMP_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    // Another process opening the same file (replicas starting together on one data folder) may have applied this
    // migration since `current` was read; under the write lock taken above the check and the migration are one step.
    core::Result<bool> applied = false;
    {
      Statement stmt(db_, "SELECT 1 FROM schema_migrations WHERE version = ?");
      if (core::Status prepared = stmt.prepare_status(); prepared.ok()) {
        stmt.Bind(1, static_cast<int64_t>(version + 1));
        applied = stmt.Step();
      } else {
        applied = prepared;
      }
    }
    if (!applied.ok()) {
      Exec("ROLLBACK").IgnoreError();
      return applied.status().WithContext("migration " + std::to_string(version + 1));
    }
    if (*applied) {
      AMP_RETURN_IF_ERROR(Exec("COMMIT"));
      continue;
    }
    core::Status status = Exec(kMigrations[version]);
    if (status.ok()) {
      std::string record = "INSERT INTO schema_migrations(version) VALUES (" + std::to_string(version + 1) + ")";
      status = Exec(record.c_str());
    }
    if (!status.ok()) {
      Exec("ROLLBACK").IgnoreError();
      return status.WithContext("migration " + std::to_string(version + 1));
    }
    AMP_RETURN_IF_ERROR(Exec("COMMIT"));
  }
  schema_version_ = static_cast<int>(kMigrations.size());
  return core::Status::Ok();
}

core::Status SqliteMetadataStore::PutDataset(const DatasetRecord& record) {
  core::MutexLock lock(mu_);
  Statement stmt(
      db_,
      (std::string("INSERT INTO datasets (") + kDatasetColumns + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)").c_str());
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, record.id);
  stmt.Bind(2, record.name);
  stmt.Bind(3, record.created_at_micros);
  stmt.Bind(4, record.size_bytes);
  stmt.Bind(5, record.sha256);
  stmt.Bind(6, record.artifact_key);
  stmt.Bind(7, record.summary.row_count);
  stmt.Bind(8, EncodeColumnSummaries(record.summary.columns));
  return stmt.Run();
}

core::Result<DatasetRecord> SqliteMetadataStore::GetDataset(std::string_view id) {
  core::MutexLock lock(mu_);
  Statement stmt(db_, (std::string("SELECT ") + kDatasetColumns + " FROM datasets WHERE id = ?1").c_str());
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, id);
  AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return core::NotFound("dataset not found: " + std::string(id));
  return ReadDataset(stmt);
}

core::Result<std::vector<DatasetRecord>> SqliteMetadataStore::ListDatasets() {
  core::MutexLock lock(mu_);
  Statement stmt(db_,
                 (std::string("SELECT ") + kDatasetColumns + " FROM datasets ORDER BY created_at_micros, id").c_str());
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  std::vector<DatasetRecord> records;
  while (true) {
    AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    AMP_ASSIGN_OR_RETURN(DatasetRecord record, ReadDataset(stmt));
    records.push_back(std::move(record));
  }
  return records;
}

core::Status SqliteMetadataStore::CreateModel(const ModelRecord& record) {
  core::MutexLock lock(mu_);
  Statement stmt(
      db_, (std::string("INSERT INTO models (") + kModelColumns + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)").c_str());
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, record.id);
  stmt.Bind(2, record.name);
  stmt.Bind(3, record.created_at_micros);
  stmt.Bind(4, record.description);
  stmt.Bind(5, int64_t{record.is_public ? 1 : 0});
  stmt.Bind(6, record.owner);
  stmt.Bind(7, EncodeStringList(record.tags));
  stmt.Bind(8, record.retention_keep_last);
  core::Status status = stmt.Run();
  if (status.code() == core::StatusCode::kAlreadyExists) {
    return core::AlreadyExists("a model named '" + record.name + "' already exists");
  }
  return status;
}

core::Result<ModelRecord> SqliteMetadataStore::GetModelWhere(const char* column, std::string_view value) {
  core::MutexLock lock(mu_);
  std::string sql = std::string("SELECT ") + kModelColumns + " FROM models WHERE " + column + " = ?1";
  Statement stmt(db_, sql.c_str());
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, value);
  AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return core::NotFound("model not found: " + std::string(value));
  return ReadModel(stmt);
}

core::Result<ModelRecord> SqliteMetadataStore::GetModelById(std::string_view id) {
  return GetModelWhere("id", id);
}

core::Result<ModelRecord> SqliteMetadataStore::GetModelByName(std::string_view name) {
  return GetModelWhere("name", name);
}

core::Result<std::vector<ModelRecord>> SqliteMetadataStore::ListModels() {
  core::MutexLock lock(mu_);
  Statement stmt(db_, (std::string("SELECT ") + kModelColumns + " FROM models ORDER BY created_at_micros, id").c_str());
  return CollectRows(stmt, ReadModel);
}

core::Status SqliteMetadataStore::UpdateModel(const ModelRecord& record) {
  core::MutexLock lock(mu_);
  Statement stmt(db_,
                 "UPDATE models SET description = ?2, owner = ?3, tags_json = ?4, retention_keep_last = ?5 "
                 "WHERE id = ?1");
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, record.id);
  stmt.Bind(2, record.description);
  stmt.Bind(3, record.owner);
  stmt.Bind(4, EncodeStringList(record.tags));
  stmt.Bind(5, record.retention_keep_last);
  AMP_RETURN_IF_ERROR(stmt.Run());
  if (sqlite3_changes(db_) == 0) return core::NotFound("model not found: " + record.id);
  return core::Status::Ok();
}

core::Result<int64_t> SqliteMetadataStore::AddVersion(const VersionRecord& record) {
  core::MutexLock lock(mu_);
  // The next number is computed inside the INSERT, so two writers cannot take the same one; the primary key
  // rejects the loser if they ever did. Deleted versions' numbers count, so a number is never reused.
  Statement stmt(
      db_, (std::string("INSERT INTO model_versions (") + kVersionColumns +
            ") VALUES (?1, (SELECT COALESCE(MAX(version), 0) + 1 FROM (SELECT version FROM model_versions"
            " WHERE model_id = ?1 UNION ALL SELECT version FROM deleted_model_versions WHERE model_id = ?1)),"
            " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20) RETURNING version")
               .c_str());
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, record.model_id);
  stmt.Bind(3, record.created_at_micros);
  stmt.Bind(4, record.algorithm);
  stmt.Bind(5, record.task);
  stmt.Bind(6, record.target);
  stmt.Bind(7, EncodeFeatures(record.features));
  stmt.Bind(8, EncodeNumberMap(record.metrics));
  stmt.Bind(9, EncodeNumberMap(record.params));
  stmt.Bind(10, record.dataset_id);
  stmt.Bind(11, record.dataset_sha256);
  stmt.Bind(12, record.job_id);
  stmt.Bind(13, record.artifact_key);
  stmt.Bind(14, record.artifact_sha256);
  stmt.Bind(15, record.artifact_size_bytes);
  stmt.Bind(16, EncodeLeaderboard(record.leaderboard));
  stmt.Bind(17, record.code_version);
  stmt.Bind(18, EncodeFeatureImportance(record.feature_importance));
  stmt.Bind(19, record.cleaning_report_json);
  stmt.Bind(20, record.evaluation_curves_json);
  auto inserted = stmt.Step();
  if (!inserted.ok() && inserted.status().code() == core::StatusCode::kNotFound) {
    return core::NotFound("cannot add a version to model " + record.model_id + ": no such model");
  }
  AMP_ASSIGN_OR_RETURN(bool has_row, std::move(inserted));
  if (!has_row) return core::Internal("version insert returned no row");
  int64_t version = stmt.Int(0);
  AMP_ASSIGN_OR_RETURN(bool more, stmt.Step());
  (void)more;
  return version;
}

core::Result<std::vector<VersionRecord>> SqliteMetadataStore::QueryVersions(const char* sql, std::string_view model_id,
                                                                            int64_t version) {
  core::MutexLock lock(mu_);
  Statement stmt(db_, sql);
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, model_id);
  if (version > 0) stmt.Bind(2, version);
  std::vector<VersionRecord> records;
  while (true) {
    AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    AMP_ASSIGN_OR_RETURN(VersionRecord record, ReadVersion(stmt));
    records.push_back(std::move(record));
  }
  return records;
}

core::Result<VersionRecord> SqliteMetadataStore::GetVersion(std::string_view model_id, int64_t version) {
  std::string sql =
      std::string("SELECT ") + kVersionColumns + " FROM model_versions WHERE model_id = ?1 AND version = ?2";
  AMP_ASSIGN_OR_RETURN(auto records, QueryVersions(sql.c_str(), model_id, version));
  if (records.empty()) {
    return core::NotFound("model " + std::string(model_id) + " has no version " + std::to_string(version));
  }
  return std::move(records.front());
}

core::Result<VersionRecord> SqliteMetadataStore::GetLatestVersion(std::string_view model_id) {
  std::string sql = std::string("SELECT ") + kVersionColumns +
                    " FROM model_versions WHERE model_id = ?1 ORDER BY version DESC LIMIT 1";
  AMP_ASSIGN_OR_RETURN(auto records, QueryVersions(sql.c_str(), model_id, 0));
  if (records.empty()) return core::NotFound("model " + std::string(model_id) + " has no versions yet");
  return std::move(records.front());
}

core::Result<std::vector<VersionRecord>> SqliteMetadataStore::ListVersions(std::string_view model_id) {
  std::string sql =
      std::string("SELECT ") + kVersionColumns + " FROM model_versions WHERE model_id = ?1 ORDER BY version";
  return QueryVersions(sql.c_str(), model_id, 0);
}

core::Result<VersionRecord> SqliteMetadataStore::DeleteVersion(std::string_view model_id, int64_t version) {
  std::string select =
      std::string("SELECT ") + kVersionColumns + " FROM model_versions WHERE model_id = ?1 AND version = ?2";
  core::MutexLock lock(mu_);
  return InTransaction([&]() -> core::Result<VersionRecord> {
    Statement find(db_, select.c_str());
    AMP_RETURN_IF_ERROR(find.prepare_status());
    find.Bind(1, model_id);
    find.Bind(2, version);
    AMP_ASSIGN_OR_RETURN(bool found, find.Step());
    if (!found) return core::NotFound("model " + std::string(model_id) + " has no version " + std::to_string(version));
    AMP_ASSIGN_OR_RETURN(VersionRecord record, ReadVersion(find));
    Statement aliased(db_, "SELECT alias FROM model_aliases WHERE model_id = ?1 AND version = ?2 ORDER BY alias");
    AMP_RETURN_IF_ERROR(aliased.prepare_status());
    aliased.Bind(1, model_id);
    aliased.Bind(2, version);
    std::string aliases;
    while (true) {
      AMP_ASSIGN_OR_RETURN(bool has_row, aliased.Step());
      if (!has_row) break;
      aliases += (aliases.empty() ? "'" : ", '") + aliased.Text(0) + "'";
    }
    if (!aliases.empty()) {
      return core::FailedPrecondition("version " + std::to_string(version) + " is pointed to by alias " + aliases +
                                      "; move or delete the alias first");
    }
    Statement remove(db_, "DELETE FROM model_versions WHERE model_id = ?1 AND version = ?2");
    AMP_RETURN_IF_ERROR(remove.prepare_status());
    remove.Bind(1, model_id);
    remove.Bind(2, version);
    AMP_RETURN_IF_ERROR(remove.Run());
    Statement tombstone(db_, "INSERT OR IGNORE INTO deleted_model_versions (model_id, version) VALUES (?1, ?2)");
    AMP_RETURN_IF_ERROR(tombstone.prepare_status());
    tombstone.Bind(1, model_id);
    tombstone.Bind(2, version);
    AMP_RETURN_IF_ERROR(tombstone.Run());
    return record;
  });
}

core::Result<int64_t> SqliteMetadataStore::CurrentAliasVersion(std::string_view model_id, std::string_view alias) {
  Statement stmt(db_, "SELECT version FROM model_aliases WHERE model_id = ?1 AND alias = ?2");
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, model_id);
  stmt.Bind(2, alias);
  AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  return has_row ? stmt.Int(0) : int64_t{0};
}

core::Result<int64_t> SqliteMetadataStore::SetAlias(const AliasRecord& alias) {
  core::MutexLock lock(mu_);
  {
    Statement exists(db_, "SELECT 1 FROM model_versions WHERE model_id = ?1 AND version = ?2");
    AMP_RETURN_IF_ERROR(exists.prepare_status());
    exists.Bind(1, alias.model_id);
    exists.Bind(2, alias.version);
    AMP_ASSIGN_OR_RETURN(bool found, exists.Step());
    if (!found) {
      return core::NotFound("model " + alias.model_id + " has no version " + std::to_string(alias.version));
    }
  }
  return InTransaction([&]() -> core::Result<int64_t> {
    AMP_ASSIGN_OR_RETURN(int64_t previous, CurrentAliasVersion(alias.model_id, alias.alias));
    Statement upsert(db_,
                     "INSERT INTO model_aliases (model_id, alias, version, updated_at_micros, updated_by) "
                     "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (model_id, alias) DO UPDATE SET "
                     "version = excluded.version, updated_at_micros = excluded.updated_at_micros, "
                     "updated_by = excluded.updated_by");
    AMP_RETURN_IF_ERROR(upsert.prepare_status());
    upsert.Bind(1, alias.model_id);
    upsert.Bind(2, alias.alias);
    upsert.Bind(3, alias.version);
    upsert.Bind(4, alias.updated_at_micros);
    upsert.Bind(5, alias.updated_by);
    AMP_RETURN_IF_ERROR(upsert.Run());
    Statement event(db_,
                    "INSERT INTO model_alias_events (model_id, alias, version, previous_version, at_micros, by) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    AMP_RETURN_IF_ERROR(event.prepare_status());
    event.Bind(1, alias.model_id);
    event.Bind(2, alias.alias);
    event.Bind(3, alias.version);
    event.Bind(4, previous);
    event.Bind(5, alias.updated_at_micros);
    event.Bind(6, alias.updated_by);
    AMP_RETURN_IF_ERROR(event.Run());
    return previous;
  });
}

core::Result<int64_t> SqliteMetadataStore::DeleteAlias(std::string_view model_id, std::string_view alias,
                                                       int64_t at_micros, std::string_view by) {
  core::MutexLock lock(mu_);
  return InTransaction([&]() -> core::Result<int64_t> {
    AMP_ASSIGN_OR_RETURN(int64_t previous, CurrentAliasVersion(model_id, alias));
    if (previous == 0)
      return core::NotFound("model " + std::string(model_id) + " has no alias '" + std::string(alias) + "'");
    Statement remove(db_, "DELETE FROM model_aliases WHERE model_id = ?1 AND alias = ?2");
    AMP_RETURN_IF_ERROR(remove.prepare_status());
    remove.Bind(1, model_id);
    remove.Bind(2, alias);
    AMP_RETURN_IF_ERROR(remove.Run());
    Statement event(db_,
                    "INSERT INTO model_alias_events (model_id, alias, version, previous_version, at_micros, by) "
                    "VALUES (?1, ?2, 0, ?3, ?4, ?5)");
    AMP_RETURN_IF_ERROR(event.prepare_status());
    event.Bind(1, model_id);
    event.Bind(2, alias);
    event.Bind(3, previous);
    event.Bind(4, at_micros);
    event.Bind(5, by);
    AMP_RETURN_IF_ERROR(event.Run());
    return previous;
  });
}

core::Result<AliasRecord> SqliteMetadataStore::GetAlias(std::string_view model_id, std::string_view alias) {
  core::MutexLock lock(mu_);
  Statement stmt(db_,
                 "SELECT model_id, alias, version, updated_at_micros, updated_by FROM model_aliases "
                 "WHERE model_id = ?1 AND alias = ?2");
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, model_id);
  stmt.Bind(2, alias);
  AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return core::NotFound("model " + std::string(model_id) + " has no alias '" + std::string(alias) + "'");
  return AliasRecord{stmt.Text(0), stmt.Text(1), stmt.Int(2), stmt.Int(3), stmt.Text(4)};
}

core::Result<std::vector<AliasRecord>> SqliteMetadataStore::ListAliases(std::string_view model_id) {
  core::MutexLock lock(mu_);
  Statement stmt(db_,
                 "SELECT model_id, alias, version, updated_at_micros, updated_by FROM model_aliases "
                 "WHERE model_id = ?1 ORDER BY alias");
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, model_id);
  std::vector<AliasRecord> aliases;
  while (true) {
    AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    aliases.push_back(AliasRecord{stmt.Text(0), stmt.Text(1), stmt.Int(2), stmt.Int(3), stmt.Text(4)});
  }
  return aliases;
}

core::Result<std::vector<AliasEvent>> SqliteMetadataStore::ListAliasEvents(std::string_view model_id) {
  core::MutexLock lock(mu_);
  Statement stmt(db_,
                 "SELECT model_id, alias, version, previous_version, at_micros, by FROM model_alias_events "
                 "WHERE model_id = ?1 ORDER BY seq");
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, model_id);
  std::vector<AliasEvent> events;
  while (true) {
    AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    events.push_back(AliasEvent{stmt.Text(0), stmt.Text(1), stmt.Int(2), stmt.Int(3), stmt.Int(4), stmt.Text(5)});
  }
  return events;
}

core::Status SqliteMetadataStore::PutJob(const JobRecord& record) {
  core::MutexLock lock(mu_);
  Statement stmt(db_, (std::string("INSERT OR REPLACE INTO jobs (") + kJobColumns +
                       ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
                       " ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)")
                          .c_str());
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  BindJob(stmt, record);
  return stmt.Run();
}

core::Status SqliteMetadataStore::AppendJobLog(std::string_view job_id, int64_t at_micros, std::string_view message) {
  core::MutexLock lock(mu_);
  Statement stmt(db_,
                 "INSERT INTO job_logs (job_id, seq, at_micros, message) VALUES (?1, "
                 "(SELECT COALESCE(MAX(seq), 0) + 1 FROM job_logs WHERE job_id = ?1), ?2, ?3)");
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, job_id);
  stmt.Bind(2, at_micros);
  stmt.Bind(3, message);
  return stmt.Run();
}

core::Result<std::vector<JobLogLine>> SqliteMetadataStore::ListJobLogs(std::string_view job_id, int64_t after_seq,
                                                                       int limit) {
  core::MutexLock lock(mu_);
  Statement stmt(db_,
                 "SELECT seq, at_micros, message FROM job_logs WHERE job_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3");
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, job_id);
  stmt.Bind(2, after_seq);
  stmt.Bind(3, static_cast<int64_t>(limit));
  std::vector<JobLogLine> lines;
  while (true) {
    AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    lines.push_back(JobLogLine{stmt.Int(0), stmt.Int(1), stmt.Text(2)});
  }
  return lines;
}

core::Result<JobRecord> SqliteMetadataStore::GetJob(std::string_view id) {
  core::MutexLock lock(mu_);
  return GetJobLocked(id);
}

core::Result<JobRecord> SqliteMetadataStore::GetJobLocked(std::string_view id) {
  Statement stmt(db_, (std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = ?1").c_str());
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, id);
  AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return core::NotFound("job not found: " + std::string(id));
  return ReadJob(stmt);
}

core::Result<std::vector<JobRecord>> SqliteMetadataStore::ListJobs(int limit) {
  core::MutexLock lock(mu_);
  Statement stmt(
      db_,
      (std::string("SELECT ") + kJobColumns + " FROM jobs ORDER BY created_at_micros DESC, id DESC LIMIT ?1").c_str());
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, static_cast<int64_t>(limit));
  std::vector<JobRecord> records;
  while (true) {
    AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    AMP_ASSIGN_OR_RETURN(JobRecord record, ReadJob(stmt));
    records.push_back(std::move(record));
  }
  return records;
}

core::Status SqliteMetadataStore::DeleteDataset(std::string_view id) {
  core::MutexLock lock(mu_);
  Statement stmt(db_, "DELETE FROM datasets WHERE id = ?1");
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, id);
  AMP_RETURN_IF_ERROR(stmt.Run());
  if (sqlite3_changes(db_) == 0) return core::NotFound("dataset not found: " + std::string(id));
  return core::Status::Ok();
}

core::Status SqliteMetadataStore::DeleteModel(std::string_view model_id) {
  core::MutexLock lock(mu_);
  AMP_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto run = [&]() -> core::Status {
    // Children first, so foreign keys hold at every step.
    for (const char* sql :
         {"DELETE FROM model_grants WHERE model_id = ?1", "DELETE FROM model_aliases WHERE model_id = ?1",
          "DELETE FROM model_alias_events WHERE model_id = ?1", "DELETE FROM model_versions WHERE model_id = ?1",
          "DELETE FROM models WHERE id = ?1"}) {
      Statement stmt(db_, sql);
      AMP_RETURN_IF_ERROR(stmt.prepare_status());
      stmt.Bind(1, model_id);
      AMP_RETURN_IF_ERROR(stmt.Run());
    }
    if (sqlite3_changes(db_) == 0) return core::NotFound("model not found: " + std::string(model_id));
    return core::Status::Ok();
  };
  core::Status deleted = run();
  if (!deleted.ok()) {
    Exec("ROLLBACK").IgnoreError();
    return deleted;
  }
  return Exec("COMMIT");
}

core::Status SqliteMetadataStore::SetModelPublic(std::string_view model_id, bool is_public) {
  core::MutexLock lock(mu_);
  Statement stmt(db_, "UPDATE models SET is_public = ?2 WHERE id = ?1");
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, model_id);
  stmt.Bind(2, int64_t{is_public ? 1 : 0});
  AMP_RETURN_IF_ERROR(stmt.Run());
  if (sqlite3_changes(db_) == 0) return core::NotFound("model not found: " + std::string(model_id));
  return core::Status::Ok();
}

core::Status SqliteMetadataStore::WriteApiKey(const char* sql, const ApiKeyRecord& record) {
  core::MutexLock lock(mu_);
  Statement stmt(db_, sql);
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, record.id);
  stmt.Bind(2, record.name);
  stmt.Bind(3, record.role);
  stmt.Bind(4, record.prefix);
  stmt.Bind(5, record.secret_sha256);
  stmt.Bind(6, record.created_at_micros);
  stmt.Bind(7, record.expires_at_micros);
  stmt.Bind(8, int64_t{record.revoked ? 1 : 0});
  stmt.Bind(9, record.max_dataset_bytes);
  stmt.Bind(10, record.max_dataset_rows);
  stmt.Bind(11, record.max_training_jobs);
  AMP_RETURN_IF_ERROR(stmt.Run());
  if (sqlite3_changes(db_) == 0) return core::NotFound("API key not found: " + record.id);
  return core::Status::Ok();
}

core::Status SqliteMetadataStore::PutApiKey(const ApiKeyRecord& record) {
  return WriteApiKey((std::string("INSERT INTO api_keys (") + kApiKeyColumns +
                      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")
                         .c_str(),
                     record);
}

core::Status SqliteMetadataStore::UpdateApiKey(const ApiKeyRecord& record) {
  return WriteApiKey(
      "UPDATE api_keys SET name = ?2, role = ?3, prefix = ?4, secret_sha256 = ?5, created_at_micros = ?6, "
      "expires_at_micros = ?7, revoked = ?8, max_dataset_bytes = ?9, max_dataset_rows = ?10, max_training_jobs = ?11 "
      "WHERE id = ?1",
      record);
}

core::Result<std::vector<ApiKeyRecord>> SqliteMetadataStore::ListApiKeys() {
  core::MutexLock lock(mu_);
  Statement stmt(db_,
                 (std::string("SELECT ") + kApiKeyColumns + " FROM api_keys ORDER BY created_at_micros, id").c_str());
  return CollectRows(stmt, ReadApiKey);
}

core::Status SqliteMetadataStore::PutGrant(const GrantRecord& grant) {
  core::MutexLock lock(mu_);
  Statement stmt(db_, "INSERT OR IGNORE INTO model_grants (key_id, model_id) VALUES (?1, ?2)");
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, grant.key_id);
  stmt.Bind(2, grant.model_id);
  return stmt.Run();
}

core::Status SqliteMetadataStore::DeleteGrant(const GrantRecord& grant) {
  core::MutexLock lock(mu_);
  Statement stmt(db_, "DELETE FROM model_grants WHERE key_id = ?1 AND model_id = ?2");
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, grant.key_id);
  stmt.Bind(2, grant.model_id);
  AMP_RETURN_IF_ERROR(stmt.Run());
  if (sqlite3_changes(db_) == 0) {
    return core::NotFound("key " + grant.key_id + " has no grant on model " + grant.model_id);
  }
  return core::Status::Ok();
}

core::Result<std::vector<GrantRecord>> SqliteMetadataStore::ListGrants() {
  core::MutexLock lock(mu_);
  Statement stmt(db_, "SELECT key_id, model_id FROM model_grants ORDER BY key_id, model_id");
  return CollectRows(stmt, [](const Statement& row) { return GrantRecord{row.Text(0), row.Text(1)}; });
}

core::Status SqliteMetadataStore::AppendAudit(const AuditRecord& record) {
  core::MutexLock lock(mu_);
  Statement stmt(
      db_, (std::string("INSERT INTO audit_log (") + kAuditColumns + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
               .c_str());
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, record.seq);
  stmt.Bind(2, record.at_micros);
  stmt.Bind(3, record.actor);
  stmt.Bind(4, record.action);
  stmt.Bind(5, record.resource);
  stmt.Bind(6, record.remote_address);
  stmt.Bind(7, record.outcome);
  stmt.Bind(8, record.previous_sha256);
  stmt.Bind(9, record.sha256);
  return stmt.Run();
}

core::Result<std::vector<AuditRecord>> SqliteMetadataStore::ListAudit(int64_t after_seq, int limit) {
  core::MutexLock lock(mu_);
  Statement stmt(
      db_, (std::string("SELECT ") + kAuditColumns + " FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2").c_str());
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, after_seq);
  stmt.Bind(2, static_cast<int64_t>(limit));
  return CollectRows(stmt, ReadAudit);
}

core::Result<JobRecord> SqliteMetadataStore::ClaimJob(std::string_view worker_id, int64_t now_micros,
                                                      int64_t lease_until_micros) {
  core::MutexLock lock(mu_);
  // BEGIN IMMEDIATE takes the write lock first, so two claimers (threads or processes) serialize here and the
  // second sees the first's claim.
  return InTransaction([&]() -> core::Result<JobRecord> {
    std::string id;
    {
      Statement oldest(db_, "SELECT id FROM jobs WHERE state = 'queued' ORDER BY created_at_micros, id LIMIT 1");
      AMP_RETURN_IF_ERROR(oldest.prepare_status());
      AMP_ASSIGN_OR_RETURN(bool has_row, oldest.Step());
      if (!has_row) return core::NotFound("no queued job");
      id = oldest.Text(0);
    }
    Statement claim(db_,
                    "UPDATE jobs SET state = 'running', worker_id = ?2, lease_until_micros = ?3, "
                    "started_at_micros = CASE WHEN started_at_micros = 0 THEN ?4 ELSE started_at_micros END, "
                    "attempts = attempts + 1 WHERE id = ?1");
    AMP_RETURN_IF_ERROR(claim.prepare_status());
    claim.Bind(1, id);
    claim.Bind(2, worker_id);
    claim.Bind(3, lease_until_micros);
    claim.Bind(4, now_micros);
    AMP_RETURN_IF_ERROR(claim.Run());
    return GetJobLocked(id);
  });
}

core::Result<JobRecord> SqliteMetadataStore::RenewJobLease(std::string_view job_id, std::string_view worker_id,
                                                           int64_t lease_until_micros) {
  core::MutexLock lock(mu_);
  return InTransaction([&]() -> core::Result<JobRecord> {
    Statement renew(db_,
                    "UPDATE jobs SET lease_until_micros = ?3 WHERE id = ?1 AND state = 'running' AND worker_id = ?2");
    AMP_RETURN_IF_ERROR(renew.prepare_status());
    renew.Bind(1, job_id);
    renew.Bind(2, worker_id);
    renew.Bind(3, lease_until_micros);
    AMP_RETURN_IF_ERROR(renew.Run());
    bool renewed = sqlite3_changes(db_) > 0;
    AMP_ASSIGN_OR_RETURN(JobRecord record, GetJobLocked(job_id));
    if (!renewed) {
      return core::FailedPrecondition("worker " + std::string(worker_id) + " no longer holds job " +
                                      std::string(job_id) + " (" + std::string(JobStateName(record.state)) +
                                      (record.worker_id.empty() ? "" : ", held by " + record.worker_id) + ")");
    }
    return record;
  });
}

core::Status SqliteMetadataStore::UpdateHeldJob(const JobRecord& record) {
  static const std::string kSql =
      "UPDATE jobs SET " + HeldJobAssignments() + " WHERE id = ?1 AND state = 'running' AND worker_id = ?27";
  core::MutexLock lock(mu_);
  AMP_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto run = [&]() -> core::Status {
    Statement update(db_, kSql.c_str());
    AMP_RETURN_IF_ERROR(update.prepare_status());
    BindJob(update, record);
    AMP_RETURN_IF_ERROR(update.Run());
    if (sqlite3_changes(db_) > 0) return core::Status::Ok();
    AMP_ASSIGN_OR_RETURN(JobRecord stored, GetJobLocked(record.id));
    return core::FailedPrecondition("worker " + record.worker_id + " no longer holds job " + record.id + " (" +
                                    std::string(JobStateName(stored.state)) +
                                    (stored.worker_id.empty() ? "" : ", held by " + stored.worker_id) + ")");
  };
  core::Status updated = run();
  if (!updated.ok()) {
    Exec("ROLLBACK").IgnoreError();
    return updated;
  }
  return Exec("COMMIT");
}

core::Result<ExpiredJobs> SqliteMetadataStore::RequeueExpiredJobs(int64_t now_micros) {
  core::MutexLock lock(mu_);
  return InTransaction([&]() -> core::Result<ExpiredJobs> {
    // A running job one of whose taken ranks stopped renewing has a broken collective: it counts as expired.
    Statement broken(db_,
                     "UPDATE jobs SET lease_until_micros = 0 WHERE state = 'running' AND worker_id != '' AND id IN "
                     "(SELECT job_id FROM job_ranks WHERE worker_id != '' AND lease_until_micros < ?1)");
    AMP_RETURN_IF_ERROR(broken.prepare_status());
    broken.Bind(1, now_micros);
    AMP_RETURN_IF_ERROR(broken.Run());
    // A job whose cancellation was asked for is not run again: it ends as cancelled instead.
    Statement cancel(db_,
                     "UPDATE jobs SET state = 'cancelled', finished_at_micros = ?1, "
                     "error = 'cancelled; its worker stopped renewing its lease' WHERE state = 'running' AND worker_id "
                     "!= '' AND lease_until_micros < ?1 AND cancel_requested != 0 RETURNING id");
    AMP_RETURN_IF_ERROR(cancel.prepare_status());
    cancel.Bind(1, now_micros);
    ExpiredJobs expired;
    while (true) {
      AMP_ASSIGN_OR_RETURN(bool has_row, cancel.Step());
      if (!has_row) break;
      expired.cancelled.push_back(cancel.Text(0));
    }
    Statement requeue(db_,
                      "UPDATE jobs SET state = 'queued', worker_id = '', lease_until_micros = 0 "
                      "WHERE state = 'running' AND worker_id != '' AND lease_until_micros < ?1 RETURNING id");
    AMP_RETURN_IF_ERROR(requeue.prepare_status());
    requeue.Bind(1, now_micros);
    while (true) {
      AMP_ASSIGN_OR_RETURN(bool has_row, requeue.Step());
      if (!has_row) break;
      expired.requeued.push_back(requeue.Text(0));
    }
    // Requeued or ended jobs keep no ranks: their holders' renewals fail, and a new attempt offers fresh ones.
    AMP_RETURN_IF_ERROR(
        Exec("DELETE FROM job_ranks WHERE job_id IN (SELECT id FROM jobs WHERE state != 'running' OR worker_id = '')"));
    std::sort(expired.requeued.begin(), expired.requeued.end());
    std::sort(expired.cancelled.begin(), expired.cancelled.end());
    return expired;
  });
}

core::Result<JobRecord> SqliteMetadataStore::RequestJobCancel(std::string_view job_id, int64_t now_micros) {
  core::MutexLock lock(mu_);
  return InTransaction([&]() -> core::Result<JobRecord> {
    AMP_ASSIGN_OR_RETURN(JobRecord record, GetJobLocked(job_id));
    if (IsTerminal(record.state)) {
      return core::FailedPrecondition("job " + record.id + " already ended (" +
                                      std::string(JobStateName(record.state)) + ")");
    }
    Statement update(db_, record.state == JobState::kQueued
                              ? "UPDATE jobs SET state = 'cancelled', finished_at_micros = ?2 WHERE id = ?1"
                              : "UPDATE jobs SET cancel_requested = 1 WHERE id = ?1");
    AMP_RETURN_IF_ERROR(update.prepare_status());
    update.Bind(1, job_id);
    if (record.state == JobState::kQueued) update.Bind(2, now_micros);
    AMP_RETURN_IF_ERROR(update.Run());
    return GetJobLocked(job_id);
  });
}

core::Result<int64_t> SqliteMetadataStore::ChangeCounter() {
  core::MutexLock lock(mu_);
  Statement stmt(db_, "SELECT value FROM change_counter WHERE id = 1");
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  AMP_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return core::DataLoss("the change counter row is missing");
  return stmt.Int(0);
}

core::Result<int64_t> SqliteMetadataStore::WaitForChange(int64_t seen, int timeout_ms) {
  // SQLite cannot push: poll. Other processes' commits are seen because each read starts a new read transaction.
  constexpr auto kPollInterval = std::chrono::milliseconds(50);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(timeout_ms, 0));
  while (true) {
    AMP_ASSIGN_OR_RETURN(int64_t current, ChangeCounter());
    auto now = std::chrono::steady_clock::now();
    if (current != seen || now >= deadline) return current;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(kPollInterval, deadline - now));
  }
}

namespace {

constexpr const char* kRankColumns = "job_id, rank, worker_id, lease_until_micros, tracker";

JobRankRecord ReadRank(const Statement& stmt) {
  JobRankRecord rank;
  rank.job_id = stmt.Text(0);
  rank.rank = static_cast<int>(stmt.Int(1));
  rank.worker_id = stmt.Text(2);
  rank.lease_until_micros = stmt.Int(3);
  rank.tracker = stmt.Text(4);
  return rank;
}

}  // namespace

core::Status SqliteMetadataStore::OfferJobRanks(std::string_view job_id, std::string_view worker_id, int workers,
                                                std::string_view tracker) {
  if (workers < 2) return core::InvalidArgument("a job trained by several workers has at least 2");
  core::MutexLock lock(mu_);
  AMP_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto run = [&]() -> core::Status {
    AMP_ASSIGN_OR_RETURN(JobRecord job, GetJobLocked(job_id));
    if (job.state != JobState::kRunning || job.worker_id != worker_id) {
      return core::FailedPrecondition("worker " + std::string(worker_id) + " no longer holds job " + job.id + " (" +
                                      std::string(JobStateName(job.state)) +
                                      (job.worker_id.empty() ? "" : ", held by " + job.worker_id) + ")");
    }
    Statement clear(db_, "DELETE FROM job_ranks WHERE job_id = ?1");
    AMP_RETURN_IF_ERROR(clear.prepare_status());
    clear.Bind(1, job_id);
    AMP_RETURN_IF_ERROR(clear.Run());
    for (int rank = 1; rank < workers; ++rank) {
      Statement offer(db_,
                      "INSERT INTO job_ranks (job_id, rank, worker_id, lease_until_micros, tracker) "
                      "VALUES (?1, ?2, '', 0, ?3)");
      AMP_RETURN_IF_ERROR(offer.prepare_status());
      offer.Bind(1, job_id);
      offer.Bind(2, static_cast<int64_t>(rank));
      offer.Bind(3, tracker);
      AMP_RETURN_IF_ERROR(offer.Run());
    }
    return core::Status::Ok();
  };
  core::Status offered = run();
  if (!offered.ok()) {
    Exec("ROLLBACK").IgnoreError();
    return offered;
  }
  return Exec("COMMIT");
}

core::Result<JobRankRecord> SqliteMetadataStore::ClaimJobRank(std::string_view worker_id, int64_t now_micros,
                                                              int64_t lease_until_micros) {
  core::MutexLock lock(mu_);
  return InTransaction([&]() -> core::Result<JobRankRecord> {
    std::string job_id;
    int64_t rank = 0;
    {
      Statement free(db_,
                     "SELECT r.job_id, r.rank FROM job_ranks r JOIN jobs j ON j.id = r.job_id "
                     "WHERE r.worker_id = '' AND j.state = 'running' AND j.worker_id != '' AND j.worker_id != ?1 "
                     "AND j.cancel_requested = 0 AND j.lease_until_micros >= ?2 AND NOT EXISTS "
                     "(SELECT 1 FROM job_ranks o WHERE o.job_id = r.job_id AND o.worker_id = ?1) "
                     "ORDER BY j.created_at_micros, j.id, r.rank LIMIT 1");
      AMP_RETURN_IF_ERROR(free.prepare_status());
      free.Bind(1, worker_id);
      free.Bind(2, now_micros);
      AMP_ASSIGN_OR_RETURN(bool has_row, free.Step());
      if (!has_row) return core::NotFound("no job rank is free");
      job_id = free.Text(0);
      rank = free.Int(1);
    }
    Statement take(db_, (std::string("UPDATE job_ranks SET worker_id = ?3, lease_until_micros = ?4 WHERE job_id = ?1 "
                                     "AND rank = ?2 RETURNING ") +
                         kRankColumns)
                            .c_str());
    AMP_RETURN_IF_ERROR(take.prepare_status());
    take.Bind(1, job_id);
    take.Bind(2, rank);
    take.Bind(3, worker_id);
    take.Bind(4, lease_until_micros);
    AMP_ASSIGN_OR_RETURN(bool has_row, take.Step());
    if (!has_row) return core::Internal("the free rank vanished");
    JobRankRecord taken = ReadRank(take);
    AMP_ASSIGN_OR_RETURN(bool more, take.Step());
    (void)more;
    return taken;
  });
}

core::Result<JobRecord> SqliteMetadataStore::RenewRankLease(std::string_view job_id, int rank,
                                                            std::string_view worker_id, int64_t lease_until_micros) {
  core::MutexLock lock(mu_);
  return InTransaction([&]() -> core::Result<JobRecord> {
    Statement renew(db_,
                    "UPDATE job_ranks SET lease_until_micros = ?4 WHERE job_id = ?1 AND rank = ?2 AND worker_id = ?3 "
                    "AND EXISTS (SELECT 1 FROM jobs WHERE id = ?1 AND state = 'running')");
    AMP_RETURN_IF_ERROR(renew.prepare_status());
    renew.Bind(1, job_id);
    renew.Bind(2, static_cast<int64_t>(rank));
    renew.Bind(3, worker_id);
    renew.Bind(4, lease_until_micros);
    AMP_RETURN_IF_ERROR(renew.Run());
    const bool renewed = sqlite3_changes(db_) > 0;
    AMP_ASSIGN_OR_RETURN(JobRecord record, GetJobLocked(job_id));
    if (!renewed) {
      return core::FailedPrecondition("worker " + std::string(worker_id) + " no longer holds rank " +
                                      std::to_string(rank) + " of job " + std::string(job_id) + " (" +
                                      std::string(JobStateName(record.state)) + ")");
    }
    return record;
  });
}

core::Result<std::vector<JobRankRecord>> SqliteMetadataStore::ListJobRanks(std::string_view job_id) {
  core::MutexLock lock(mu_);
  const std::string sql = std::string("SELECT ") + kRankColumns + " FROM job_ranks WHERE job_id = ?1 ORDER BY rank";
  Statement stmt(db_, sql.c_str());
  AMP_RETURN_IF_ERROR(stmt.prepare_status());
  stmt.Bind(1, job_id);
  return CollectRows(stmt, ReadRank);
}

}  // namespace amp::storage
