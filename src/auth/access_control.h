// AccessControl: API keys, per-model grants and model visibility, kept in the MetadataStore and cached in memory so
// authenticating a request and describing its model cost no store round trip. All changes go through it (so the
// cache stays true); api::AccessGuard and the key, grant and visibility handlers use it. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/policy.h"
#include "core/clock.h"
#include "storage/metadata_store.h"

namespace amp::auth {

// Quotas set on one key: storage::kServerDefaultLimit for the server's default, 0 for unlimited, else the limit.
struct KeyLimits {
  int64_t max_dataset_bytes = storage::kServerDefaultLimit;
  int64_t max_dataset_rows = storage::kServerDefaultLimit;
  int64_t max_training_jobs = storage::kServerDefaultLimit;
};

class AccessControl {
 public:
  AccessControl(storage::MetadataStore& store, const core::Clock& clock) : store_(store), clock_(clock) {}

  // Reads keys and grants from the store; call once before serving.
  core::Status Load();
  // Reads keys and grants again and forgets cached model visibility, after another process sharing the store
  // changed them (see storage::ChangeWatcher). Requests keep authenticating against the old cache until the new
  // one is swapped in whole. The store's error leaves the cache as it was.
  core::Status Refresh();
  // The quotas of keys that set none of their own (and of anonymous callers); call before serving.
  void SetDefaultLimits(const UsageLimits& limits);
  // The quotas that apply to `key`: its own where set, else the defaults.
  UsageLimits EffectiveLimits(const storage::ApiKeyRecord& key) const;

  // The caller named by an Authorization header value: anonymous when the header is empty; InvalidArgument when it
  // names no valid key (unknown, wrong secret, revoked or expired; the message says which, never the secret).
  core::Result<Principal> Authenticate(std::string_view authorization) const;

  struct CreatedKey {
    storage::ApiKeyRecord record;
    std::string secret;  // shown once; only its hash is kept
  };
  // A key that expires `lifetime_seconds` from now (0: never). InvalidArgument for an empty or overlong name, a name
  // with control characters, the
  // anonymous role, a negative lifetime or a limit below -1.
  core::Result<CreatedKey> CreateKey(std::string_view name, Role role, int64_t lifetime_seconds,
                                     const KeyLimits& limits = {});
  // A new secret for the same key (id, name, role, expiry kept; its limits replaced when `limits` is given); the old
  // secret stops working. NotFound if absent, FailedPrecondition if revoked, InvalidArgument for a limit below -1.
  core::Result<CreatedKey> RotateKey(std::string_view id, const std::optional<KeyLimits>& limits = std::nullopt);
  // NotFound if absent. Revoking twice is fine.
  core::Result<storage::ApiKeyRecord> RevokeKey(std::string_view id);
  std::vector<storage::ApiKeyRecord> ListKeys() const;
  // Whether an unrevoked, unexpired admin key exists.
  bool HasActiveAdmin() const;

  // Grants on a model, by model name or id. NotFound for an unknown key or model.
  core::Status Grant(std::string_view key_id, std::string_view model);
  core::Status Ungrant(std::string_view key_id, std::string_view model);
  // Model ids granted to the key.
  std::vector<std::string> GrantsOf(std::string_view key_id) const;

  // What Decide needs to know about the model named `model` (a name or id) for `principal`.
  Resource ModelResource(const Principal& principal, std::string_view model) const;
  // Forgets a deleted model: its cached visibility and every key's grant on it.
  void ForgetModel(const storage::ModelRecord& model);
  // Marks a model (name or id) public or private. NotFound if it does not exist.
  core::Result<storage::ModelRecord> SetModelPublic(std::string_view model, bool is_public);

 private:
  // Lets the maps below be searched with a string_view, so the per-request lookups allocate nothing.
  struct ViewHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  template <typename Value>
  using ViewMap = std::unordered_map<std::string, Value, ViewHash, std::equal_to<>>;

  struct ModelVisibility {
    std::string id;
    bool is_public = false;
  };
  // The model's id and visibility, from the cache or the store; nullopt if no such model.
  std::optional<ModelVisibility> FindModel(std::string_view model) const;
  core::Result<CreatedKey> StoreNewSecret(storage::ApiKeyRecord record, bool insert);

  storage::MetadataStore& store_;
  const core::Clock& clock_;
  UsageLimits default_limits_;  // set before serving, read-only afterwards
  // Readers (every request) take it shared; key, grant and visibility changes take it exclusive.
  mutable std::shared_mutex mu_;
  std::map<std::string, storage::ApiKeyRecord> keys_by_id_;                            // guarded by mu_
  ViewMap<std::string> key_id_by_prefix_;                                              // guarded by mu_
  std::map<std::string, std::shared_ptr<const std::set<std::string>>> grants_by_key_;  // guarded by mu_
  // Models never change name, so positive lookups are cached by both name and id (ForgetModel drops a deleted one).
  mutable ViewMap<ModelVisibility> models_;  // guarded by mu_
  uint64_t generation_ = 0;                  // guarded by mu_; bumped by every change made through this object
};

}  // namespace amp::auth
