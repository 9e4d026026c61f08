// FaultInjectingMetadataStore: wraps another MetadataStore and makes chosen writes fail, so callers (registry,
// catalog, job runner) can be tested against a store that refuses a write half-way through their work.
// Thread-safe.
#pragma once

#include <atomic>

#include "storage/metadata_store.h"

namespace amp::storage {

class FaultInjectingMetadataStore final : public MetadataStore {
 public:
  enum class Write {
    kPutDataset,
    kCreateModel,
    kAddVersion,
    kSetAlias,
    kDeleteAlias,
    kPutJob,
    kSecurity,
    kAudit,
    kUpdateModel,
    kDeleteVersion,
    kDelete,
    kJobQueue,
    kCount
  };

  explicit FaultInjectingMetadataStore(MetadataStore& inner) : inner_(inner) {}

  // Every following write of this kind fails with Internal (and writes nothing) until turned off.
  void FailWrites(Write kind, bool on) { failing_[static_cast<int>(kind)] = on; }
  // The Nth write from now, of any kind (1 = the next one), fails. 0 disables.
  void FailNthWrite(int n) { countdown_ = n; }

  core::Status PutDataset(const DatasetRecord& record) override;
  core::Result<DatasetRecord> GetDataset(std::string_view id) override { return inner_.GetDataset(id); }
  core::Result<std::vector<DatasetRecord>> ListDatasets() override { return inner_.ListDatasets(); }
  core::Status DeleteDataset(std::string_view id) override;
  core::Status DeleteModel(std::string_view model_id) override;

  core::Status CreateModel(const ModelRecord& record) override;
  core::Result<ModelRecord> GetModelById(std::string_view id) override { return inner_.GetModelById(id); }
  core::Result<ModelRecord> GetModelByName(std::string_view name) override { return inner_.GetModelByName(name); }
  core::Result<std::vector<ModelRecord>> ListModels() override { return inner_.ListModels(); }
  core::Status UpdateModel(const ModelRecord& record) override;

  core::Result<int64_t> AddVersion(const VersionRecord& record) override;
  core::Result<VersionRecord> GetVersion(std::string_view model_id, int64_t version) override {
    return inner_.GetVersion(model_id, version);
  }
  core::Result<VersionRecord> GetLatestVersion(std::string_view model_id) override {
    return inner_.GetLatestVersion(model_id);
  }
  core::Result<std::vector<VersionRecord>> ListVersions(std::string_view model_id) override {
    return inner_.ListVersions(model_id);
  }

  core::Result<VersionRecord> DeleteVersion(std::string_view model_id, int64_t version) override;
  core::Result<int64_t> SetAlias(const AliasRecord& alias) override;
  core::Result<int64_t> DeleteAlias(std::string_view model_id, std::string_view alias, int64_t at_micros,
                                    std::string_view by) override;
  core::Result<AliasRecord> GetAlias(std::string_view model_id, std::string_view alias) override {
    return inner_.GetAlias(model_id, alias);
  }
  core::Result<std::vector<AliasRecord>> ListAliases(std::string_view model_id) override {
    return inner_.ListAliases(model_id);
  }
  core::Result<std::vector<AliasEvent>> ListAliasEvents(std::string_view model_id) override {
    return inner_.ListAliasEvents(model_id);
  }

  core::Status PutJob(const JobRecord& record) override;
  core::Result<JobRecord> GetJob(std::string_view id) override { return inner_.GetJob(id); }
  core::Result<std::vector<JobRecord>> ListJobs(int limit) override { return inner_.ListJobs(limit); }
  // Log appends are kPutJob writes.
  core::Status AppendJobLog(std::string_view job_id, int64_t at_micros, std::string_view message) override;
  core::Result<std::vector<JobLogLine>> ListJobLogs(std::string_view job_id, int64_t after_seq, int limit) override {
    return inner_.ListJobLogs(job_id, after_seq, limit);
  }

  // Claims, lease renewals, requeues and cancel requests are kJobQueue writes; UpdateHeldJob is a kPutJob write.
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
  core::Result<int64_t> ChangeCounter() override { return inner_.ChangeCounter(); }
  core::Result<int64_t> WaitForChange(int64_t seen, int timeout_ms) override {
    return inner_.WaitForChange(seen, timeout_ms);
  }

  // Model visibility, keys and grants are kSecurity writes; audit appends are kAudit.
  core::Status SetModelPublic(std::string_view model_id, bool is_public) override;
  core::Status PutApiKey(const ApiKeyRecord& record) override;
  core::Status UpdateApiKey(const ApiKeyRecord& record) override;
  core::Result<std::vector<ApiKeyRecord>> ListApiKeys() override { return inner_.ListApiKeys(); }
  core::Status PutGrant(const GrantRecord& grant) override;
  core::Status DeleteGrant(const GrantRecord& grant) override;
  core::Result<std::vector<GrantRecord>> ListGrants() override { return inner_.ListGrants(); }
  core::Status AppendAudit(const AuditRecord& record) override;
  core::Result<std::vector<AuditRecord>> ListAudit(int64_t after_seq, int limit) override {
    return inner_.ListAudit(after_seq, limit);
  }

 private:
  // The injected failure for a write of `kind`, or OK to go ahead.
  core::Status Check(Write kind);

  MetadataStore& inner_;
  std::atomic<bool> failing_[static_cast<int>(Write::kCount)] = {};
  std::atomic<int> countdown_{0};
};

}  // namespace amp::storage
