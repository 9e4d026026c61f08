#include "storage/postgres_metadata_store.h"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>

#include "storage/postgres_session.h"

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
constexpr auto kPollInterval = std::chrono::milliseconds(50);
// While listening, a waiter still re-reads the counter this often, in case a notification was lost.
constexpr auto kListenRecheck = std::chrono::milliseconds(1000);

// Connects with AMP's defaults, which the URI's own parameters override: give up on an unreachable server after
// 10 s (libpq waits forever by default), name the application in pg_stat_activity, and probe idle connections so a
// dead peer is noticed.
PGconn* Connect(const std::string& uri) {
  const char* keywords[] = {"connect_timeout", "application_name", "keepalives_idle", "dbname", nullptr};
  const char* values[] = {"10", "amp", "30", uri.c_str(), nullptr};
  return PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
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

}  // namespace amp::storage
