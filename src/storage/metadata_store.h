// MetadataStore: where datasets, models, versions, jobs, API keys, grants and the audit log are recorded.
// Implementations: SqliteMetadataStore (the embedded default; ":memory:" gives the in-memory twin) and
// FaultInjectingMetadataStore for tests; PostgresMetadataStore for many processes sharing one store. Implementations are
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

  // The shared job queue, for training workers in other processes (`amp worker`). Jobs enter it by PutJob in state
  // queued.
  // ClaimJob atomically takes the oldest queued job, marks it running, held by worker_id until lease_until_micros
  // (started_at set if 0, attempts + 1) and returns it; NotFound when no job is queued. Two workers never get
  // the same job.
  virtual core::Result<JobRecord> ClaimJob(std::string_view worker_id, int64_t now_micros,
                                           int64_t lease_until_micros) = 0;
  // Extends the lease of a running job that worker_id still holds and returns its current record (so the worker
  // sees cancel_requested); FailedPrecondition when it no longer holds it (requeued after its lease ended, or
  // ended); NotFound for an unknown job.
  virtual core::Result<JobRecord> RenewJobLease(std::string_view job_id, std::string_view worker_id,
                                                int64_t lease_until_micros) = 0;
  // Saves the whole record of a job (progress, leaderboard, final state) only while record.worker_id holds it
  // (the stored job is running with that worker); FailedPrecondition otherwise, and nothing is written.
  virtual core::Status UpdateHeldJob(const JobRecord& record) = 0;
  // Puts running jobs held by a worker whose lease ended before now_micros back to queued (worker cleared), or ends
  // them as cancelled when their cancellation was requested, and returns the ids of each kind. So does it with a
  // running job one of whose taken ranks (ClaimJobRank) has a lease that ended before now_micros: its collective is
  // broken, so the whole job runs again. A requeued job's ranks are all released (deleted), so their holders'
  // RenewRankLease fails. Jobs with no worker_id (run outside the queue by an older version) are never touched. (A
  // job ended by cancellation here keeps no ranks either.)
  virtual core::Result<ExpiredJobs> RequeueExpiredJobs(int64_t now_micros) = 0;
  // Jobs trained by several workers ("workers": k > 1, one XGBoost rank each). The job's holder (ClaimJob) is rank
  // 0; it starts the XGBoost tracker and offers ranks 1..workers-1: OfferJobRanks replaces the job's ranks with
  // `workers - 1` free ones (worker empty) naming `tracker`, only while worker_id holds the running job
  // (FailedPrecondition otherwise, NotFound for an unknown job, InvalidArgument for workers < 2).
  virtual core::Status OfferJobRanks(std::string_view job_id, std::string_view worker_id, int workers,
                                     std::string_view tracker) = 0;
  // Atomically takes the lowest free rank of the oldest running job (by created_at, id) that has one, for
  // worker_id until lease_until_micros, and returns it (worker and lease filled in). Never a rank of a job that
  // worker_id holds as rank 0 or of which it already holds a rank; two claimers never get the same rank. NotFound
  // when there is none.
  virtual core::Result<JobRankRecord> ClaimJobRank(std::string_view worker_id, int64_t now_micros,
                                                   int64_t lease_until_micros) = 0;
  // Extends the lease of a rank that worker_id holds of a running job and returns the job's current record (so the
  // rank sees cancel_requested); FailedPrecondition when it no longer holds it (the job was requeued, ended or
  // offered its ranks again); NotFound for an unknown job.
  virtual core::Result<JobRecord> RenewRankLease(std::string_view job_id, int rank, std::string_view worker_id,
                                                 int64_t lease_until_micros) = 0;
  // The job's ranks (offered and taken), by rank; empty when it has none.
  virtual core::Result<std::vector<JobRankRecord>> ListJobRanks(std::string_view job_id) = 0;
  // Cancels a queued job at once (state cancelled, finished_at = now) or sets cancel_requested on a running one
  // (its holder stops and records it); returns the record after the change. FailedPrecondition if it already
  // ended; NotFound for an unknown job.
  virtual core::Result<JobRecord> RequestJobCancel(std::string_view job_id, int64_t now_micros) = 0;

  // Change feed for serving replicas: a counter that every committed change to models, versions, aliases, grants,
  // model visibility or API keys increases (in the same transaction). ChangeCounter reads it. WaitForChange
  // returns as soon as the counter differs from `seen`, or after timeout_ms, with its value then; a store that can
  // push (PostgreSQL LISTEN/NOTIFY) wakes at once, others poll.
  virtual core::Result<int64_t> ChangeCounter() = 0;
  virtual core::Result<int64_t> WaitForChange(int64_t seen, int timeout_ms) = 0;

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
