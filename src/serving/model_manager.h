// ModelManager: which model versions are loaded and served. A call by name serves the version the model's
// "production" alias points to, or its latest version when no such alias is set. When the registry publishes a
// version or moves that alias, the manager loads the wanted version (on the calling thread, off the request path),
// warms it up and swaps it in atomically; requests already running finish on the version they started with (they
// hold a ref-counted handle). A version that fails to load never replaces a working one. Models not loaded yet
// (after a restart, or evicted) load on first request; concurrent first requests share one load. Under a memory
// budget the least recently used versions are evicted; a request holding an evicted version still finishes on it.
// Thread-safe; the request path takes a shared lock and one relaxed atomic store.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "core/status.h"
#include "registry/model_registry.h"
#include "serving/servable.h"

namespace amp::serving {

struct ModelManagerOptions {
  int64_t cache_bytes = 0;  // 0: no budget, keep everything loaded
  // Called for every version loaded (off the request path); its result rides on the Servable. Unset: no monitoring.
  std::function<std::shared_ptr<monitoring::VersionMonitor>(const storage::ModelRecord&, const storage::VersionRecord&,
                                                            const ml::Model&)>
      attach_monitor;
};

struct ModelManagerStats {
  int64_t loaded_versions = 0;
  int64_t loaded_bytes = 0;
  int64_t loads = 0;
  int64_t load_failures = 0;
  int64_t evictions = 0;
};

// What the manager knows about one model, for status pages.
struct ModelServingStatus {
  int64_t served_version = 0;  // 0 when not loaded
  std::string last_load_error;  // empty when the last load succeeded
};

class ModelManager {
 public:
  explicit ModelManager(registry::ModelRegistry& registry, ModelManagerOptions options = {});

  // Subscribes to the registry so new versions are loaded and swapped in as they are published, and deleted models
  // are unloaded.
  void ListenToRegistry();
  // Unloads every version of the model and forgets what was cached about it (a deleted model). Requests already
  // holding one of its versions finish on it.
  void Forget(const storage::ModelRecord& model);

  // Brings what the manager holds in line with the registry after another process changed it (a replica sharing
  // the stores; see storage::ChangeWatcher): every model it knows is looked up again, a changed served version
  // (new latest, moved serving alias) is loaded and swapped in as a local publish would be, cached aliases are
  // dropped (read again on use), deleted models and pinned versions are forgotten. Runs on the caller's thread;
  // costs a few store reads per model held.
  void Refresh();

  // The versions of the model (by id) held now: served, wanted, pinned or being loaded. The retention collector
  // never deletes these.
  std::set<int64_t> HeldVersions(std::string_view model_id);

  // The served version of the model with this id or name. NotFound for an unknown model or one with no version;
  // DataLoss / FailedPrecondition if its artifact cannot be loaded.
  core::Result<ServableHandle> Resolve(std::string_view model_ref);
  // A specific version of the model with this id or name.
  core::Result<ServableHandle> ResolveVersion(std::string_view model_ref, int64_t version);
  // The version an alias of the model points to ("latest" is the newest version). NotFound if the alias is unset.
  core::Result<ServableHandle> ResolveAlias(std::string_view model_ref, std::string_view alias);

  // Loads every model's latest version now (at startup, so first requests are fast), within the budget.
  void LoadAll();

  ModelManagerStats stats() const;
  ModelServingStatus StatusOf(std::string_view model_id) const;

 private:
  struct Entry {
    ServableHandle servable;
    int64_t bytes = 0;
    mutable std::atomic<int64_t> last_used{0};
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  template <typename V>
  using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

  // Loads, checks and warms up one version (no locks held).
  core::Result<ServableHandle> Load(const storage::ModelRecord& model, const storage::VersionRecord& version);
  // Loads the latest (pinned_version == 0) or a pinned version of a model, sharing the work with concurrent callers
  // for the same key.
  core::Result<ServableHandle> LoadShared(const storage::ModelRecord& model, int64_t pinned_version);
  // Installs a loaded servable as a pinned version, or as the served one if it is the version the manager wants
  // served (the first one seen becomes wanted when nothing was wanted yet); then evicts to the budget.
  void Install(const ServableHandle& servable, bool pinned);
  // Makes `version` the wanted served version of the model, loads it unless loaded, and swaps it in.
  void ServeVersion(const storage::ModelRecord& model, const storage::VersionRecord& version);
  void EvictToBudget(const std::string& keep_key);
  ServableHandle FindLoaded(std::string_view key) const;
  std::string ServedKeyFor(std::string_view model_ref) const;

  registry::ModelRegistry& registry_;
  const ModelManagerOptions options_;

  mutable std::shared_mutex mu_;
  StringMap<std::shared_ptr<Entry>> entries_;  // guarded by mu_; key: model id (served) or "id/version" (pinned)
  StringMap<std::string> id_by_name_;          // guarded by mu_
  StringMap<std::string> last_error_;          // guarded by mu_; model id -> last load failure
  StringMap<int64_t> wanted_;                  // guarded by mu_; model id -> the version that should be served
  StringMap<int64_t> aliases_;                 // guarded by mu_; "model_id@alias" -> version (cache)
  int64_t loaded_bytes_ = 0;                   // guarded by mu_

  std::mutex loading_mu_;
  std::condition_variable load_done_;
  std::map<std::string, bool> loading_;  // guarded by loading_mu_; keys being loaded now

  std::atomic<int64_t> loads_{0};
  std::atomic<int64_t> load_failures_{0};
  std::atomic<int64_t> evictions_{0};
};

}  // namespace amp::serving
