// ModelManager: which model versions are loaded and served. By default a model is served at its latest version:
// when the registry publishes a version, the manager loads it (on the publishing thread, off the request path)
// and swaps it in atomically; requests already running finish on the version they started with. Models not yet
// loaded (e.g. after a restart) load on first request. A version that fails to load never replaces a working one.
// Thread-safe; lookups take a shared lock only.
#pragma once

#include <atomic>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "core/status.h"
#include "registry/model_registry.h"
#include "serving/servable.h"

namespace amp::serving {

struct ModelManagerStats {
  int64_t loaded_versions = 0;
  int64_t loads = 0;
  int64_t load_failures = 0;
};

class ModelManager {
 public:
  explicit ModelManager(registry::ModelRegistry& registry);

  // Subscribes to the registry so new versions are loaded and swapped in as they are published.
  void ListenToRegistry();

  // The served version of the model with this id or name. NotFound for an unknown model or one with no version;
  // DataLoss / FailedPrecondition if its artifact cannot be loaded.
  core::Result<ServableHandle> Resolve(std::string_view model_ref);
  // A specific version of the model with this id or name.
  core::Result<ServableHandle> ResolveVersion(std::string_view model_ref, int64_t version);

  // Loads every model's latest version now (at startup, so the first request is not slow). Logs failures.
  void LoadAll();

  ModelManagerStats stats() const;

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  using ServableMap = std::unordered_map<std::string, ServableHandle, StringHash, std::equal_to<>>;

  core::Result<ServableHandle> Load(const storage::ModelRecord& model, const storage::VersionRecord& version);
  // Installs `servable` as the served version unless a newer one is already served.
  void Install(const ServableHandle& servable);
  ServableHandle FindServed(std::string_view model_ref) const;

  registry::ModelRegistry& registry_;
  mutable std::shared_mutex mu_;
  ServableMap served_by_id_;    // guarded by mu_
  ServableMap served_by_name_;  // guarded by mu_
  ServableMap pinned_;          // "model_id/version" -> servable; guarded by mu_
  std::atomic<int64_t> loads_{0};
  std::atomic<int64_t> load_failures_{0};
};

}  // namespace amp::serving
