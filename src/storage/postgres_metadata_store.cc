#include "storage/postgres_metadata_store.h"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

#include "storage/record_codec.h"

namespace amp::storage {
namespace {

// Numbered migrations: entry i takes the schema from version i to i + 1. Never edit a released entry; append.
// Version 1 is the whole schema as of SQLite migration 11 (the PostgreSQL store started there).
constexpr std::array<const char*, 2> kMigrations = {
    R"sql(
CREATE TABLE datasets (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at_micros BIGINT NOT NULL,
  size_bytes BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  artifact_key TEXT NOT NULL,
  row_count BIGINT NOT NULL,
  columns_json TEXT NOT NULL
);
CREATE TABLE models (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at_micros BIGINT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  is_public BOOLEAN NOT NULL DEFAULT FALSE,
  owner TEXT NOT NULL DEFAULT '',
  tags_json TEXT NOT NULL DEFAULT '[]',
  retention_keep_last BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE model_versions (
  model_id TEXT NOT NULL REFERENCES models(id),
  version BIGINT NOT NULL,
  created_at_micros BIGINT NOT NULL,
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
  artifact_size_bytes BIGINT NOT NULL,
  leaderboard_json TEXT NOT NULL DEFAULT '',
  code_version TEXT NOT NULL DEFAULT '',
  feature_importance_json TEXT NOT NULL DEFAULT '[]',
  cleaning_report_json TEXT NOT NULL DEFAULT '',
  evaluation_curves_json TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (model_id, version)
);
CREATE TABLE deleted_model_versions (
  model_id TEXT NOT NULL,
  version BIGINT NOT NULL,
  PRIMARY KEY (model_id, version)
);
CREATE TABLE model_aliases (
  model_id TEXT NOT NULL REFERENCES models(id),
  alias TEXT NOT NULL,
  version BIGINT NOT NULL,
  updated_at_micros BIGINT NOT NULL,
  updated_by TEXT NOT NULL,
  PRIMARY KEY (model_id, alias),
  FOREIGN KEY (model_id, version) REFERENCES model_versions(model_id, version)
);
CREATE TABLE model_alias_events (
  seq BIGSERIAL PRIMARY KEY,
  model_id TEXT NOT NULL,
  alias TEXT NOT NULL,
  version BIGINT NOT NULL,
  previous_version BIGINT NOT NULL,
  at_micros BIGINT NOT NULL,
  by TEXT NOT NULL
);
CREATE INDEX model_alias_events_by_model ON model_alias_events(model_id, seq);
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  model_name TEXT NOT NULL,
  dataset_id TEXT NOT NULL,
  target TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  features_json TEXT NOT NULL,
  params_json TEXT NOT NULL,
  created_at_micros BIGINT NOT NULL,
  started_at_micros BIGINT NOT NULL,
  finished_at_micros BIGINT NOT NULL,
  error TEXT NOT NULL,
  progress TEXT NOT NULL,
  result_model_id TEXT NOT NULL,
  result_version BIGINT NOT NULL,
  result_metrics_json TEXT NOT NULL,
  task TEXT NOT NULL DEFAULT '',
  options_json TEXT NOT NULL DEFAULT '',
  progress_json TEXT NOT NULL DEFAULT '',
  leaderboard_json TEXT NOT NULL DEFAULT '',
  callback_url TEXT NOT NULL DEFAULT '',
  model_description TEXT NOT NULL DEFAULT '',
  model_owner TEXT NOT NULL DEFAULT '',
  model_tags_json TEXT NOT NULL DEFAULT '',
  allow_personal_data_all BOOLEAN NOT NULL DEFAULT FALSE,
  allow_personal_data_json TEXT NOT NULL DEFAULT '[]',
  worker_id TEXT NOT NULL DEFAULT '',
  lease_until_micros BIGINT NOT NULL DEFAULT 0,
  attempts BIGINT NOT NULL DEFAULT 0,
  cancel_requested BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX jobs_by_created ON jobs(created_at_micros);
CREATE INDEX jobs_queued ON jobs(created_at_micros, id) WHERE state = 'queued';
CREATE INDEX jobs_running ON jobs(lease_until_micros) WHERE state = 'running';
CREATE TABLE job_logs (
  job_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  at_micros BIGINT NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  prefix TEXT NOT NULL UNIQUE,
  secret_sha256 TEXT NOT NULL,
  created_at_micros BIGINT NOT NULL,
  expires_at_micros BIGINT NOT NULL,
  revoked BOOLEAN NOT NULL,
  max_dataset_bytes BIGINT NOT NULL DEFAULT -1,
  max_dataset_rows BIGINT NOT NULL DEFAULT -1,
  max_training_jobs BIGINT NOT NULL DEFAULT -1
);
CREATE TABLE model_grants (
  key_id TEXT NOT NULL REFERENCES api_keys(id),
  model_id TEXT NOT NULL REFERENCES models(id),
  PRIMARY KEY (key_id, model_id)
);
CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY,
  at_micros BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  resource TEXT NOT NULL,
  remote_address TEXT NOT NULL,
  outcome TEXT NOT NULL,
  previous_sha256 TEXT NOT NULL,
  sha256 TEXT NOT NULL
);
CREATE TABLE amp_change_counter (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  value BIGINT NOT NULL
);
INSERT INTO amp_change_counter (id, value) VALUES (1, 0);
CREATE FUNCTION amp_note_change() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  current_value BIGINT;
BEGIN
  UPDATE amp_change_counter SET value = value + 1 WHERE id = 1 RETURNING value INTO current_value;
  PERFORM pg_notify('amp_changes', current_value::text);
  RETURN NULL;
END
$$;
CREATE TRIGGER models_changes AFTER INSERT OR UPDATE OR DELETE ON models
  FOR EACH ROW EXECUTE FUNCTION amp_note_change();
CREATE TRIGGER model_versions_changes AFTER INSERT OR UPDATE OR DELETE ON model_versions
  FOR EACH ROW EXECUTE FUNCTION amp_note_change();
CREATE TRIGGER model_aliases_changes AFTER INSERT OR UPDATE OR DELETE ON model_aliases
  FOR EACH ROW EXECUTE FUNCTION amp_note_change();
CREATE TRIGGER model_grants_changes AFTER INSERT OR UPDATE OR DELETE ON model_grants
  FOR EACH ROW EXECUTE FUNCTION amp_note_change();
CREATE TRIGGER api_keys_changes AFTER INSERT OR UPDATE OR DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION amp_note_change();
)sql",
    // 2 (SQLite 12): the ranks of jobs trained by several workers (MetadataStore::OfferJobRanks / ClaimJobRank).
    R"sql(
CREATE TABLE job_ranks (
  job_id TEXT NOT NULL,
  rank INTEGER NOT NULL,
  worker_id TEXT NOT NULL DEFAULT '',
  lease_until_micros BIGINT NOT NULL DEFAULT 0,
  tracker TEXT NOT NULL,
  PRIMARY KEY (job_id, rank)
);
CREATE INDEX job_ranks_free ON job_ranks (worker_id);
)sql",
};

static_assert(std::ranges::none_of(kMigrations, [](const char* sql) { return sql == nullptr; }),
              "every migration has its SQL");

// Serializes schema migrations of every AMP process on one database (pg_advisory_xact_lock key).
constexpr int64_t kMigrationLockKey = 0x616d705f6d6967;  // "amp_mig"
constexpr int kMaxConflictRetries = 3;
constexpr auto kPollInterval = std::chrono::milliseconds(50);
// While listening, a waiter still re-reads the counter this often, in case a notification was lost.
constexpr auto kListenRecheck = std::chrono::milliseconds(1000);

// SQLSTATE classes this store maps to Status codes.
constexpr const char* kUniqueViolation = "23505";
constexpr const char* kForeignKeyViolation = "23503";
constexpr const char* kSerializationFailure = "40001";
constexpr const char* kDeadlockDetected = "40P01";

// Connects with AMP's defaults, which the URI's own parameters override: give up on an unreachable server after
// 10 s (libpq waits forever by default), name the application in pg_stat_activity, and probe idle connections so a
// dead peer is noticed.
PGconn* Connect(const std::string& uri) {
  const char* keywords[] = {"connect_timeout", "application_name", "keepalives_idle", "dbname", nullptr};
  const char* values[] = {"10", "amp", "30", uri.c_str(), nullptr};
  return PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
}

std::string ConnectionError(PGconn* conn) {
  std::string message = conn ? PQerrorMessage(conn) : "out of memory";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

// Query parameters, all sent as text (the server casts them to the columns' types).
class Params {
 public:
  Params& Add(std::string_view text) {
    values_.emplace_back(text);
    return *this;
  }
  Params& Add(const std::string& text) { return Add(std::string_view(text)); }
  Params& Add(const char* text) { return Add(std::string_view(text)); }
  Params& Add(int64_t value) {
    values_.push_back(std::to_string(value));
    return *this;
  }
  Params& Add(int value) { return Add(static_cast<int64_t>(value)); }
  Params& Add(bool value) {
    values_.emplace_back(value ? "true" : "false");
    return *this;
  }
  std::vector<const char*> Pointers() const {
    std::vector<const char*> pointers;
    pointers.reserve(values_.size());
    for (const std::string& value : values_) pointers.push_back(value.c_str());
    return pointers;
  }
  int size() const { return static_cast<int>(values_.size()); }

 private:
  std::vector<std::string> values_;
};

// The rows of one query result, read by column name so no code depends on column positions.
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result) {}
  ~Rows() { PQclear(result_); }
  Rows(Rows&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;
  Rows& operator=(Rows&&) = delete;

  int size() const { return PQntuples(result_); }
  bool empty() const { return size() == 0; }
  // The number of rows an INSERT, UPDATE or DELETE touched.
  int64_t affected() const {
    const char* count = PQcmdTuples(result_);
    return count && *count ? std::strtoll(count, nullptr, 10) : 0;
  }
  std::string Text(int row, const char* column) const {
    int col = Column(column);
    if (col < 0 || PQgetisnull(result_, row, col)) return "";
    return std::string(PQgetvalue(result_, row, col), PQgetlength(result_, row, col));
  }
  int64_t Int(int row, const char* column) const {
    int col = Column(column);
    if (col < 0 || PQgetisnull(result_, row, col)) return 0;
    return std::strtoll(PQgetvalue(result_, row, col), nullptr, 10);
  }
  bool Bool(int row, const char* column) const {
    int col = Column(column);
    if (col < 0 || PQgetisnull(result_, row, col)) return false;
    return PQgetvalue(result_, row, col)[0] == 't';
  }

 private:
  int Column(const char* name) const {
    int col = PQfnumber(result_, name);
    assert(col >= 0 && "column not selected");
    return col;
  }
  PGresult* result_;
};

}  // namespace

// One pooled connection lent to one operation. `sent_` tells whether anything of the operation reached the server
// (so a broken connection may be retried only when nothing did).
class PostgresMetadataStore::Session {
 public:
  explicit Session(PGconn* conn) : conn_(conn) {}
  PGconn* conn() const { return conn_; }
  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }
  bool sent_anything() const { return sent_anything_; }
  // Whether a statement failed on a deadlock or serialization failure (the whole operation may be retried).
  bool conflicted() const { return conflicted_; }

  // Runs one statement with `params` as $1, $2...: the rows, or the error mapped to a Status.
  core::Result<Rows> Query(const char* sql, const Params& params = Params()) {
    std::vector<const char*> values = params.Pointers();
    PGresult* result = PQexecParams(conn_, sql, params.size(), nullptr, values.data(), nullptr, nullptr, 0);
    ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      sent_anything_ = true;
      return Rows(result);
    }
    // A broken connection before any reply: the server may never have seen the statement.
    if (!broken()) sent_anything_ = true;
    const char* sqlstate_field = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    std::string sqlstate = sqlstate_field ? sqlstate_field : "";
    std::string message = result ? PQresultErrorMessage(result) : "";
    if (message.empty()) message = ConnectionError(conn_);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    PQclear(result);
    if (sqlstate == kUniqueViolation) return core::AlreadyExists("already exists: " + message);
    if (sqlstate == kForeignKeyViolation) return core::NotFound("refers to a missing record: " + message);
    if (sqlstate == kSerializationFailure || sqlstate == kDeadlockDetected) {
      conflicted_ = true;
      return core::Unavailable("postgresql: conflicting concurrent writes: " + message);
    }
    if (broken()) return core::Unavailable("postgresql connection lost: " + message);
    return core::Internal("postgresql: " + message);
  }
  core::Status Exec(const char* sql, const Params& params = Params()) {
    auto rows = Query(sql, params);
    return rows.ok() ? core::Status::Ok() : rows.status();
  }

 private:
  PGconn* conn_;
  bool sent_anything_ = false;
  bool conflicted_ = false;
};

namespace {

constexpr const char* kDatasetColumns =
    "id, name, created_at_micros, size_bytes, sha256, artifact_key, row_count, columns_json";

core::Result<DatasetRecord> ReadDataset(const Rows& rows, int row) {
  DatasetRecord record;
  record.id = rows.Text(row, "id");
  record.name = rows.Text(row, "name");
  record.created_at_micros = rows.Int(row, "created_at_micros");
  record.size_bytes = rows.Int(row, "size_bytes");
  record.sha256 = rows.Text(row, "sha256");
  record.artifact_key = rows.Text(row, "artifact_key");
  record.summary.row_count = rows.Int(row, "row_count");
  AMP_ASSIGN_OR_RETURN(record.summary.columns, DecodeColumnSummaries(rows.Text(row, "columns_json")));
  return record;
}

constexpr const char* kModelColumns =
    "id, name, created_at_micros, description, is_public, owner, tags_json, retention_keep_last";

core::Result<ModelRecord> ReadModel(const Rows& rows, int row) {
  ModelRecord record;
  record.id = rows.Text(row, "id");
  record.name = rows.Text(row, "name");
  record.created_at_micros = rows.Int(row, "created_at_micros");
  record.description = rows.Text(row, "description");
  record.is_public = rows.Bool(row, "is_public");
  record.owner = rows.Text(row, "owner");
  AMP_ASSIGN_OR_RETURN(record.tags, DecodeStringList(rows.Text(row, "tags_json")));
  record.retention_keep_last = rows.Int(row, "retention_keep_last");
  return record;
}

constexpr const char* kVersionColumns =
    "model_id, version, created_at_micros, algorithm, task, target, features_json, metrics_json, params_json, "
    "dataset_id, dataset_sha256, job_id, artifact_key, artifact_sha256, artifact_size_bytes, leaderboard_json, "
    "code_version, feature_importance_json, cleaning_report_json, evaluation_curves_json";

core::Result<VersionRecord> ReadVersion(const Rows& rows, int row) {
  VersionRecord record;
  record.model_id = rows.Text(row, "model_id");
  record.version = rows.Int(row, "version");
  record.created_at_micros = rows.Int(row, "created_at_micros");
  record.algorithm = rows.Text(row, "algorithm");
  record.task = rows.Text(row, "task");
  record.target = rows.Text(row, "target");
  AMP_ASSIGN_OR_RETURN(record.features, DecodeFeatures(rows.Text(row, "features_json")));
  AMP_ASSIGN_OR_RETURN(record.metrics, DecodeNumberMap(rows.Text(row, "metrics_json")));
  AMP_ASSIGN_OR_RETURN(record.params, DecodeNumberMap(rows.Text(row, "params_json")));
  AMP_ASSIGN_OR_RETURN(record.feature_importance, DecodeFeatureImportance(rows.Text(row, "feature_importance_json")));
  record.dataset_id = rows.Text(row, "dataset_id");
  record.dataset_sha256 = rows.Text(row, "dataset_sha256");
  record.job_id = rows.Text(row, "job_id");
  record.artifact_key = rows.Text(row, "artifact_key");
  record.artifact_sha256 = rows.Text(row, "artifact_sha256");
  record.artifact_size_bytes = rows.Int(row, "artifact_size_bytes");
  AMP_ASSIGN_OR_RETURN(record.leaderboard, DecodeLeaderboard(rows.Text(row, "leaderboard_json")));
  record.code_version = rows.Text(row, "code_version");
  record.cleaning_report_json = rows.Text(row, "cleaning_report_json");
  record.evaluation_curves_json = rows.Text(row, "evaluation_curves_json");
  return record;
}

// The job columns in the order of JobParams ($1..$30).
constexpr const char* kJobColumns =
    "id, state, model_name, dataset_id, target, algorithm, features_json, params_json, created_at_micros, "
    "started_at_micros, finished_at_micros, error, progress, result_model_id, result_version, result_metrics_json, "
    "task, options_json, progress_json, leaderboard_json, callback_url, model_description, model_owner, "
    "model_tags_json, allow_personal_data_all, allow_personal_data_json, worker_id, lease_until_micros, attempts, "
    "cancel_requested";
constexpr const char* kJobValues =
    "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, "
    "$25, $26, $27, $28, $29, $30";
// What a holder may rewrite (UpdateHeldJob): everything but the id and the queue's own fields ($27..$30).
constexpr const char* kHeldJobAssignments =
    "state = $2, model_name = $3, dataset_id = $4, target = $5, algorithm = $6, features_json = $7, "
    "params_json = $8, created_at_micros = $9, started_at_micros = $10, finished_at_micros = $11, error = $12, "
    "progress = $13, result_model_id = $14, result_version = $15, result_metrics_json = $16, task = $17, "
    "options_json = $18, progress_json = $19, leaderboard_json = $20, callback_url = $21, model_description = $22, "
    "model_owner = $23, model_tags_json = $24, allow_personal_data_all = $25, allow_personal_data_json = $26";

// $1..$30 in kJobColumns order; with `queue_fields` false only $1..$27 (up to worker_id), for UpdateHeldJob.
Params JobParams(const JobRecord& record, bool queue_fields = true) {
  Params params;
  params.Add(record.id)
      .Add(JobStateName(record.state))
      .Add(record.request.model_name)
      .Add(record.request.dataset_id)
      .Add(record.request.target)
      .Add(record.request.algorithm)
      .Add(EncodeStringList(record.request.features))
      .Add(EncodeNumberMap(record.request.params))
      .Add(record.created_at_micros)
      .Add(record.started_at_micros)
      .Add(record.finished_at_micros)
      .Add(record.error)
      .Add(record.progress)
      .Add(record.result_model_id)
      .Add(record.result_version)
      .Add(EncodeNumberMap(record.result_metrics))
      .Add(record.request.task)
      .Add(EncodeJobOptions(record))
      .Add(EncodeJobProgress(record.progress_detail))
      .Add(EncodeLeaderboard(record.leaderboard))
      .Add(record.request.callback_url)
      .Add(record.request.model_description)
      .Add(record.request.model_owner)
      .Add(record.request.model_tags ? EncodeStringList(*record.request.model_tags) : std::string())
      .Add(record.request.allow_personal_data_all)
      .Add(EncodeStringList(record.request.allow_personal_data))
      .Add(record.worker_id);
  if (queue_fields) params.Add(record.lease_until_micros).Add(record.attempts).Add(record.cancel_requested);
  return params;
}

core::Result<JobRecord> ReadJob(const Rows& rows, int row) {
  JobRecord record;
  record.id = rows.Text(row, "id");
  std::string state_name = rows.Text(row, "state");
  auto state = ParseJobState(state_name);
  if (!state) return core::DataLoss("stored job has an unknown state: " + state_name);
  record.state = *state;
  record.request.model_name = rows.Text(row, "model_name");
  record.request.dataset_id = rows.Text(row, "dataset_id");
  record.request.target = rows.Text(row, "target");
  record.request.algorithm = rows.Text(row, "algorithm");
  AMP_ASSIGN_OR_RETURN(record.request.features, DecodeStringList(rows.Text(row, "features_json")));
  AMP_ASSIGN_OR_RETURN(record.request.params, DecodeNumberMap(rows.Text(row, "params_json")));
  record.created_at_micros = rows.Int(row, "created_at_micros");
  record.started_at_micros = rows.Int(row, "started_at_micros");
  record.finished_at_micros = rows.Int(row, "finished_at_micros");
  record.error = rows.Text(row, "error");
  record.progress = rows.Text(row, "progress");
  record.result_model_id = rows.Text(row, "result_model_id");
  record.result_version = rows.Int(row, "result_version");
  AMP_ASSIGN_OR_RETURN(record.result_metrics, DecodeNumberMap(rows.Text(row, "result_metrics_json")));
  record.request.task = rows.Text(row, "task");
  AMP_RETURN_IF_ERROR(DecodeJobOptions(rows.Text(row, "options_json"), &record));
  AMP_ASSIGN_OR_RETURN(record.progress_detail, DecodeJobProgress(rows.Text(row, "progress_json")));
  AMP_ASSIGN_OR_RETURN(record.leaderboard, DecodeLeaderboard(rows.Text(row, "leaderboard_json")));
  record.request.callback_url = rows.Text(row, "callback_url");
  record.request.model_description = rows.Text(row, "model_description");
  record.request.model_owner = rows.Text(row, "model_owner");
  if (std::string tags = rows.Text(row, "model_tags_json"); !tags.empty()) {
    AMP_ASSIGN_OR_RETURN(record.request.model_tags, DecodeStringList(tags));
  }
  record.request.allow_personal_data_all = rows.Bool(row, "allow_personal_data_all");
  AMP_ASSIGN_OR_RETURN(record.request.allow_personal_data,
                       DecodeStringList(rows.Text(row, "allow_personal_data_json")));
  record.worker_id = rows.Text(row, "worker_id");
  record.lease_until_micros = rows.Int(row, "lease_until_micros");
  record.attempts = rows.Int(row, "attempts");
  record.cancel_requested = rows.Bool(row, "cancel_requested");
  return record;
}

constexpr const char* kApiKeyColumns =
    "id, name, role, prefix, secret_sha256, created_at_micros, expires_at_micros, revoked, max_dataset_bytes, "
    "max_dataset_rows, max_training_jobs";

ApiKeyRecord ReadApiKey(const Rows& rows, int row) {
  ApiKeyRecord record;
  record.id = rows.Text(row, "id");
  record.name = rows.Text(row, "name");
  record.role = rows.Text(row, "role");
  record.prefix = rows.Text(row, "prefix");
  record.secret_sha256 = rows.Text(row, "secret_sha256");
  record.created_at_micros = rows.Int(row, "created_at_micros");
  record.expires_at_micros = rows.Int(row, "expires_at_micros");
  record.revoked = rows.Bool(row, "revoked");
  record.max_dataset_bytes = rows.Int(row, "max_dataset_bytes");
  record.max_dataset_rows = rows.Int(row, "max_dataset_rows");
  record.max_training_jobs = rows.Int(row, "max_training_jobs");
  return record;
}

Params ApiKeyParams(const ApiKeyRecord& record) {
  Params params;
  params.Add(record.id)
      .Add(record.name)
      .Add(record.role)
      .Add(record.prefix)
      .Add(record.secret_sha256)
      .Add(record.created_at_micros)
      .Add(record.expires_at_micros)
      .Add(record.revoked)
      .Add(record.max_dataset_bytes)
      .Add(record.max_dataset_rows)
      .Add(record.max_training_jobs);
  return params;
}

constexpr const char* kAuditColumns =
    "seq, at_micros, actor, action, resource, remote_address, outcome, previous_sha256, sha256";

AuditRecord ReadAudit(const Rows& rows, int row) {
  AuditRecord record;
  record.seq = rows.Int(row, "seq");
  record.at_micros = rows.Int(row, "at_micros");
  record.actor = rows.Text(row, "actor");
  record.action = rows.Text(row, "action");
  record.resource = rows.Text(row, "resource");
  record.remote_address = rows.Text(row, "remote_address");
  record.outcome = rows.Text(row, "outcome");
  record.previous_sha256 = rows.Text(row, "previous_sha256");
  record.sha256 = rows.Text(row, "sha256");
  return record;
}

AliasRecord ReadAlias(const Rows& rows, int row) {
  return AliasRecord{rows.Text(row, "model_id"), rows.Text(row, "alias"), rows.Int(row, "version"),
                     rows.Int(row, "updated_at_micros"), rows.Text(row, "updated_by")};
}

template <typename T>
struct ResultValue {
  using type = void;
};
template <typename T>
struct ResultValue<core::Result<T>> {
  using type = T;
};

// Every row of `rows` read by `read` (returning a record or a Result of one).
template <typename Read>
auto CollectRows(const Rows& rows, Read read) {
  using Value = decltype(read(rows, 0));
  if constexpr (!std::is_void_v<typename ResultValue<Value>::type>) {
    using Record = typename ResultValue<Value>::type;
    std::vector<Record> records;
    for (int row = 0; row < rows.size(); ++row) {
      auto record = read(rows, row);
      if (!record.ok()) return core::Result<std::vector<Record>>(record.status());
      records.push_back(std::move(record).value());
    }
    return core::Result<std::vector<Record>>(std::move(records));
  } else {
    std::vector<Value> records;
    for (int row = 0; row < rows.size(); ++row) records.push_back(read(rows, row));
    return core::Result<std::vector<Value>>(std::move(records));
  }
}

// A LIMIT value: negative means no limit, as in SQLite.
int64_t SqlLimit(int limit) {
  return limit < 0 ? std::numeric_limits<int64_t>::max() : limit;
}

std::string Sql(std::initializer_list<std::string_view> parts) {
  std::string sql;
  for (std::string_view part : parts) sql += part;
  return sql;
}

}  // namespace

int PostgresMetadataStore::LatestSchemaVersion() {
  return static_cast<int>(kMigrations.size());
}

PostgresMetadataStore::PostgresMetadataStore(std::string uri, Options options)
    : uri_(std::move(uri)), options_(options) {}

core::Result<std::unique_ptr<PostgresMetadataStore>> PostgresMetadataStore::Open(const std::string& uri,
                                                                                 Options options) {
  options.pool_size = std::max(options.pool_size, 1);
  std::unique_ptr<PostgresMetadataStore> store(new PostgresMetadataStore(uri, options));
  AMP_RETURN_IF_ERROR(store->Migrate());
  if (options.listen) {
    store->wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    store->listener_ = std::thread([raw = store.get()] { raw->ListenLoop(); });
  }
  return store;
}

PostgresMetadataStore::~PostgresMetadataStore() {
  {
    core::MutexLock lock(listen_mu_);
    stopping_ = true;
  }
  notified_.NotifyAll();
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    ssize_t written = write(wake_fd_, &one, sizeof(one));
    (void)written;  // a full counter still wakes poll()
  }
  if (listener_.joinable()) listener_.join();
  if (wake_fd_ >= 0) close(wake_fd_);
  core::MutexLock lock(mu_);
  for (PGconn* conn : idle_) PQfinish(conn);
  idle_.clear();
}

core::Result<PGconn*> PostgresMetadataStore::Acquire() {
  {
    core::MutexLock lock(mu_);
    pool_changed_.Wait(mu_,
                       [&]() AMP_REQUIRES(mu_) { return !idle_.empty() || open_connections_ < options_.pool_size; });
    if (!idle_.empty()) {
      PGconn* conn = idle_.back();
      idle_.pop_back();
      return conn;
    }
    ++open_connections_;
  }
  PGconn* conn = Connect(uri_);
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = ConnectionError(conn);
    PQfinish(conn);
    {
      core::MutexLock lock(mu_);
      --open_connections_;
    }
    pool_changed_.NotifyOne();
    return core::Unavailable("cannot connect to the postgresql metadata store: " + message);
  }
  // Quiet NOTICEs (e.g. "relation already exists, skipping") instead of printing them on stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return conn;
}

void PostgresMetadataStore::Release(PGconn* conn) {
  {
    core::MutexLock lock(mu_);
    if (PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) == PQTRANS_IDLE) {
      idle_.push_back(conn);
    } else {
      PQfinish(conn);
      --open_connections_;
    }
  }
  pool_changed_.NotifyOne();
}

template <typename Op>
auto PostgresMetadataStore::WithSession(Op op) -> decltype(op(std::declval<Session&>())) {
  int attempts = 0;
  while (true) {
    ++attempts;
    auto conn = Acquire();
    if (!conn.ok()) return conn.status();
    Session session(*conn);
    auto result = op(session);
    bool ok = result.ok();
    bool broken = session.broken();
    bool sent = session.sent_anything();
    bool conflicted = session.conflicted();
    Release(*conn);
    if (ok) return result;
    // A connection that died while idle in the pool: nothing of `op` reached the server, so run it again on a
    // fresh connection (once per pooled connection at most).
    if (broken && !sent && attempts <= options_.pool_size + 1) continue;
    if (conflicted && attempts <= kMaxConflictRetries) continue;
    return result;
  }
}

template <typename Op>
auto PostgresMetadataStore::InTransaction(Op op) -> decltype(op(std::declval<Session&>())) {
  return WithSession([&](Session& session) -> decltype(op(session)) {
    AMP_RETURN_IF_ERROR(session.Exec("BEGIN"));
    auto result = op(session);
    if (!result.ok()) {
      session.Exec("ROLLBACK").IgnoreError();
      return result;
    }
    core::Status committed = session.Exec("COMMIT");
    if (!committed.ok()) return committed;
    return result;
  });
}

core::Status PostgresMetadataStore::Migrate() {
  auto migrated = InTransaction([&](Session& session) -> core::Result<int> {
    AMP_RETURN_IF_ERROR(session.Exec("SELECT pg_advisory_xact_lock($1::bigint)", Params().Add(kMigrationLockKey)));
    AMP_RETURN_IF_ERROR(
        session.Exec("CREATE TABLE IF NOT EXISTS amp_schema_migrations (version INTEGER PRIMARY KEY, "
                     "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"));
    AMP_ASSIGN_OR_RETURN(Rows current_rows,
                         session.Query("SELECT COALESCE(MAX(version), 0) AS version FROM amp_schema_migrations"));
    int current = static_cast<int>(current_rows.Int(0, "version"));
    if (current > static_cast<int>(kMigrations.size())) {
      return core::FailedPrecondition("metadata database has schema version " + std::to_string(current) +
                                      ", newer than this binary knows (" + std::to_string(kMigrations.size()) + ")");
    }
    for (int version = current; version < static_cast<int>(kMigrations.size()); ++version) {
      // A migration is constant SQL of several statements: the simple query protocol runs them all.
      PGresult* result = PQexec(session.conn(), kMigrations[version]);
      bool ok = PQresultStatus(result) == PGRES_COMMAND_OK || PQresultStatus(result) == PGRES_TUPLES_OK;
      std::string message = ok ? "" : PQresultErrorMessage(result);
      PQclear(result);
      if (!ok) return core::Internal("postgresql migration " + std::to_string(version + 1) + ": " + message);
      AMP_RETURN_IF_ERROR(
          session.Exec("INSERT INTO amp_schema_migrations (version) VALUES ($1::integer)", Params().Add(version + 1)));
    }
    return static_cast<int>(kMigrations.size());
  });
  if (!migrated.ok()) return migrated.status();
  schema_version_ = *migrated;
  return core::Status::Ok();
}

// ---- Datasets. ----

core::Status PostgresMetadataStore::PutDataset(const DatasetRecord& record) {
  const std::string sql = Sql({"INSERT INTO datasets (", kDatasetColumns, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"});
  return InTransaction([&](Session& session) {
    return session.Exec(sql.c_str(), Params()
                                         .Add(record.id)
                                         .Add(record.name)
                                         .Add(record.created_at_micros)
                                         .Add(record.size_bytes)
                                         .Add(record.sha256)
                                         .Add(record.artifact_key)
                                         .Add(record.summary.row_count)
                                         .Add(EncodeColumnSummaries(record.summary.columns)));
  });
}

core::Result<DatasetRecord> PostgresMetadataStore::GetDataset(std::string_view id) {
  const std::string sql = Sql({"SELECT ", kDatasetColumns, " FROM datasets WHERE id = $1"});
  return WithSession([&](Session& session) -> core::Result<DatasetRecord> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str(), Params().Add(id)));
    if (rows.empty()) return core::NotFound("dataset not found: " + std::string(id));
    return ReadDataset(rows, 0);
  });
}

core::Result<std::vector<DatasetRecord>> PostgresMetadataStore::ListDatasets() {
  const std::string sql =
      Sql({"SELECT ", kDatasetColumns, " FROM datasets ORDER BY created_at_micros, id COLLATE \"C\""});
  return WithSession([&](Session& session) -> core::Result<std::vector<DatasetRecord>> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str()));
    return CollectRows(rows, ReadDataset);
  });
}

core::Status PostgresMetadataStore::DeleteDataset(std::string_view id) {
  return InTransaction([&](Session& session) -> core::Status {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query("DELETE FROM datasets WHERE id = $1", Params().Add(id)));
    if (rows.affected() == 0) return core::NotFound("dataset not found: " + std::string(id));
    return core::Status::Ok();
  });
}

// ---- Models. ----

core::Status PostgresMetadataStore::CreateModel(const ModelRecord& record) {
  const std::string sql = Sql({"INSERT INTO models (", kModelColumns, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"});
  core::Status status = InTransaction([&](Session& session) {
    return session.Exec(sql.c_str(), Params()
                                         .Add(record.id)
                                         .Add(record.name)
                                         .Add(record.created_at_micros)
                                         .Add(record.description)
                                         .Add(record.is_public)
                                         .Add(record.owner)
                                         .Add(EncodeStringList(record.tags))
                                         .Add(record.retention_keep_last));
  });
  if (status.code() == core::StatusCode::kAlreadyExists) {
    return core::AlreadyExists("a model named '" + record.name + "' already exists");
  }
  return status;
}

core::Result<ModelRecord> PostgresMetadataStore::GetModelById(std::string_view id) {
  const std::string sql = Sql({"SELECT ", kModelColumns, " FROM models WHERE id = $1"});
  return WithSession([&](Session& session) -> core::Result<ModelRecord> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str(), Params().Add(id)));
    if (rows.empty()) return core::NotFound("model not found: " + std::string(id));
    return ReadModel(rows, 0);
  });
}

core::Result<ModelRecord> PostgresMetadataStore::GetModelByName(std::string_view name) {
  const std::string sql = Sql({"SELECT ", kModelColumns, " FROM models WHERE name = $1"});
  return WithSession([&](Session& session) -> core::Result<ModelRecord> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str(), Params().Add(name)));
    if (rows.empty()) return core::NotFound("model not found: " + std::string(name));
    return ReadModel(rows, 0);
  });
}

core::Result<std::vector<ModelRecord>> PostgresMetadataStore::ListModels() {
  const std::string sql = Sql({"SELECT ", kModelColumns, " FROM models ORDER BY created_at_micros, id COLLATE \"C\""});
  return WithSession([&](Session& session) -> core::Result<std::vector<ModelRecord>> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str()));
    return CollectRows(rows, ReadModel);
  });
}

core::Status PostgresMetadataStore::UpdateModel(const ModelRecord& record) {
  return InTransaction([&](Session& session) -> core::Status {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query("UPDATE models SET description = $2, owner = $3, tags_json = $4, "
                                                  "retention_keep_last = $5 WHERE id = $1",
                                                  Params()
                                                      .Add(record.id)
                                                      .Add(record.description)
                                                      .Add(record.owner)
                                                      .Add(EncodeStringList(record.tags))
                                                      .Add(record.retention_keep_last)));
    if (rows.affected() == 0) return core::NotFound("model not found: " + record.id);
    return core::Status::Ok();
  });
}

core::Status PostgresMetadataStore::DeleteModel(std::string_view model_id) {
  return InTransaction([&](Session& session) -> core::Status {
    AMP_ASSIGN_OR_RETURN(Rows model,
                         session.Query("SELECT id FROM models WHERE id = $1 FOR UPDATE", Params().Add(model_id)));
    if (model.empty()) return core::NotFound("model not found: " + std::string(model_id));
    // Children first, so foreign keys hold at every step.
    for (const char* sql :
         {"DELETE FROM model_grants WHERE model_id = $1", "DELETE FROM model_aliases WHERE model_id = $1",
          "DELETE FROM model_alias_events WHERE model_id = $1", "DELETE FROM model_versions WHERE model_id = $1",
          "DELETE FROM models WHERE id = $1"}) {
      AMP_RETURN_IF_ERROR(session.Exec(sql, Params().Add(model_id)));
    }
    return core::Status::Ok();
  });
}

core::Status PostgresMetadataStore::SetModelPublic(std::string_view model_id, bool is_public) {
  return InTransaction([&](Session& session) -> core::Status {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query("UPDATE models SET is_public = $2 WHERE id = $1",
                                                  Params().Add(model_id).Add(is_public)));
    if (rows.affected() == 0) return core::NotFound("model not found: " + std::string(model_id));
    return core::Status::Ok();
  });
}

// ---- Versions. ----

core::Result<int64_t> PostgresMetadataStore::AddVersion(const VersionRecord& record) {
  // Locking the model row serializes version numbering per model (READ COMMITTED alone would let two writers
  // compute the same next number). Deleted versions' numbers count, so a number is never reused.
  const std::string sql =
      Sql({"INSERT INTO model_versions (", kVersionColumns,
           ") VALUES ($1, (SELECT COALESCE(MAX(version), 0) + 1 FROM (SELECT version FROM model_versions"
           " WHERE model_id = $1 UNION ALL SELECT version FROM deleted_model_versions WHERE model_id = $1) AS taken),"
           " $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING version"});
  return InTransaction([&](Session& session) -> core::Result<int64_t> {
    AMP_ASSIGN_OR_RETURN(
        Rows model, session.Query("SELECT id FROM models WHERE id = $1 FOR UPDATE", Params().Add(record.model_id)));
    if (model.empty()) return core::NotFound("cannot add a version to model " + record.model_id + ": no such model");
    AMP_ASSIGN_OR_RETURN(Rows rows,
                         session.Query(sql.c_str(), Params()
                                                        .Add(record.model_id)
                                                        .Add(record.created_at_micros)
                                                        .Add(record.algorithm)
                                                        .Add(record.task)
                                                        .Add(record.target)
                                                        .Add(EncodeFeatures(record.features))
                                                        .Add(EncodeNumberMap(record.metrics))
                                                        .Add(EncodeNumberMap(record.params))
                                                        .Add(record.dataset_id)
                                                        .Add(record.dataset_sha256)
                                                        .Add(record.job_id)
                                                        .Add(record.artifact_key)
                                                        .Add(record.artifact_sha256)
                                                        .Add(record.artifact_size_bytes)
                                                        .Add(EncodeLeaderboard(record.leaderboard))
                                                        .Add(record.code_version)
                                                        .Add(EncodeFeatureImportance(record.feature_importance))
                                                        .Add(record.cleaning_report_json)
                                                         .Add(record.evaluation_curves_json)));
    if (rows.empty()) return core::Internal("version insert returned no row");
    return rows.Int(0, "version");
  });
}

core::Result<VersionRecord> PostgresMetadataStore::GetVersion(std::string_view model_id, int64_t version) {
  const std::string sql =
      Sql({"SELECT ", kVersionColumns, " FROM model_versions WHERE model_id = $1 AND version = $2"});
  return WithSession([&](Session& session) -> core::Result<VersionRecord> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str(), Params().Add(model_id).Add(version)));
    if (rows.empty()) {
      return core::NotFound("model " + std::string(model_id) + " has no version " + std::to_string(version));
    }
    return ReadVersion(rows, 0);
  });
}

core::Result<VersionRecord> PostgresMetadataStore::GetLatestVersion(std::string_view model_id) {
  const std::string sql =
      Sql({"SELECT ", kVersionColumns, " FROM model_versions WHERE model_id = $1 ORDER BY version DESC LIMIT 1"});
  return WithSession([&](Session& session) -> core::Result<VersionRecord> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str(), Params().Add(model_id)));
    if (rows.empty()) return core::NotFound("model " + std::string(model_id) + " has no versions yet");
    return ReadVersion(rows, 0);
  });
}

core::Result<std::vector<VersionRecord>> PostgresMetadataStore::ListVersions(std::string_view model_id) {
  const std::string sql =
      Sql({"SELECT ", kVersionColumns, " FROM model_versions WHERE model_id = $1 ORDER BY version"});
  return WithSession([&](Session& session) -> core::Result<std::vector<VersionRecord>> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str(), Params().Add(model_id)));
    return CollectRows(rows, ReadVersion);
  });
}

core::Result<VersionRecord> PostgresMetadataStore::DeleteVersion(std::string_view model_id, int64_t version) {
  const std::string select =
      Sql({"SELECT ", kVersionColumns, " FROM model_versions WHERE model_id = $1 AND version = $2"});
  return InTransaction([&](Session& session) -> core::Result<VersionRecord> {
    // The model row lock orders this against SetAlias, so no alias can point here once the check passes.
    AMP_RETURN_IF_ERROR(session.Exec("SELECT id FROM models WHERE id = $1 FOR UPDATE", Params().Add(model_id)));
    AMP_ASSIGN_OR_RETURN(Rows found, session.Query(select.c_str(), Params().Add(model_id).Add(version)));
    if (found.empty()) {
      return core::NotFound("model " + std::string(model_id) + " has no version " + std::to_string(version));
    }
    AMP_ASSIGN_OR_RETURN(VersionRecord record, ReadVersion(found, 0));
    AMP_ASSIGN_OR_RETURN(Rows aliased,
                         session.Query("SELECT alias FROM model_aliases WHERE model_id = $1 AND version = $2 "
                                       "ORDER BY alias COLLATE \"C\"",
                                       Params().Add(model_id).Add(version)));
    std::string aliases;
    for (int row = 0; row < aliased.size(); ++row) {
      aliases += (aliases.empty() ? "'" : ", '") + aliased.Text(row, "alias") + "'";
    }
    if (!aliases.empty()) {
      return core::FailedPrecondition("version " + std::to_string(version) + " is pointed to by alias " + aliases +
                                      "; move or delete the alias first");
    }
    AMP_RETURN_IF_ERROR(session.Exec("DELETE FROM model_versions WHERE model_id = $1 AND version = $2",
                                     Params().Add(model_id).Add(version)));
    AMP_RETURN_IF_ERROR(
        session.Exec("INSERT INTO deleted_model_versions (model_id, version) VALUES ($1, $2) "
                     "ON CONFLICT DO NOTHING",
                     Params().Add(model_id).Add(version)));
    return record;
  });
}

// ---- Aliases. ----

core::Result<int64_t> PostgresMetadataStore::SetAlias(const AliasRecord& alias) {
  return InTransaction([&](Session& session) -> core::Result<int64_t> {
    AMP_RETURN_IF_ERROR(session.Exec("SELECT id FROM models WHERE id = $1 FOR UPDATE", Params().Add(alias.model_id)));
    AMP_ASSIGN_OR_RETURN(Rows exists, session.Query("SELECT 1 AS found FROM model_versions WHERE model_id = $1 AND "
                                                    "version = $2",
                                                    Params().Add(alias.model_id).Add(alias.version)));
    if (exists.empty()) {
      return core::NotFound("model " + alias.model_id + " has no version " + std::to_string(alias.version));
    }
    AMP_ASSIGN_OR_RETURN(Rows current, session.Query("SELECT version FROM model_aliases WHERE model_id = $1 AND "
                                                     "alias = $2",
                                                     Params().Add(alias.model_id).Add(alias.alias)));
    int64_t previous = current.empty() ? 0 : current.Int(0, "version");
    AMP_RETURN_IF_ERROR(session.Exec(
        "INSERT INTO model_aliases (model_id, alias, version, updated_at_micros, updated_by) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (model_id, alias) DO UPDATE SET "
        "version = excluded.version, updated_at_micros = excluded.updated_at_micros, updated_by = excluded.updated_by",
        Params()
            .Add(alias.model_id)
            .Add(alias.alias)
            .Add(alias.version)
            .Add(alias.updated_at_micros)
            .Add(alias.updated_by)));
    AMP_RETURN_IF_ERROR(
        session.Exec("INSERT INTO model_alias_events (model_id, alias, version, previous_version, at_micros, by) "
                     "VALUES ($1, $2, $3, $4, $5, $6)",
                     Params()
                         .Add(alias.model_id)
                         .Add(alias.alias)
                         .Add(alias.version)
                         .Add(previous)
                         .Add(alias.updated_at_micros)
                         .Add(alias.updated_by)));
    return previous;
  });
}

core::Result<int64_t> PostgresMetadataStore::DeleteAlias(std::string_view model_id, std::string_view alias,
                                                         int64_t at_micros, std::string_view by) {
  return InTransaction([&](Session& session) -> core::Result<int64_t> {
    AMP_RETURN_IF_ERROR(session.Exec("SELECT id FROM models WHERE id = $1 FOR UPDATE", Params().Add(model_id)));
    AMP_ASSIGN_OR_RETURN(Rows removed, session.Query("DELETE FROM model_aliases WHERE model_id = $1 AND alias = $2 "
                                                     "RETURNING version",
                                                     Params().Add(model_id).Add(alias)));
    if (removed.empty()) {
      return core::NotFound("model " + std::string(model_id) + " has no alias '" + std::string(alias) + "'");
    }
    int64_t previous = removed.Int(0, "version");
    AMP_RETURN_IF_ERROR(
        session.Exec("INSERT INTO model_alias_events (model_id, alias, version, previous_version, at_micros, by) "
                     "VALUES ($1, $2, 0, $3, $4, $5)",
                     Params().Add(model_id).Add(alias).Add(previous).Add(at_micros).Add(by)));
    return previous;
  });
}

core::Result<AliasRecord> PostgresMetadataStore::GetAlias(std::string_view model_id, std::string_view alias) {
  return WithSession([&](Session& session) -> core::Result<AliasRecord> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query("SELECT model_id, alias, version, updated_at_micros, updated_by "
                                                  "FROM model_aliases WHERE model_id = $1 AND alias = $2",
                                                  Params().Add(model_id).Add(alias)));
    if (rows.empty()) {
      return core::NotFound("model " + std::string(model_id) + " has no alias '" + std::string(alias) + "'");
    }
    return ReadAlias(rows, 0);
  });
}

core::Result<std::vector<AliasRecord>> PostgresMetadataStore::ListAliases(std::string_view model_id) {
  return WithSession([&](Session& session) -> core::Result<std::vector<AliasRecord>> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query("SELECT model_id, alias, version, updated_at_micros, updated_by "
                                                  "FROM model_aliases WHERE model_id = $1 ORDER BY alias COLLATE \"C\"",
                                                  Params().Add(model_id)));
    return CollectRows(rows, ReadAlias);
  });
}

core::Result<std::vector<AliasEvent>> PostgresMetadataStore::ListAliasEvents(std::string_view model_id) {
  return WithSession([&](Session& session) -> core::Result<std::vector<AliasEvent>> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query("SELECT model_id, alias, version, previous_version, at_micros, by "
                                                  "FROM model_alias_events WHERE model_id = $1 ORDER BY seq",
                                                  Params().Add(model_id)));
    return CollectRows(rows, [](const Rows& rows, int row) {
      return AliasEvent{rows.Text(row, "model_id"),        rows.Text(row, "alias"),    rows.Int(row, "version"),
                        rows.Int(row, "previous_version"), rows.Int(row, "at_micros"), rows.Text(row, "by")};
    });
  });
}

// ---- Jobs. ----

core::Status PostgresMetadataStore::PutJob(const JobRecord& record) {
  static const std::string sql = [] {
    std::string assignments = kHeldJobAssignments;
    assignments += ", worker_id = $27, lease_until_micros = $28, attempts = $29, cancel_requested = $30";
    return Sql({"INSERT INTO jobs (", kJobColumns, ") VALUES (", kJobValues, ") ON CONFLICT (id) DO UPDATE SET ",
                assignments});
  }();
  return InTransaction([&](Session& session) { return session.Exec(sql.c_str(), JobParams(record)); });
}

core::Result<JobRecord> PostgresMetadataStore::GetJob(std::string_view id) {
  const std::string sql = Sql({"SELECT ", kJobColumns, " FROM jobs WHERE id = $1"});
  return WithSession([&](Session& session) -> core::Result<JobRecord> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str(), Params().Add(id)));
    if (rows.empty()) return core::NotFound("job not found: " + std::string(id));
    return ReadJob(rows, 0);
  });
}

core::Result<std::vector<JobRecord>> PostgresMetadataStore::ListJobs(int limit) {
  const std::string sql =
      Sql({"SELECT ", kJobColumns, " FROM jobs ORDER BY created_at_micros DESC, id COLLATE \"C\" DESC LIMIT $1"});
  return WithSession([&](Session& session) -> core::Result<std::vector<JobRecord>> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str(), Params().Add(SqlLimit(limit))));
    return CollectRows(rows, ReadJob);
  });
}

core::Status PostgresMetadataStore::AppendJobLog(std::string_view job_id, int64_t at_micros, std::string_view message) {
  return InTransaction([&](Session& session) -> core::Status {
    // Numbering is MAX + 1 per job: concurrent appends to one job take turns on a lock named after it.
    AMP_RETURN_IF_ERROR(
        session.Exec("SELECT pg_advisory_xact_lock(hashtext('amp_job_logs:' || $1::text))", Params().Add(job_id)));
    return session.Exec(
        "INSERT INTO job_logs (job_id, seq, at_micros, message) VALUES ($1, "
        "(SELECT COALESCE(MAX(seq), 0) + 1 FROM job_logs WHERE job_id = $1), $2, $3)",
        Params().Add(job_id).Add(at_micros).Add(message));
  });
}

core::Result<std::vector<JobLogLine>> PostgresMetadataStore::ListJobLogs(std::string_view job_id, int64_t after_seq,
                                                                         int limit) {
  return WithSession([&](Session& session) -> core::Result<std::vector<JobLogLine>> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query("SELECT seq, at_micros, message FROM job_logs WHERE job_id = $1 "
                                                  "AND seq > $2 ORDER BY seq LIMIT $3",
                                                  Params().Add(job_id).Add(after_seq).Add(SqlLimit(limit))));
    return CollectRows(rows, [](const Rows& rows, int row) {
      return JobLogLine{rows.Int(row, "seq"), rows.Int(row, "at_micros"), rows.Text(row, "message")};
    });
  });
}

namespace {

core::Status NotHeld(std::string_view job_id, std::string_view worker_id, const Rows& stored) {
  if (stored.empty()) return core::NotFound("job not found: " + std::string(job_id));
  std::string holder = stored.Text(0, "worker_id");
  return core::FailedPrecondition("worker " + std::string(worker_id) + " no longer holds job " + std::string(job_id) +
                                  " (" + stored.Text(0, "state") + (holder.empty() ? "" : ", held by " + holder) + ")");
}

}  // namespace

core::Result<JobRecord> PostgresMetadataStore::ClaimJob(std::string_view worker_id, int64_t now_micros,
                                                        int64_t lease_until_micros) {
  // One statement: the subquery locks the oldest queued job that no other claimer has locked (SKIP LOCKED), so
  // concurrent claimers each take a different job without waiting for each other.
  const std::string sql =
      Sql({"UPDATE jobs SET state = 'running', worker_id = $1, lease_until_micros = $3, "
           "started_at_micros = CASE WHEN started_at_micros = 0 THEN $2::bigint ELSE started_at_micros END, "
           "attempts = attempts + 1 WHERE id = (SELECT id FROM jobs WHERE state = 'queued' "
           "ORDER BY created_at_micros, id COLLATE \"C\" LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING ",
           kJobColumns});
  return InTransaction([&](Session& session) -> core::Result<JobRecord> {
    AMP_ASSIGN_OR_RETURN(Rows rows,
                         session.Query(sql.c_str(), Params().Add(worker_id).Add(now_micros).Add(lease_until_micros)));
    if (rows.empty()) return core::NotFound("no queued job");
    return ReadJob(rows, 0);
  });
}

core::Result<JobRecord> PostgresMetadataStore::RenewJobLease(std::string_view job_id, std::string_view worker_id,
                                                             int64_t lease_until_micros) {
  const std::string sql =
      Sql({"UPDATE jobs SET lease_until_micros = $3 WHERE id = $1 AND state = 'running' AND "
           "worker_id = $2 RETURNING ",
           kJobColumns});
  return InTransaction([&](Session& session) -> core::Result<JobRecord> {
    AMP_ASSIGN_OR_RETURN(Rows rows,
                         session.Query(sql.c_str(), Params().Add(job_id).Add(worker_id).Add(lease_until_micros)));
    if (!rows.empty()) return ReadJob(rows, 0);
    AMP_ASSIGN_OR_RETURN(Rows stored,
                         session.Query("SELECT state, worker_id FROM jobs WHERE id = $1", Params().Add(job_id)));
    return NotHeld(job_id, worker_id, stored);
  });
}

core::Status PostgresMetadataStore::UpdateHeldJob(const JobRecord& record) {
  const std::string sql =
      Sql({"UPDATE jobs SET ", kHeldJobAssignments, " WHERE id = $1 AND state = 'running' AND worker_id = $27"});
  return InTransaction([&](Session& session) -> core::Status {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str(), JobParams(record, /*queue_fields=*/false)));
    if (rows.affected() > 0) return core::Status::Ok();
    AMP_ASSIGN_OR_RETURN(Rows stored,
                         session.Query("SELECT state, worker_id FROM jobs WHERE id = $1", Params().Add(record.id)));
    return NotHeld(record.id, record.worker_id, stored);
  });
}

core::Result<ExpiredJobs> PostgresMetadataStore::RequeueExpiredJobs(int64_t now_micros) {
  return InTransaction([&](Session& session) -> core::Result<ExpiredJobs> {
    // A running job one of whose taken ranks stopped renewing has a broken collective: it counts as expired.
    AMP_RETURN_IF_ERROR(session.Exec(
        "UPDATE jobs SET lease_until_micros = 0 WHERE state = 'running' AND worker_id <> '' AND id IN "
        "(SELECT job_id FROM job_ranks WHERE worker_id <> '' AND lease_until_micros < $1)",
        Params().Add(now_micros)));
    // A job whose cancellation was asked for is not run again: it ends as cancelled instead.
    AMP_ASSIGN_OR_RETURN(
        Rows cancelled,
        session.Query("UPDATE jobs SET state = 'cancelled', finished_at_micros = $1, "
                      "error = 'cancelled; its worker stopped renewing its lease' WHERE state = 'running' AND "
                      "worker_id <> '' AND lease_until_micros < $1 AND cancel_requested RETURNING id",
                      Params().Add(now_micros)));
    ExpiredJobs expired;
    for (int row = 0; row < cancelled.size(); ++row) expired.cancelled.push_back(cancelled.Text(row, "id"));
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query("UPDATE jobs SET state = 'queued', worker_id = '', "
                                                  "lease_until_micros = 0 WHERE state = 'running' AND worker_id <> '' "
                                                  "AND lease_until_micros < $1 RETURNING id",
                                                  Params().Add(now_micros)));
    for (int row = 0; row < rows.size(); ++row) expired.requeued.push_back(rows.Text(row, "id"));
    // Requeued or ended jobs keep no ranks: their holders' renewals fail, and a new attempt offers fresh ones.
    AMP_RETURN_IF_ERROR(session.Exec(
        "DELETE FROM job_ranks WHERE job_id IN (SELECT id FROM jobs WHERE state <> 'running' OR worker_id = '')"));
    std::sort(expired.requeued.begin(), expired.requeued.end());
    std::sort(expired.cancelled.begin(), expired.cancelled.end());
    return expired;
  });
}

core::Result<JobRecord> PostgresMetadataStore::RequestJobCancel(std::string_view job_id, int64_t now_micros) {
  const std::string select = Sql({"SELECT ", kJobColumns, " FROM jobs WHERE id = $1 FOR UPDATE"});
  const std::string cancel_queued =
      Sql({"UPDATE jobs SET state = 'cancelled', finished_at_micros = $2 WHERE id = $1 RETURNING ", kJobColumns});
  const std::string flag_running =
      Sql({"UPDATE jobs SET cancel_requested = TRUE WHERE id = $1 RETURNING ", kJobColumns});
  return InTransaction([&](Session& session) -> core::Result<JobRecord> {
    AMP_ASSIGN_OR_RETURN(Rows stored, session.Query(select.c_str(), Params().Add(job_id)));
    if (stored.empty()) return core::NotFound("job not found: " + std::string(job_id));
    AMP_ASSIGN_OR_RETURN(JobRecord record, ReadJob(stored, 0));
    if (IsTerminal(record.state)) {
      return core::FailedPrecondition("job " + record.id + " already ended (" +
                                      std::string(JobStateName(record.state)) + ")");
    }
    bool queued = record.state == JobState::kQueued;
    Params params;
    params.Add(job_id);
    if (queued) params.Add(now_micros);
    AMP_ASSIGN_OR_RETURN(Rows updated, session.Query((queued ? cancel_queued : flag_running).c_str(), params));
    return ReadJob(updated, 0);
  });
}

// ---- Jobs trained by several workers (one XGBoost rank each). ----

namespace {

constexpr const char* kRankColumns = "job_id, rank, worker_id, lease_until_micros, tracker";

JobRankRecord ReadRank(const Rows& rows, int row) {
  JobRankRecord rank;
  rank.job_id = rows.Text(row, "job_id");
  rank.rank = static_cast<int>(rows.Int(row, "rank"));
  rank.worker_id = rows.Text(row, "worker_id");
  rank.lease_until_micros = rows.Int(row, "lease_until_micros");
  rank.tracker = rows.Text(row, "tracker");
  return rank;
}

}  // namespace

core::Status PostgresMetadataStore::OfferJobRanks(std::string_view job_id, std::string_view worker_id, int workers,
                                                  std::string_view tracker) {
  if (workers < 2) return core::InvalidArgument("a job trained by several workers has at least 2");
  return InTransaction([&](Session& session) -> core::Status {
    AMP_ASSIGN_OR_RETURN(Rows stored, session.Query("SELECT state, worker_id FROM jobs WHERE id = $1 FOR UPDATE",
                                                    Params().Add(job_id)));
    if (stored.empty() || stored.Text(0, "state") != "running" || stored.Text(0, "worker_id") != worker_id) {
      return NotHeld(job_id, worker_id, stored);
    }
    AMP_RETURN_IF_ERROR(session.Exec("DELETE FROM job_ranks WHERE job_id = $1", Params().Add(job_id)));
    return session.Exec(
        "INSERT INTO job_ranks (job_id, rank, worker_id, lease_until_micros, tracker) "
        "SELECT $1, g, '', 0, $2 FROM generate_series(1, $3::integer - 1) AS g",
        Params().Add(job_id).Add(tracker).Add(workers));
  });
}

core::Result<JobRankRecord> PostgresMetadataStore::ClaimJobRank(std::string_view worker_id, int64_t now_micros,
                                                                int64_t lease_until_micros) {
  // The subquery locks the first free rank no other claimer has locked (SKIP LOCKED), as ClaimJob does.
  const std::string sql =
      Sql({"UPDATE job_ranks SET worker_id = $1, lease_until_micros = $3 WHERE (job_id, rank) = "
           "(SELECT r.job_id, r.rank FROM job_ranks r JOIN jobs j ON j.id = r.job_id "
           "WHERE r.worker_id = '' AND j.state = 'running' AND j.worker_id <> '' AND j.worker_id <> $1 "
           "AND NOT j.cancel_requested AND j.lease_until_micros >= $2 AND NOT EXISTS "
           "(SELECT 1 FROM job_ranks o WHERE o.job_id = r.job_id AND o.worker_id = $1) "
           "ORDER BY j.created_at_micros, j.id COLLATE \"C\", r.rank LIMIT 1 FOR UPDATE OF r SKIP LOCKED) RETURNING ",
           kRankColumns});
  return InTransaction([&](Session& session) -> core::Result<JobRankRecord> {
    AMP_ASSIGN_OR_RETURN(Rows rows,
                         session.Query(sql.c_str(), Params().Add(worker_id).Add(now_micros).Add(lease_until_micros)));
    if (rows.empty()) return core::NotFound("no job rank is free");
    return ReadRank(rows, 0);
  });
}

core::Result<JobRecord> PostgresMetadataStore::RenewRankLease(std::string_view job_id, int rank,
                                                              std::string_view worker_id, int64_t lease_until_micros) {
  const std::string select = Sql({"SELECT ", kJobColumns, " FROM jobs WHERE id = $1"});
  return InTransaction([&](Session& session) -> core::Result<JobRecord> {
    AMP_ASSIGN_OR_RETURN(
        Rows renewed,
        session.Query("UPDATE job_ranks SET lease_until_micros = $4 WHERE job_id = $1 AND rank = $2 AND worker_id = $3 "
                      "AND EXISTS (SELECT 1 FROM jobs WHERE id = $1 AND state = 'running')",
                      Params().Add(job_id).Add(rank).Add(worker_id).Add(lease_until_micros)));
    AMP_ASSIGN_OR_RETURN(Rows stored, session.Query(select.c_str(), Params().Add(job_id)));
    if (stored.empty()) return core::NotFound("job not found: " + std::string(job_id));
    AMP_ASSIGN_OR_RETURN(JobRecord record, ReadJob(stored, 0));
    if (renewed.affected() == 0) {
      return core::FailedPrecondition("worker " + std::string(worker_id) + " no longer holds rank " +
                                      std::to_string(rank) + " of job " + std::string(job_id) + " (" +
                                      std::string(JobStateName(record.state)) + ")");
    }
    return record;
  });
}

core::Result<std::vector<JobRankRecord>> PostgresMetadataStore::ListJobRanks(std::string_view job_id) {
  const std::string sql = Sql({"SELECT ", kRankColumns, " FROM job_ranks WHERE job_id = $1 ORDER BY rank"});
  return WithSession([&](Session& session) -> core::Result<std::vector<JobRankRecord>> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str(), Params().Add(job_id)));
    return CollectRows(rows, ReadRank);
  });
}

// ---- The change feed. ----

core::Result<int64_t> PostgresMetadataStore::ChangeCounter() {
  return WithSession([&](Session& session) -> core::Result<int64_t> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query("SELECT value FROM amp_change_counter WHERE id = 1"));
    if (rows.empty()) return core::DataLoss("the change counter row is missing");
    return rows.Int(0, "value");
  });
}

bool PostgresMetadataStore::listening() const {
  core::MutexLock lock(listen_mu_);
  return listening_;
}

core::Result<int64_t> PostgresMetadataStore::WaitForChange(int64_t seen, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(timeout_ms, 0));
  while (true) {
    // Note the notifications seen before reading the counter: one arriving after the read moves it, so the wait
    // below cannot miss a change committed after the read.
    int64_t notifications_before;
    bool listening;
    {
      core::MutexLock lock(listen_mu_);
      notifications_before = notifications_;
      listening = listening_;
    }
    AMP_ASSIGN_OR_RETURN(int64_t current, ChangeCounter());
    auto now = std::chrono::steady_clock::now();
    if (current != seen || now >= deadline) return current;
    auto slice =
        std::min<std::chrono::steady_clock::duration>(listening ? kListenRecheck : kPollInterval, deadline - now);
    core::MutexLock lock(listen_mu_);
    notified_.WaitFor(listen_mu_, slice, [&]() AMP_REQUIRES(listen_mu_) {
      return notifications_ != notifications_before || listening_ != listening || stopping_;
    });
  }
}

void PostgresMetadataStore::ListenLoop() {
  PGconn* conn = nullptr;
  auto set_listening = [&](bool up) {
    {
      core::MutexLock lock(listen_mu_);
      listening_ = up;
      ++notifications_;  // waiters re-read the counter: a change may have slipped by while (dis)connecting
    }
    notified_.NotifyAll();
  };
  auto stopping = [&] {
    core::MutexLock lock(listen_mu_);
    return stopping_;
  };
  while (!stopping()) {
    if (conn == nullptr) {
      conn = Connect(uri_);
      bool ok = PQstatus(conn) == CONNECTION_OK;
      if (ok) {
        PGresult* result = PQexec(conn, "LISTEN amp_changes");
        ok = PQresultStatus(result) == PGRES_COMMAND_OK;
        PQclear(result);
      }
      if (!ok) {
        PQfinish(conn);
        conn = nullptr;
        // Retry in a second; waiters poll meanwhile.
        core::MutexLock lock(listen_mu_);
        notified_.WaitFor(listen_mu_, std::chrono::seconds(1), [&]() AMP_REQUIRES(listen_mu_) { return stopping_; });
        continue;
      }
      set_listening(true);
    }
    pollfd fds[2] = {{PQsocket(conn), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int ready = poll(fds, wake_fd_ >= 0 ? 2 : 1, 1000);
    if (ready < 0) continue;
    if (fds[0].revents != 0 && PQconsumeInput(conn) == 0) {
      PQfinish(conn);
      conn = nullptr;
      set_listening(false);
      continue;
    }
    bool any = false;
    while (PGnotify* notify = PQnotifies(conn)) {
      any = true;
      PQfreemem(notify);
    }
    if (any) {
      {
        core::MutexLock lock(listen_mu_);
        ++notifications_;
      }
      notified_.NotifyAll();
    }
  }
  if (conn != nullptr) PQfinish(conn);
}

// ---- Security records. ----

core::Status PostgresMetadataStore::PutApiKey(const ApiKeyRecord& record) {
  const std::string sql =
      Sql({"INSERT INTO api_keys (", kApiKeyColumns, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"});
  return InTransaction([&](Session& session) { return session.Exec(sql.c_str(), ApiKeyParams(record)); });
}

core::Status PostgresMetadataStore::UpdateApiKey(const ApiKeyRecord& record) {
  return InTransaction([&](Session& session) -> core::Status {
    AMP_ASSIGN_OR_RETURN(
        Rows rows,
        session.Query("UPDATE api_keys SET name = $2, role = $3, prefix = $4, secret_sha256 = $5, "
                      "created_at_micros = $6, expires_at_micros = $7, revoked = $8, max_dataset_bytes = $9, "
                      "max_dataset_rows = $10, max_training_jobs = $11 WHERE id = $1",
                      ApiKeyParams(record)));
    if (rows.affected() == 0) return core::NotFound("API key not found: " + record.id);
    return core::Status::Ok();
  });
}

core::Result<std::vector<ApiKeyRecord>> PostgresMetadataStore::ListApiKeys() {
  const std::string sql =
      Sql({"SELECT ", kApiKeyColumns, " FROM api_keys ORDER BY created_at_micros, id COLLATE \"C\""});
  return WithSession([&](Session& session) -> core::Result<std::vector<ApiKeyRecord>> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str()));
    return CollectRows(rows, ReadApiKey);
  });
}

core::Status PostgresMetadataStore::PutGrant(const GrantRecord& grant) {
  return InTransaction([&](Session& session) {
    return session.Exec("INSERT INTO model_grants (key_id, model_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                        Params().Add(grant.key_id).Add(grant.model_id));
  });
}

core::Status PostgresMetadataStore::DeleteGrant(const GrantRecord& grant) {
  return InTransaction([&](Session& session) -> core::Status {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query("DELETE FROM model_grants WHERE key_id = $1 AND model_id = $2",
                                                  Params().Add(grant.key_id).Add(grant.model_id)));
    if (rows.affected() == 0) {
      return core::NotFound("key " + grant.key_id + " has no grant on model " + grant.model_id);
    }
    return core::Status::Ok();
  });
}

core::Result<std::vector<GrantRecord>> PostgresMetadataStore::ListGrants() {
  return WithSession([&](Session& session) -> core::Result<std::vector<GrantRecord>> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query("SELECT key_id, model_id FROM model_grants "
                                                  "ORDER BY key_id COLLATE \"C\", model_id COLLATE \"C\""));
    return CollectRows(rows, [](const Rows& rows, int row) {
      return GrantRecord{rows.Text(row, "key_id"), rows.Text(row, "model_id")};
    });
  });
}

core::Status PostgresMetadataStore::AppendAudit(const AuditRecord& record) {
  const std::string sql =
      Sql({"INSERT INTO audit_log (", kAuditColumns, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"});
  return InTransaction([&](Session& session) {
    return session.Exec(sql.c_str(), Params()
                                         .Add(record.seq)
                                         .Add(record.at_micros)
                                         .Add(record.actor)
                                         .Add(record.action)
                                         .Add(record.resource)
                                         .Add(record.remote_address)
                                         .Add(record.outcome)
                                         .Add(record.previous_sha256)
                                         .Add(record.sha256));
  });
}

core::Result<std::vector<AuditRecord>> PostgresMetadataStore::ListAudit(int64_t after_seq, int limit) {
  const std::string sql = Sql({"SELECT ", kAuditColumns, " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"});
  return WithSession([&](Session& session) -> core::Result<std::vector<AuditRecord>> {
    AMP_ASSIGN_OR_RETURN(Rows rows, session.Query(sql.c_str(), Params().Add(after_seq).Add(SqlLimit(limit))));
    return CollectRows(rows, ReadAudit);
  });
}

}  // namespace amp::storage
