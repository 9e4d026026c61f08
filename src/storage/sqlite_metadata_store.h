// SqliteMetadataStore: the embedded default MetadataStore, one SQLite file in WAL mode with numbered schema
// migrations applied on open. Open(":memory:") gives the in-memory twin used by tests. Thread-safe: one connection
// guarded by a mutex (metadata traffic is light; predictions never touch it). Several processes may share one file
// (WAL; writes take the lock with BEGIN IMMEDIATE); the change counter is bumped by triggers and polled.
#pragma once

#include <memory>
#include <string>
#include <type_traits>

#include "core/mutex.h"
#include "storage/metadata_store.h"

struct sqlite3;

namespace amp::storage {

class SqliteMetadataStore final : public MetadataStore {
 public:
  // Opens or creates the database at `path` and migrates it to the latest schema.
  static core::Result<std::unique_ptr<SqliteMetadataStore>> Open(const std::string& path);
  ~SqliteMetadataStore() override;

  // The schema version after migration.
  int schema_version() const { return schema_version_; }
  // The newest schema version this binary knows (the number of migrations).
  static int LatestSchemaVersion();

  core::Status PutDataset(const DatasetRecord& record) override;
  core::Status DeleteDataset(std::string_view id) override;
  core::Status DeleteModel(std::string_view model_id) override;
  core::Result<DatasetRecord> GetDataset(std::string_view id) override;
  core::Result<std::vector<DatasetRecord>> ListDatasets() override;

  core::Status CreateModel(const ModelRecord& record) override;
  core::Result<ModelRecord> GetModelById(std::string_view id) override;
  core::Result<ModelRecord> GetModelByName(std::string_view name) override;
  core::Result<std::vector<ModelRecord>> ListModels() override;
  core::Status UpdateModel(const ModelRecord& record) override;

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
  // Polls every 50 ms (SQLite cannot push).
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

 private:
  explicit SqliteMetadataStore(sqlite3* db) : db_(db) {}
  core::Status Migrate();
  // After a failed Migrate: whether SQLite refused it as busy or locked (another process on the same file won a
  // race), in which case a rollback leaves the connection ready for another attempt.
  bool MigrationLostARace();
  core::Status Exec(const char* sql) AMP_REQUIRES(mu_);
  // Runs `run` (returning Status or Result<T>) between BEGIN IMMEDIATE and COMMIT, rolling back when it fails.
  // IMMEDIATE takes the write lock first, so writers in other processes sharing the file serialize here.
  template <typename Fn>
  std::invoke_result_t<Fn&> InTransaction(Fn&& run) AMP_REQUIRES(mu_) {
    AMP_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    auto result = run();
    if (!result.ok()) {
      Exec("ROLLBACK").IgnoreError();
      return result;
    }
    AMP_RETURN_IF_ERROR(Exec("COMMIT"));
    return result;
  }
  // Binds ApiKeyRecord's columns to ?1..?8 and runs `sql`.
  core::Status WriteApiKey(const char* sql, const ApiKeyRecord& record);
  core::Result<JobRecord> GetJobLocked(std::string_view id) AMP_REQUIRES(mu_);
  core::Result<ModelRecord> GetModelWhere(const char* column, std::string_view value);
  // The current version of an alias, 0 if absent. Requires mu_.
  core::Result<int64_t> CurrentAliasVersion(std::string_view model_id, std::string_view alias) AMP_REQUIRES(mu_);
  core::Result<std::vector<VersionRecord>> QueryVersions(const char* sql, std::string_view model_id, int64_t version);

  core::Mutex mu_;
  sqlite3* db_ AMP_GUARDED_BY(mu_);
  int last_exec_error_ AMP_GUARDED_BY(mu_) = 0;  // the SQLite result code of Exec's last failure (0: none)
  int schema_version_ = 0;
};

}  // namespace amp::storage
