#include "auth/access_control.h"

#include <mutex>

#include "auth/api_key.h"
#include "core/id.h"

namespace amp::auth {
namespace {

constexpr size_t kMaxKeyNameBytes = 200;

// A copy of `current` (null: empty) with `model_id` added or removed: grant sets are replaced, never changed, so a
// Principal holding the old one keeps a consistent view for its request.
std::shared_ptr<const std::set<std::string>> WithModel(const std::shared_ptr<const std::set<std::string>>& current,
                                                       const std::string& model_id, bool granted) {
  auto updated = std::make_shared<std::set<std::string>>(current ? *current : std::set<std::string>());
  if (granted) {
    updated->insert(model_id);
  } else {
    updated->erase(model_id);
  }
  return updated;
}

core::Status ValidateLimits(const KeyLimits& limits) {
  for (int64_t limit : {limits.max_dataset_bytes, limits.max_dataset_rows, limits.max_training_jobs}) {
    if (limit < storage::kServerDefaultLimit) {
      return core::InvalidArgument("a key's limits are whole numbers: 0 for unlimited, or the limit");
    }
  }
  return core::Status::Ok();
}

void ApplyLimits(const KeyLimits& limits, storage::ApiKeyRecord* record) {
  record->max_dataset_bytes = limits.max_dataset_bytes;
  record->max_dataset_rows = limits.max_dataset_rows;
  record->max_training_jobs = limits.max_training_jobs;
}

}  // namespace

void AccessControl::SetDefaultLimits(const UsageLimits& limits) { default_limits_ = limits; }

UsageLimits AccessControl::EffectiveLimits(const storage::ApiKeyRecord& key) const {
  auto pick = [](int64_t own, int64_t fallback) { return own == storage::kServerDefaultLimit ? fallback : own; };
  return UsageLimits{pick(key.max_dataset_bytes, default_limits_.max_dataset_bytes),
                     pick(key.max_dataset_rows, default_limits_.max_dataset_rows),
                     pick(key.max_training_jobs, default_limits_.max_training_jobs)};
}

core::Status AccessControl::Load() {
  AMP_ASSIGN_OR_RETURN(std::vector<storage::ApiKeyRecord> keys, store_.ListApiKeys());
  AMP_ASSIGN_OR_RETURN(std::vector<storage::GrantRecord> grants, store_.ListGrants());
  std::map<std::string, std::set<std::string>> grants_by_key;
  for (const storage::GrantRecord& grant : grants) grants_by_key[grant.key_id].insert(grant.model_id);
  std::unique_lock lock(mu_);
  for (storage::ApiKeyRecord& key : keys) {
    key_id_by_prefix_[key.prefix] = key.id;
    keys_by_id_[key.id] = std::move(key);
  }
  for (auto& [key_id, model_ids] : grants_by_key) {
    grants_by_key_[key_id] = std::make_shared<const std::set<std::string>>(std::move(model_ids));
  }
  return core::Status::Ok();
}

core::Status AccessControl::Refresh() {
  // Every change made through this object holds mu_ exclusively while it writes the store and updates the cache,
  // and bumps generation_. Reading the store under the shared lock sees each such change whole; one that slips in
  // between that read and the swap below bumps the generation, and the read is done again (else the swap would
  // drop it from the cache).
  while (true) {
    uint64_t generation;
    std::map<std::string, storage::ApiKeyRecord> keys_by_id;
    ViewMap<std::string> key_id_by_prefix;
    std::map<std::string, std::shared_ptr<const std::set<std::string>>> grants_by_key;
    {
      std::shared_lock lock(mu_);
      generation = generation_;
      AMP_ASSIGN_OR_RETURN(std::vector<storage::ApiKeyRecord> keys, store_.ListApiKeys());
      AMP_ASSIGN_OR_RETURN(std::vector<storage::GrantRecord> grants, store_.ListGrants());
      for (storage::ApiKeyRecord& key : keys) {
        key_id_by_prefix[key.prefix] = key.id;
        keys_by_id[key.id] = std::move(key);
      }
      std::map<std::string, std::set<std::string>> model_ids_by_key;
      for (const storage::GrantRecord& grant : grants) model_ids_by_key[grant.key_id].insert(grant.model_id);
      for (auto& [key_id, model_ids] : model_ids_by_key) {
        grants_by_key[key_id] = std::make_shared<const std::set<std::string>>(std::move(model_ids));
      }
    }
    std::unique_lock lock(mu_);
    if (generation != generation_) continue;
    keys_by_id_.swap(keys_by_id);
    key_id_by_prefix_.swap(key_id_by_prefix);
    grants_by_key_.swap(grants_by_key);
    models_.clear();  // visibility is read again from the store on the next request that names a model
    return core::Status::Ok();
  }
}

core::Result<Principal> AccessControl::Authenticate(std::string_view authorization) const {
  if (authorization.empty()) {
    Principal anonymous;
    anonymous.limits = default_limits_;
    return anonymous;
  }
  std::string_view secret = BearerToken(authorization);
  if (secret.empty()) return core::InvalidArgument("the Authorization header must be 'Bearer <API key>'");
  std::string_view prefix = SecretPrefix(secret);
  if (prefix.empty()) return core::InvalidArgument("the API key is malformed");
  std::shared_lock lock(mu_);
  auto id = key_id_by_prefix_.find(prefix);
  if (id == key_id_by_prefix_.end()) return core::InvalidArgument("unknown API key");
  const storage::ApiKeyRecord& key = keys_by_id_.at(id->second);
  if (!SecretMatches(secret, key.secret_sha256)) return core::InvalidArgument("unknown API key");
  if (key.revoked) return core::InvalidArgument("the API key was revoked");
  if (key.expires_at_micros != 0 && clock_.NowMicros() >= key.expires_at_micros) {
    return core::InvalidArgument("the API key has expired");
  }
  std::optional<Role> role = ParseKeyRole(key.role);
  if (!role) return core::InvalidArgument("the API key has an unknown role");
  Principal principal{*role, key.id, key.name, nullptr, EffectiveLimits(key)};
  auto grants = grants_by_key_.find(key.id);
  principal.granted_model_ids =
      grants != grants_by_key_.end() ? grants->second : std::make_shared<const std::set<std::string>>();
  return principal;
}

core::Result<AccessControl::CreatedKey> AccessControl::StoreNewSecret(storage::ApiKeyRecord record, bool insert) {
  AMP_ASSIGN_OR_RETURN(std::string secret, GenerateSecret());
  record.prefix = std::string(SecretPrefix(secret));
  record.secret_sha256 = HashSecret(secret);
  std::unique_lock lock(mu_);
  std::string old_prefix;
  if (!insert) old_prefix = keys_by_id_.at(record.id).prefix;
  AMP_RETURN_IF_ERROR(insert ? store_.PutApiKey(record) : store_.UpdateApiKey(record));
  ++generation_;
  if (!old_prefix.empty()) key_id_by_prefix_.erase(old_prefix);
  key_id_by_prefix_[record.prefix] = record.id;
  keys_by_id_[record.id] = record;
  return CreatedKey{std::move(record), std::move(secret)};
}

core::Result<AccessControl::CreatedKey> AccessControl::CreateKey(std::string_view name, Role role,
                                                                 int64_t lifetime_seconds, const KeyLimits& limits) {
  if (name.empty() || name.size() > kMaxKeyNameBytes) {
    return core::InvalidArgument("a key needs a name of 1 to " + std::to_string(kMaxKeyNameBytes) + " bytes");
  }
  for (char c : name) {
    // Key names are shown in listings, the CLI's output and the audit log: no terminal or line control.
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return core::InvalidArgument("a key's name may not contain control characters");
    }
  }
  if (role == Role::kAnonymous) return core::InvalidArgument("a key's role is admin, developer or consumer");
  if (lifetime_seconds < 0) return core::InvalidArgument("a key's lifetime cannot be negative");
  AMP_RETURN_IF_ERROR(ValidateLimits(limits));
  storage::ApiKeyRecord record;
  ApplyLimits(limits, &record);
  record.id = core::NewId("key");
  record.name = std::string(name);
  record.role = std::string(RoleName(role));
  record.created_at_micros = clock_.NowMicros();
  record.expires_at_micros = lifetime_seconds == 0 ? 0 : record.created_at_micros + lifetime_seconds * 1'000'000;
  return StoreNewSecret(std::move(record), true);
}

core::Result<AccessControl::CreatedKey> AccessControl::RotateKey(std::string_view id,
                                                                 const std::optional<KeyLimits>& limits) {
  if (limits) AMP_RETURN_IF_ERROR(ValidateLimits(*limits));
  storage::ApiKeyRecord record;
  {
    std::shared_lock lock(mu_);
    auto found = keys_by_id_.find(std::string(id));
    if (found == keys_by_id_.end()) return core::NotFound("API key not found: " + std::string(id));
    if (found->second.revoked) return core::FailedPrecondition("API key " + std::string(id) + " is revoked");
    record = found->second;
  }
  if (limits) ApplyLimits(*limits, &record);
  return StoreNewSecret(std::move(record), false);
}

core::Result<storage::ApiKeyRecord> AccessControl::RevokeKey(std::string_view id) {
  std::unique_lock lock(mu_);
  auto found = keys_by_id_.find(std::string(id));
  if (found == keys_by_id_.end()) return core::NotFound("API key not found: " + std::string(id));
  storage::ApiKeyRecord record = found->second;
  record.revoked = true;
  AMP_RETURN_IF_ERROR(store_.UpdateApiKey(record));
  ++generation_;
  found->second = record;
  return record;
}

std::vector<storage::ApiKeyRecord> AccessControl::ListKeys() const {
  std::shared_lock lock(mu_);
  std::vector<storage::ApiKeyRecord> keys;
  for (const auto& [id, key] : keys_by_id_) keys.push_back(key);
  return keys;
}

bool AccessControl::HasActiveAdmin() const {
  const int64_t now = clock_.NowMicros();
  std::shared_lock lock(mu_);
  for (const auto& [id, key] : keys_by_id_) {
    bool expired = key.expires_at_micros != 0 && now >= key.expires_at_micros;
    if (key.role == RoleName(Role::kAdmin) && !key.revoked && !expired) return true;
  }
  return false;
}

std::optional<AccessControl::ModelVisibility> AccessControl::FindModel(std::string_view model) const {
  {
    std::shared_lock lock(mu_);
    auto cached = models_.find(model);
    if (cached != models_.end()) return cached->second;
  }
  auto record = store_.GetModelByName(model);
  if (!record.ok()) record = store_.GetModelById(model);
  if (!record.ok()) return std::nullopt;
  ModelVisibility visibility{record->id, record->is_public};
  std::unique_lock lock(mu_);
  models_[record->name] = visibility;
  models_[record->id] = visibility;
  return visibility;
}

Resource AccessControl::ModelResource(const Principal& principal, std::string_view model) const {
  Resource resource;
  resource.is_model = true;
  std::optional<ModelVisibility> found = FindModel(model);
  if (!found) return resource;
  resource.model_exists = true;
  resource.model_public = found->is_public;
  resource.granted = principal.granted_model_ids != nullptr && principal.granted_model_ids->contains(found->id);
  return resource;
}

void AccessControl::ForgetModel(const storage::ModelRecord& model) {
  std::unique_lock lock(mu_);
  ++generation_;
  models_.erase(model.name);
  models_.erase(model.id);
  for (auto& [key_id, granted] : grants_by_key_) {
    if (granted != nullptr && granted->contains(model.id)) granted = WithModel(granted, model.id, false);
  }
}

core::Result<storage::ModelRecord> AccessControl::SetModelPublic(std::string_view model, bool is_public) {
  auto record = store_.GetModelByName(model);
  if (!record.ok()) record = store_.GetModelById(model);
  if (!record.ok()) return record.status();
  std::unique_lock lock(mu_);
  AMP_RETURN_IF_ERROR(store_.SetModelPublic(record->id, is_public));
  ++generation_;
  record->is_public = is_public;
  ModelVisibility visibility{record->id, is_public};
  models_[record->name] = visibility;
  models_[record->id] = visibility;
  return *record;
}

core::Status AccessControl::Grant(std::string_view key_id, std::string_view model) {
  std::optional<ModelVisibility> found = FindModel(model);
  if (!found) return core::NotFound("model not found: " + std::string(model));
  std::unique_lock lock(mu_);
  if (!keys_by_id_.contains(std::string(key_id))) return core::NotFound("API key not found: " + std::string(key_id));
  AMP_RETURN_IF_ERROR(store_.PutGrant(storage::GrantRecord{std::string(key_id), found->id}));
  ++generation_;
  auto& current = grants_by_key_[std::string(key_id)];
  current = WithModel(current, found->id, true);
  return core::Status::Ok();
}

core::Status AccessControl::Ungrant(std::string_view key_id, std::string_view model) {
  std::optional<ModelVisibility> found = FindModel(model);
  if (!found) return core::NotFound("model not found: " + std::string(model));
  std::unique_lock lock(mu_);
  AMP_RETURN_IF_ERROR(store_.DeleteGrant(storage::GrantRecord{std::string(key_id), found->id}));
  ++generation_;
  auto& current = grants_by_key_[std::string(key_id)];
  current = WithModel(current, found->id, false);
  return core::Status::Ok();
}

std::vector<std::string> AccessControl::GrantsOf(std::string_view key_id) const {
  std::shared_lock lock(mu_);
  auto found = grants_by_key_.find(std::string(key_id));
  if (found == grants_by_key_.end() || !found->second) return {};
  return std::vector<std::string>(found->second->begin(), found->second->end());
}

}  // namespace amp::auth
