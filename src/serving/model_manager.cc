#include "serving/model_manager.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "core/log.h"

namespace amp::serving {
namespace {

int64_t NowTicks() { return std::chrono::steady_clock::now().time_since_epoch().count(); }

std::string PinnedKey(std::string_view model_id, int64_t version) {
  return std::string(model_id) + "/" + std::to_string(version);
}

}  // namespace

ModelManager::ModelManager(registry::ModelRegistry& registry, ModelManagerOptions options)
    : registry_(registry), options_(options) {}

void ModelManager::ListenToRegistry() {
  registry_.AddVersionListener([this](const storage::ModelRecord& model, const storage::VersionRecord& version) {
    // A model whose serving alias is set keeps serving that version until the alias moves.
    auto aliased = registry_.GetAliasedVersion(model.id, registry::kServingAlias);
    if (aliased.ok()) return;
    ServeVersion(model, version);
  });
  registry_.AddModelDeletionListener([this](const storage::ModelRecord& model) { Forget(model); });
  registry_.AddAliasListener([this](const storage::ModelRecord& model, std::string_view alias, int64_t version) {
    {
      std::unique_lock lock(mu_);
      std::string key = model.id + "@" + std::string(alias);
      if (version > 0) {
        aliases_.insert_or_assign(key, version);
      } else {
        aliases_.erase(key);
      }
    }
    if (alias != registry::kServingAlias) return;
    auto wanted = registry_.GetServedVersion(model.id);  // the alias's version, or the latest once it is deleted
    if (!wanted.ok()) {
      core::LogError("model '" + model.name + "': cannot find the version to serve: " + wanted.status().ToString());
      return;
    }
    ServeVersion(model, *wanted);
  });
  registry_.AddDeletionListener([this](const storage::ModelRecord& model, const storage::VersionRecord& version) {
    bool was_served = false;
    {
      std::unique_lock lock(mu_);
      if (auto it = entries_.find(PinnedKey(model.id, version.version)); it != entries_.end()) {
        loaded_bytes_ -= it->second->bytes;
        entries_.erase(it);
      }
      auto served = entries_.find(model.id);
      was_served = served != entries_.end() && served->second->servable->version.version == version.version;
    }
    if (!was_served) return;
    // Only a race with an alias or publish gets here (the registry refuses to delete the served version).
    auto wanted = registry_.GetServedVersion(model.id);
    if (wanted.ok()) ServeVersion(model, *wanted);
  });
}

void ModelManager::Refresh() {
  std::set<std::string> model_ids;
  std::vector<std::pair<std::string, int64_t>> pinned;
  {
    std::unique_lock lock(mu_);
    for (const auto& [key, entry] : entries_) {
      model_ids.insert(entry->servable->model.id);
      if (key != entry->servable->model.id) pinned.emplace_back(key, entry->servable->version.version);
    }
    for (const auto& [model_id, version] : wanted_) model_ids.insert(model_id);
    aliases_.clear();  // read again on the next request that names an alias
  }
  for (const std::string& model_id : model_ids) {
    auto model = registry_.FindModel(model_id);
    if (!model.ok()) {
      if (model.status().code() == core::StatusCode::kNotFound) {
        storage::ModelRecord gone;
        gone.id = model_id;
        Forget(gone);
        core::LogInfo("model " + model_id + " was deleted elsewhere; unloaded");
      }
      continue;
    }
    auto served = registry_.GetServedVersion(model_id);
    if (!served.ok()) continue;
    int64_t wanted = 0;
    {
      std::shared_lock lock(mu_);
      if (auto it = wanted_.find(model_id); it != wanted_.end()) wanted = it->second;
    }
    if (wanted != served->version) ServeVersion(*model, *served);
  }
  for (const auto& [key, version] : pinned) {
    const std::string model_id = key.substr(0, key.rfind('/'));
    auto exists = registry_.GetVersion(model_id, version);
    if (exists.ok() || exists.status().code() != core::StatusCode::kNotFound) continue;
    std::unique_lock lock(mu_);
    if (auto it = entries_.find(key); it != entries_.end()) {
      loaded_bytes_ -= it->second->bytes;
      entries_.erase(it);
    }
  }
}

std::set<int64_t> ModelManager::HeldVersions(std::string_view model_id) {
  std::set<int64_t> held;
  const std::string prefix = std::string(model_id) + "/";
  {
    std::shared_lock lock(mu_);
    if (auto it = entries_.find(model_id); it != entries_.end()) held.insert(it->second->servable->version.version);
    if (auto it = wanted_.find(model_id); it != wanted_.end()) held.insert(it->second);
    for (const auto& [key, entry] : entries_) {
      if (key.compare(0, prefix.size(), prefix) == 0) held.insert(entry->servable->version.version);
    }
  }
  std::lock_guard lock(loading_mu_);
  for (const auto& [key, loading] : loading_) {
    if (key.compare(0, prefix.size(), prefix) == 0) held.insert(std::stoll(key.substr(prefix.size())));
  }
  return held;
}

void ModelManager::Forget(const storage::ModelRecord& model) {
  std::unique_lock lock(mu_);
  const std::string pinned_prefix = model.id + "/";
  const std::string alias_prefix = model.id + "@";
  std::erase_if(entries_, [&](const auto& entry) {
    bool gone = entry.first == model.id || entry.first.starts_with(pinned_prefix);
    if (gone) loaded_bytes_ -= entry.second->bytes;
    return gone;
  });
  std::erase_if(id_by_name_, [&](const auto& entry) { return entry.second == model.id; });
  std::erase_if(aliases_, [&](const auto& entry) { return entry.first.starts_with(alias_prefix); });
  last_error_.erase(model.id);
  wanted_.erase(model.id);
}

void ModelManager::ServeVersion(const storage::ModelRecord& model, const storage::VersionRecord& version) {
  {
    std::unique_lock lock(mu_);
    wanted_.insert_or_assign(model.id, version.version);
  }
  ServableHandle servable = FindLoaded(model.id);
  if (servable && servable->version.version != version.version) servable = nullptr;
  if (!servable) servable = FindLoaded(PinnedKey(model.id, version.version));
  if (!servable) {
    auto loaded = Load(model, version);
    if (!loaded.ok()) {
      core::LogError("model '" + model.name + "' version " + std::to_string(version.version) +
                     " failed to load; the previous version stays served: " + loaded.status().ToString());
      std::unique_lock lock(mu_);
      // Keep wanting what is actually served, so lazy loads do not pick the broken version either.
      if (auto it = entries_.find(model.id); it != entries_.end()) {
        wanted_.insert_or_assign(model.id, it->second->servable->version.version);
      } else {
        wanted_.erase(model.id);
      }
      return;
    }
    servable = *loaded;
  }
  Install(servable, /*pinned=*/false);
  core::LogInfo("serving model '" + model.name + "' version " + std::to_string(version.version));
}

core::Result<ServableHandle> ModelManager::Load(const storage::ModelRecord& model,
                                                const storage::VersionRecord& version) {
  auto predictor = registry_.LoadModel(version);
  core::Status status = predictor.ok() ? core::Status::Ok() : predictor.status();
  if (status.ok()) {
    // Warm-up: score one row of missing values (every imputation path) before the version takes traffic.
    const size_t width = (*predictor)->signature().features.size();
    std::vector<ml::FeatureValue> row(width, ml::FeatureValue::Missing());
    double out = 0.0;
    status = (*predictor)->Predict(row, std::span<double>(&out, 1), nullptr).WithContext("warm-up");
  }
  std::shared_ptr<monitoring::VersionMonitor> monitor;
  if (status.ok() && options_.attach_monitor) monitor = options_.attach_monitor(model, version, **predictor);
  std::unique_lock lock(mu_);
  if (!status.ok()) {
    ++load_failures_;
    last_error_.insert_or_assign(model.id, "version " + std::to_string(version.version) + ": " + status.message());
    return status;
  }
  ++loads_;
  last_error_.erase(model.id);
  return ServableHandle(
      std::make_shared<const Servable>(Servable{model, version, std::move(predictor).value(), std::move(monitor)}));
}

void ModelManager::Install(const ServableHandle& servable, bool pinned) {
  const std::string key = pinned ? PinnedKey(servable->model.id, servable->version.version) : servable->model.id;
  auto entry = std::make_shared<Entry>();
  entry->servable = servable;
  entry->bytes = servable->predictor->MemoryBytes();
  entry->last_used.store(NowTicks(), std::memory_order_relaxed);
  std::unique_lock lock(mu_);
  if (!pinned) {
    auto wanted = wanted_.try_emplace(servable->model.id, servable->version.version).first;
    if (wanted->second != servable->version.version) return;  // superseded while it loaded
  }
  auto current = entries_.find(key);
  if (current != entries_.end()) {
    loaded_bytes_ -= current->second->bytes;
    current->second = entry;
  } else {
    entries_.emplace(key, entry);
  }
  loaded_bytes_ += entry->bytes;
  if (!pinned) id_by_name_.insert_or_assign(servable->model.name, servable->model.id);
  EvictToBudget(key);
}

void ModelManager::EvictToBudget(const std::string& keep_key) {
  if (options_.cache_bytes <= 0) return;
  while (loaded_bytes_ > options_.cache_bytes && entries_.size() > 1) {
    auto victim = entries_.end();
    int64_t oldest = 0;
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first == keep_key) continue;
      int64_t used = it->second->last_used.load(std::memory_order_relaxed);
      if (victim == entries_.end() || used < oldest) {
        victim = it;
        oldest = used;
      }
    }
    if (victim == entries_.end()) return;
    loaded_bytes_ -= victim->second->bytes;
    entries_.erase(victim);  // requests holding the handle keep the version alive until they finish
    ++evictions_;
  }
}

ServableHandle ModelManager::FindLoaded(std::string_view key) const {
  std::shared_lock lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  it->second->last_used.store(NowTicks(), std::memory_order_relaxed);
  return it->second->servable;
}

std::string ModelManager::ServedKeyFor(std::string_view model_ref) const {
  std::shared_lock lock(mu_);
  if (entries_.count(model_ref) > 0) return std::string(model_ref);
  auto by_name = id_by_name_.find(model_ref);
  return by_name == id_by_name_.end() ? std::string() : by_name->second;
}

core::Result<ServableHandle> ModelManager::LoadShared(const storage::ModelRecord& model, int64_t pinned_version) {
  const std::string key = pinned_version > 0 ? PinnedKey(model.id, pinned_version) : model.id;
  {
    std::unique_lock lock(loading_mu_);
    // Another request is loading the same key: wait for it, then use what it installed.
    load_done_.wait(lock, [&] { return loading_.count(key) == 0; });
    if (ServableHandle loaded = FindLoaded(key)) return loaded;
    loading_[key] = true;
  }
  auto finish = [&] {
    std::lock_guard lock(loading_mu_);
    loading_.erase(key);
    load_done_.notify_all();
  };
  auto version = pinned_version > 0 ? registry_.GetVersion(model.id, pinned_version)
                                    : registry_.GetServedVersion(model.id);
  if (!version.ok()) {
    finish();
    if (version.status().code() == core::StatusCode::kNotFound && pinned_version == 0) {
      return core::NotFound("model '" + model.name + "' has no published version yet");
    }
    return version.status();
  }
  auto servable = Load(model, *version);
  if (servable.ok()) Install(*servable, pinned_version > 0);
  finish();
  return servable;
}

core::Result<ServableHandle> ModelManager::Resolve(std::string_view model_ref) {
  {
    std::shared_lock lock(mu_);
    auto it = entries_.find(model_ref);
    if (it == entries_.end()) {
      auto by_name = id_by_name_.find(model_ref);
      if (by_name != id_by_name_.end()) it = entries_.find(by_name->second);
    }
    if (it != entries_.end()) {
      it->second->last_used.store(NowTicks(), std::memory_order_relaxed);
      return it->second->servable;
    }
  }
  // Not loaded (first request since start, or evicted): ask the registry (cold path).
  AMP_ASSIGN_OR_RETURN(storage::ModelRecord model, registry_.FindModel(model_ref));
  return LoadShared(model, 0);
}

core::Result<ServableHandle> ModelManager::ResolveVersion(std::string_view model_ref, int64_t version) {
  if (version <= 0) return core::NotFound("model versions are numbered from 1");
  std::string served_key = ServedKeyFor(model_ref);
  if (!served_key.empty()) {
    if (ServableHandle served = FindLoaded(served_key); served && served->version.version == version) return served;
    if (ServableHandle pinned = FindLoaded(PinnedKey(served_key, version))) return pinned;
  }
  AMP_ASSIGN_OR_RETURN(storage::ModelRecord model, registry_.FindModel(model_ref));
  if (ServableHandle pinned = FindLoaded(PinnedKey(model.id, version))) return pinned;
  return LoadShared(model, version);
}

core::Result<ServableHandle> ModelManager::ResolveAlias(std::string_view model_ref, std::string_view alias) {
  std::string model_id = ServedKeyFor(model_ref);
  if (model_id.empty()) {
    AMP_ASSIGN_OR_RETURN(storage::ModelRecord model, registry_.FindModel(model_ref));
    model_id = model.id;
  }
  if (alias == "latest") {
    AMP_ASSIGN_OR_RETURN(storage::VersionRecord latest, registry_.GetLatestVersion(model_id));
    return ResolveVersion(model_id, latest.version);
  }
  const std::string key = model_id + "@" + std::string(alias);
  int64_t version = 0;
  {
    std::shared_lock lock(mu_);
    if (auto it = aliases_.find(key); it != aliases_.end()) version = it->second;
  }
  if (version == 0) {
    AMP_ASSIGN_OR_RETURN(storage::VersionRecord aliased, registry_.GetAliasedVersion(model_id, alias));
    version = aliased.version;
    std::unique_lock lock(mu_);
    aliases_.try_emplace(key, version);
  }
  return ResolveVersion(model_id, version);
}

void ModelManager::LoadAll() {
  auto models = registry_.ListModels();
  if (!models.ok()) {
    core::LogError("cannot list models to load: " + models.status().ToString());
    return;
  }
  for (const registry::ModelSummary& summary : *models) {
    if (!summary.served) continue;
    if (options_.cache_bytes > 0 && stats().loaded_bytes >= options_.cache_bytes) break;  // the rest load lazily
    auto loaded = Load(summary.model, *summary.served);
    if (!loaded.ok()) {
      core::LogError("model '" + summary.model.name + "' failed to load: " + loaded.status().ToString());
      continue;
    }
    Install(*loaded, /*pinned=*/false);
  }
}

ModelManagerStats ModelManager::stats() const {
  ModelManagerStats stats;
  {
    std::shared_lock lock(mu_);
    stats.loaded_versions = static_cast<int64_t>(entries_.size());
    stats.loaded_bytes = loaded_bytes_;
  }
  stats.loads = loads_.load();
  stats.load_failures = load_failures_.load();
  stats.evictions = evictions_.load();
  return stats;
}

ModelServingStatus ModelManager::StatusOf(std::string_view model_id) const {
  ModelServingStatus status;
  std::shared_lock lock(mu_);
  if (auto it = entries_.find(model_id); it != entries_.end()) status.served_version = it->second->servable->version.version;
  if (auto it = last_error_.find(model_id); it != last_error_.end()) status.last_load_error = it->second;
  return status;
}

}  // namespace amp::serving
