#include "storage/fault_injecting_metadata_store.h"

namespace amp::storage {

core::Status FaultInjectingMetadataStore::Check(Write kind) {
  if (failing_[static_cast<int>(kind)]) return core::Internal("injected metadata write failure");
  int current = countdown_.load();
  while (current > 0) {
    if (countdown_.compare_exchange_weak(current, current - 1)) {
      if (current == 1) return core::Internal("injected metadata write failure");
      break;
    }
  }
  return core::Status::Ok();
}

core::Status FaultInjectingMetadataStore::PutDataset(const DatasetRecord& record) {
  AMP_RETURN_IF_ERROR(Check(Write::kPutDataset));
  return inner_.PutDataset(record);
}

core::Status FaultInjectingMetadataStore::DeleteDataset(std::string_view id) {
  AMP_RETURN_IF_ERROR(Check(Write::kDelete));
  return inner_.DeleteDataset(id);
}

core::Status FaultInjectingMetadataStore::DeleteModel(std::string_view model_id) {
  AMP_RETURN_IF_ERROR(Check(Write::kDelete));
  return inner_.DeleteModel(model_id);
}

core::Status FaultInjectingMetadataStore::CreateModel(const ModelRecord& record) {
  AMP_RETURN_IF_ERROR(Check(Write::kCreateModel));
  return inner_.CreateModel(record);
}

core::Result<int64_t> FaultInjectingMetadataStore::AddVersion(const VersionRecord& record) {
  AMP_RETURN_IF_ERROR(Check(Write::kAddVersion));
  return inner_.AddVersion(record);
}

core::Status FaultInjectingMetadataStore::UpdateModel(const ModelRecord& record) {
  AMP_RETURN_IF_ERROR(Check(Write::kUpdateModel));
  return inner_.UpdateModel(record);
}

core::Result<VersionRecord> FaultInjectingMetadataStore::DeleteVersion(std::string_view model_id, int64_t version) {
  AMP_RETURN_IF_ERROR(Check(Write::kDeleteVersion));
  return inner_.DeleteVersion(model_id, version);
}

core::Result<int64_t> FaultInjectingMetadataStore::SetAlias(const AliasRecord& alias) {
  AMP_RETURN_IF_ERROR(Check(Write::kSetAlias));
  return inner_.SetAlias(alias);
}

core::Result<int64_t> FaultInjectingMetadataStore::DeleteAlias(std::string_view model_id, std::string_view alias,
                                                               int64_t at_micros, std::string_view by) {
  AMP_RETURN_IF_ERROR(Check(Write::kDeleteAlias));
  return inner_.DeleteAlias(model_id, alias, at_micros, by);
}

core::Status FaultInjectingMetadataStore::PutJob(const JobRecord& record) {
  AMP_RETURN_IF_ERROR(Check(Write::kPutJob));
  return inner_.PutJob(record);
}

core::Status FaultInjectingMetadataStore::AppendJobLog(std::string_view job_id, int64_t at_micros,
                                                       std::string_view message) {
  AMP_RETURN_IF_ERROR(Check(Write::kPutJob));
  return inner_.AppendJobLog(job_id, at_micros, message);
}

core::Status FaultInjectingMetadataStore::SetModelPublic(std::string_view model_id, bool is_public) {
  AMP_RETURN_IF_ERROR(Check(Write::kSecurity));
  return inner_.SetModelPublic(model_id, is_public);
}

core::Status FaultInjectingMetadataStore::PutApiKey(const ApiKeyRecord& record) {
  AMP_RETURN_IF_ERROR(Check(Write::kSecurity));
  return inner_.PutApiKey(record);
}

core::Status FaultInjectingMetadataStore::UpdateApiKey(const ApiKeyRecord& record) {
  AMP_RETURN_IF_ERROR(Check(Write::kSecurity));
  return inner_.UpdateApiKey(record);
}

core::Status FaultInjectingMetadataStore::PutGrant(const GrantRecord& grant) {
  AMP_RETURN_IF_ERROR(Check(Write::kSecurity));
  return inner_.PutGrant(grant);
}

core::Status FaultInjectingMetadataStore::DeleteGrant(const GrantRecord& grant) {
  AMP_RETURN_IF_ERROR(Check(Write::kSecurity));
  return inner_.DeleteGrant(grant);
}

core::Status FaultInjectingMetadataStore::AppendAudit(const AuditRecord& record) {
  AMP_RETURN_IF_ERROR(Check(Write::kAudit));
  return inner_.AppendAudit(record);
}

core::Result<JobRecord> FaultInjectingMetadataStore::ClaimJob(std::string_view worker_id, int64_t now_micros,
                                                              int64_t lease_until_micros) {
  AMP_RETURN_IF_ERROR(Check(Write::kJobQueue));
  return inner_.ClaimJob(worker_id, now_micros, lease_until_micros);
}

core::Result<JobRecord> FaultInjectingMetadataStore::RenewJobLease(std::string_view job_id, std::string_view worker_id,
                                                                   int64_t lease_until_micros) {
  AMP_RETURN_IF_ERROR(Check(Write::kJobQueue));
  return inner_.RenewJobLease(job_id, worker_id, lease_until_micros);
}

core::Status FaultInjectingMetadataStore::UpdateHeldJob(const JobRecord& record) {
  AMP_RETURN_IF_ERROR(Check(Write::kPutJob));
  return inner_.UpdateHeldJob(record);
}

core::Result<ExpiredJobs> FaultInjectingMetadataStore::RequeueExpiredJobs(int64_t now_micros) {
  AMP_RETURN_IF_ERROR(Check(Write::kJobQueue));
  return inner_.RequeueExpiredJobs(now_micros);
}

core::Result<JobRecord> FaultInjectingMetadataStore::RequestJobCancel(std::string_view job_id, int64_t now_micros) {
  AMP_RETURN_IF_ERROR(Check(Write::kJobQueue));
  return inner_.RequestJobCancel(job_id, now_micros);
}

core::Status FaultInjectingMetadataStore::OfferJobRanks(std::string_view job_id, std::string_view worker_id,
                                                       int workers, std::string_view tracker) {
  AMP_RETURN_IF_ERROR(Check(Write::kJobQueue));
  return inner_.OfferJobRanks(job_id, worker_id, workers, tracker);
}

core::Result<JobRankRecord> FaultInjectingMetadataStore::ClaimJobRank(std::string_view worker_id, int64_t now_micros,
                                                                      int64_t lease_until_micros) {
  AMP_RETURN_IF_ERROR(Check(Write::kJobQueue));
  return inner_.ClaimJobRank(worker_id, now_micros, lease_until_micros);
}

core::Result<JobRecord> FaultInjectingMetadataStore::RenewRankLease(std::string_view job_id, int rank,
                                                                    std::string_view worker_id,
                                                                    int64_t lease_until_micros) {
  AMP_RETURN_IF_ERROR(Check(Write::kJobQueue));
  return inner_.RenewRankLease(job_id, rank, worker_id, lease_until_micros);
}

core::Result<std::vector<JobRankRecord>> FaultInjectingMetadataStore::ListJobRanks(std::string_view job_id) {
  return inner_.ListJobRanks(job_id);
}

}  // namespace amp::storage
