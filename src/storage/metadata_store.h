// MetadataStore: where datasets, models, versions, jobs, API keys, grants and the audit log are recorded.
// Implementations: SqliteMetadataStore (the embedded default; ":memory:" gives the in-memory twin) and
// FaultInjectingMetadataStore for tests; PostgreSQL comes next behind the same interface. Implementations are
// thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "core/status.h"
#include "storage/records.h"

namespace amp::storage {

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // Datasets. PutDataset fails with AlreadyExists on a duplicate id.
  virtual core::Status PutDataset(const DatasetRecord& record) = 0;
  virtual core::Result<DatasetRecord> GetDataset(std::string_view id) = 0;
  virtual core::Result<std::vector<DatasetRecord>> ListDatasets() = 0;
  // NotFound if absent.
  virtual core::Status DeleteDataset(std::string_view id) = 0;

  // Models. CreateModel fails with AlreadyExists if the name (or id) is taken.
  virtual core::Status CreateModel(const ModelRecord& record) = 0;
  virtual core::Result<ModelRecord> GetModelById(std::string_view id) = 0;
  virtual core::Result<ModelRecord> GetModelByName(std::string_view name) = 0;
  virtual core::Result<std::vector<ModelRecord>> ListModels() = 0;
  // Replaces the model's description, owner, tags and retention (not its name, id or visibility). NotFound if the
  // model does not exist.
  virtual core::Status UpdateModel(const ModelRecord& record) = 0;
  // Deletes a model with its versions, aliases, alias history and grants, all or nothing. NotFound if absent.
  virtual core::Status DeleteModel(std::string_view model_id) = 0;

  // Versions. AddVersion ignores record.version, assigns the next number of that model atomically and returns it.
  virtual core::Result<int64_t> AddVersion(const VersionRecord& record) = 0;
  virtual core::Result<VersionRecord> GetVersion(std::string_view model_id, int64_t version) = 0;
  // NotFound when the model has no version yet.
  virtual core::Result<VersionRecord> GetLatestVersion(std::string_view model_id) = 0;
  virtual core::Result<std::vector<VersionRecord>> ListVersions(std::string_view model_id) = 0;
  // Removes a version's record, atomically refusing (FailedPrecondition naming the alias) while an alias points to
  // it; NotFound if absent. Its number is never given to another version. Returns the removed record (the caller
  // deletes its artifact).
  virtual core::Result<VersionRecord> DeleteVersion(std::string_view model_id, int64_t version) = 0;

  // Aliases. SetAlias creates or moves an alias (NotFound if the version does not exist) and records the move;
  // DeleteAlias removes it (NotFound if absent) and records that too. Both return the previous version (0 if new).
  virtual core::Result<int64_t> SetAlias(const AliasRecord& alias) = 0;
  virtual core::Result<int64_t> DeleteAlias(std::string_view model_id, std::string_view alias, int64_t at_micros,
                                            std::string_view by) = 0;
  // NotFound when absent.
  virtual core::Result<AliasRecord> GetAlias(std::string_view model_id, std::string_view alias) = 0;
  virtual core::Result<std::vector<AliasRecord>> ListAliases(std::string_view model_id) = 0;
  // Oldest first.
  virtual core::Result<std::vector<AliasEvent>> ListAliasEvents(std::string_view model_id) = 0;

  // Jobs. PutJob inserts or replaces the whole record.
  virtual core::Status PutJob(const JobRecord& record) = 0;
  virtual core::Result<JobRecord> GetJob(std::string_view id) = 0;
  // Newest first, at most `limit`.
  virtual core::Result<std::vector<JobRecord>> ListJobs(int limit) = 0;
  // Job logs: AppendJobLog numbers the line (1, 2, 3... per job); ListJobLogs returns lines with seq > after_seq,
  // oldest first, at most `limit`.
  virtual core::Status AppendJobLog(std::string_view job_id, int64_t at_micros, std::string_view message) = 0;
  virtual core::Result<std::vector<JobLogLine>> ListJobLogs(std::string_view job_id, int64_t after_seq, int limit) = 0;

  // Whether a model is public. NotFound if the model does not exist.
  virtual core::Status SetModelPublic(std::string_view model_id, bool is_public) = 0;

  // API keys. PutApiKey inserts (AlreadyExists on a taken id or prefix); UpdateApiKey replaces the record with the
  // same id (NotFound if none). Keys are never deleted, only revoked, so the audit log's actors stay resolvable.
  virtual core::Status PutApiKey(const ApiKeyRecord& record) = 0;
  virtual core::Status UpdateApiKey(const ApiKeyRecord& record) = 0;
  // Oldest first.
  virtual core::Result<std::vector<ApiKeyRecord>> ListApiKeys() = 0;

  // Grants. PutGrant is idempotent (NotFound if the key or model does not exist); DeleteGrant is NotFound if absent.
  virtual core::Status PutGrant(const GrantRecord& grant) = 0;
  virtual core::Status DeleteGrant(const GrantRecord& grant) = 0;
  virtual core::Result<std::vector<GrantRecord>> ListGrants() = 0;

  // Audit log. AppendAudit stores the record as given (AlreadyExists if its seq is taken); ListAudit returns
  // records with seq > after_seq, ascending, at most `limit`.
  virtual core::Status AppendAudit(const AuditRecord& record) = 0;
  virtual core::Result<std::vector<AuditRecord>> ListAudit(int64_t after_seq, int limit) = 0;
};

}  // namespace amp::storage
