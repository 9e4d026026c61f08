// PostgresMetadataStore: the MetadataStore on a PostgreSQL server (libpq), for many AMP processes (serving
// replicas, training workers) sharing one store. Chosen by `amp serve --metadata postgresql://...`.
// Thread-safe: a small pool of connections (Options::pool_size, 8 by default) serves the calling threads; a
// connection found broken is dropped and the operation retried once on a fresh one when nothing of it can have
// reached the server (every write runs in an explicit transaction, so a lost BEGIN is the only thing retried).
// Decisions: READ COMMITTED isolation with explicit row locks where a write depends on a read (the model row is
// locked by AddVersion, alias and version changes; ClaimJob takes `FOR UPDATE SKIP LOCKED`); deadlocks and
// serialization failures are retried up to 3 times, then Unavailable. Schema migrations are numbered and kept in
// amp_schema_migrations, applied in one transaction under an advisory lock so replicas starting together do not
// race. Triggers bump the change counter and `pg_notify('amp_changes', counter)`; a background thread LISTENs on its
// own connection and wakes WaitForChange at once, which falls back to polling every 50 ms while that connection is
// down. Text columns hold UTF-8 without NUL bytes (PostgreSQL's text type), as every AMP record does.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/mutex.h"
#include "storage/metadata_store.h"

struct pg_conn;

namespace amp::storage {

class PostgresMetadataStore final : public MetadataStore {
 public:
  struct Options {
    int pool_size = 8;   // connections for queries; one more LISTENs for changes
    bool listen = true;  // false: WaitForChange only polls (tests of the fallback)
  };
  // Connects to `uri` (a libpq connection URI or key=value string), migrates the schema to the latest version and
  // starts listening for changes. Unavailable if the server cannot be reached; FailedPrecondition if the database
  // has a newer schema than this binary knows.
  static core::Result<std::unique_ptr<PostgresMetadataStore>> Open(const std::string& uri, Options options);
  static core::Result<std::unique_ptr<PostgresMetadataStore>> Open(const std::string& uri) {
    return Open(uri, Options{});
  }
  ~PostgresMetadataStore() override;

  // The schema version after migration, and the newest one this binary knows.
  int schema_version() const { return schema_version_; }
  static int LatestSchemaVersion();
  // True while the LISTEN connection is up (WaitForChange wakes on NOTIFY rather than polling).
  bool listening() const;

  core::Status PutDataset(const DatasetRecord& record) override;
  core::Result<DatasetRecord> GetDataset(std::string_view id) override;
  core::Result<std::vector<DatasetRecord>> ListDatasets() override;
  core::Status DeleteDataset(std::string_view id) override;

  core::Status CreateModel(const ModelRecord& record) override;
  core::Result<ModelRecord> GetModelById(std::string_view id) override;
  core::Result<ModelRecord> GetModelByName(std::string_view name) override;
  core::Result<std::vector<ModelRecord>> ListModels() override;
  core::Status UpdateModel(const ModelRecord& record) override;
  core::Status DeleteModel(std::string_view model_id) override;

  core::Result<int64_t> AddVersion(const VersionRecord& record) override;
  core::Result<VersionRecord> GetVersion(std::string_view model_id, int64_t version) override;
  core::Result<VersionRecord> GetLatestVersion(std::string_view model_id) override;
  core::Result<std::vector<VersionRecord>> ListVersions(std::string_view model_id) override;
  core::Result<VersionRecord> DeleteVersion(std::string_view model_id, int64_t version) override;

  core::Result<int64_t> SetAlias(const AliasRecord& alias) override;
  core::Result<int64_t> DeleteAlias(std::string_view model_id, std::string_view alias, int64_t at_micros,
                                    std::string_view by) override;
  core::Result<AliasRecord> GetAlias(std::string_view model_id, std::string_view alias) override;
  core::Result<std::vector<AliasRecord>> ListAliases(std::string_view model_id) override;
  core::Result<std::vector<AliasEvent>> ListAliasEvents(std::string_view model_id) override;

  core::Status PutJob(const JobRecord& record) override;
  core::Result<JobRecord> GetJob(std::string_view id) override;
  core::Result<std::vector<JobRecord>> ListJobs(int limit) override;
  core::Status AppendJobLog(std::string_view job_id, int64_t at_micros, std::string_view message) override;
  core::Result<std::vector<JobLogLine>> ListJobLogs(std::string_view job_id, int64_t after_seq, int limit) override;

  core::Result<JobRecord> ClaimJob(std::string_view worker_id, int64_t now_micros, int64_t lease_until_micros) override;
  core::Result<JobRecord> RenewJobLease(std::string_view job_id, std::string_view worker_id,
                                        int64_t lease_until_micros) override;
  core::Status UpdateHeldJob(const JobRecord& record) override;
  core::Result<ExpiredJobs> RequeueExpiredJobs(int64_t now_micros) override;
  core::Result<JobRecord> RequestJobCancel(std::string_view job_id, int64_t now_micros) override;
  core::Status OfferJobRanks(std::string_view job_id, std::string_view worker_id, int workers,
                             std::string_view tracker) override;
  core::Result<JobRankRecord> ClaimJobRank(std::string_view worker_id, int64_t now_micros,
                                           int64_t lease_until_micros) override;
  core::Result<JobRecord> RenewRankLease(std::string_view job_id, int rank, std::string_view worker_id,
                                         int64_t lease_until_micros) override;
  core::Result<std::vector<JobRankRecord>> ListJobRanks(std::string_view job_id) override;
  core::Result<int64_t> ChangeCounter() override;
  core::Result<int64_t> WaitForChange(int64_t seen, int timeout_ms) override;

  core::Status SetModelPublic(std::string_view model_id, bool is_public) override;
  core::Status PutApiKey(const ApiKeyRecord& record) override;
  core::Status UpdateApiKey(const ApiKeyRecord& record) override;
  core::Result<std::vector<ApiKeyRecord>> ListApiKeys() override;
  core::Status PutGrant(const GrantRecord& grant) override;
  core::Status DeleteGrant(const GrantRecord& grant) override;
  core::Result<std::vector<GrantRecord>> ListGrants() override;
  core::Status AppendAudit(const AuditRecord& record) override;
  core::Result<std::vector<AuditRecord>> ListAudit(int64_t after_seq, int limit) override;

  class Session;  // one pooled connection lent to one operation (defined in postgres_session.h)

 private:
  PostgresMetadataStore(std::string uri, Options options);
  core::Status Migrate();
  // Runs `op` on a pooled connection: retried on a fresh connection if the one lent was broken before anything of
  // `op` reached the server, and retried on deadlock or serialization failure.
  template <typename Op>
  auto WithSession(Op op) -> decltype(op(std::declval<Session&>()));
  // The same inside BEGIN ... COMMIT (ROLLBACK when `op` fails).
  template <typename Op>
  auto InTransaction(Op op) -> decltype(op(std::declval<Session&>()));
  core::Result<pg_conn*> Acquire();
  void Release(pg_conn* conn);
  void ListenLoop();

  const std::string uri_;
  const Options options_;
  int schema_version_ = 0;

  mutable core::Mutex mu_;
  core::CondVar pool_changed_;
  std::vector<pg_conn*> idle_ AMP_GUARDED_BY(mu_);
  int open_connections_ AMP_GUARDED_BY(mu_) = 0;

  // The listener: notifications seen so far (waiters wait for it to move) and whether it is connected.
  mutable core::Mutex listen_mu_;
  core::CondVar notified_;
  int64_t notifications_ AMP_GUARDED_BY(listen_mu_) = 0;
  bool listening_ AMP_GUARDED_BY(listen_mu_) = false;
  bool stopping_ AMP_GUARDED_BY(listen_mu_) = false;
  int wake_fd_ = -1;  // an eventfd the destructor signals so the listener's poll() returns at once
  std::thread listener_;
};

}  // namespace amp::storage
