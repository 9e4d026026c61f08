#include "storage/sqlite_metadata_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <thread>

#include "storage/sqlite_statement.h"

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
  // Replicas starting together on one fresh data folder race to switch the file to WAL and to apply the
  // migrations. SQLite answers some of those races with SQLITE_BUSY at once, without waiting in its busy handler
  // (a read snapshot that another connection's write made stale cannot wait its way out), so the whole migration
  // starts over, for up to 10 s.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (int attempt = 1;; ++attempt) {
    core::Status migrated = store->Migrate();
    if (migrated.ok()) break;
    if (!store->MigrationLostARace() || std::chrono::steady_clock::now() >= deadline) return migrated;
    std::this_thread::sleep_for(std::chrono::milliseconds(10 * std::min(attempt, 10)));
  }
  return store;
}

bool SqliteMetadataStore::MigrationLostARace() {
  core::MutexLock lock(mu_);
  const int code = (last_exec_error_ != SQLITE_OK ? last_exec_error_ : sqlite3_errcode(db_)) & 0xff;
  last_exec_error_ = SQLITE_OK;
  if (sqlite3_get_autocommit(db_) == 0) Exec("ROLLBACK").IgnoreError();
  return code == SQLITE_BUSY || code == SQLITE_LOCKED;
}

SqliteMetadataStore::~SqliteMetadataStore() {
  core::MutexLock lock(mu_);
  sqlite3_close(db_);
}

core::Status SqliteMetadataStore::Exec(const char* sql) {
  char* error = nullptr;
  if (const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error); rc != SQLITE_OK) {
    last_exec_error_ = rc;
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

}  // namespace amp::storage
