#include "serving/model_manager.h"

#include <mutex>

#include "core/log.h"

namespace amp::serving {

ModelManager::ModelManager(registry::ModelRegistry& registry) : registry_(registry) {}

void ModelManager::ListenToRegistry() {
  registry_.AddVersionListener([this](const storage::ModelRecord& model, const storage::VersionRecord& version) {
    auto loaded = Load(model, version);
    if (!loaded.ok()) {
      core::LogError("model " + model.name + " version " + std::to_string(version.version) +
                     " failed to load; the previous version stays served: " + loaded.status().ToString());
      return;
    }
    Install(*loaded);
    core::LogInfo("serving model '" + model.name + "' version " + std::to_string(version.version));
  });
}

core::Result<ServableHandle> ModelManager::Load(const storage::ModelRecord& model,
                                                const storage::VersionRecord& version) {
  auto predictor = registry_.LoadModel(version);
  if (!predictor.ok()) {
    ++load_failures_;
    return predictor.status();
  }
  ++loads_;
  return ServableHandle(std::make_shared<const Servable>(Servable{model, version, std::move(predictor).value()}));
}

void ModelManager::Install(const ServableHandle& servable) {
  std::unique_lock lock(mu_);
  auto current = served_by_id_.find(servable->model.id);
  if (current != served_by_id_.end() && current->second->version.version >= servable->version.version) return;
  served_by_id_.insert_or_assign(servable->model.id, servable);
  served_by_name_.insert_or_assign(servable->model.name, servable);
}

ServableHandle ModelManager::FindServed(std::string_view model_ref) const {
  std::shared_lock lock(mu_);
  if (auto it = served_by_id_.find(model_ref); it != served_by_id_.end()) return it->second;
  if (auto it = served_by_name_.find(model_ref); it != served_by_name_.end()) return it->second;
  return nullptr;
}

core::Result<ServableHandle> ModelManager::Resolve(std::string_view model_ref) {
  if (ServableHandle served = FindServed(model_ref)) return served;
  // Not loaded yet: ask the registry (cold path).
  AMP_ASSIGN_OR_RETURN(storage::ModelRecord model, registry_.FindModel(model_ref));
  auto latest = registry_.GetLatestVersion(model.id);
  if (!latest.ok()) {
    if (latest.status().code() == core::StatusCode::kNotFound) {
      return core::NotFound("model '" + model.name + "' has no published version yet");
    }
    return latest.status();
  }
  AMP_ASSIGN_OR_RETURN(ServableHandle servable, Load(model, *latest));
  Install(servable);
  return FindServed(model.id);
}

core::Result<ServableHandle> ModelManager::ResolveVersion(std::string_view model_ref, int64_t version) {
  if (ServableHandle served = FindServed(model_ref); served && served->version.version == version) return served;
  AMP_ASSIGN_OR_RETURN(storage::ModelRecord model, registry_.FindModel(model_ref));
  std::string key = model.id + "/" + std::to_string(version);
  {
    std::shared_lock lock(mu_);
    if (auto it = pinned_.find(key); it != pinned_.end()) return it->second;
  }
  AMP_ASSIGN_OR_RETURN(storage::VersionRecord record, registry_.GetVersion(model.id, version));
  AMP_ASSIGN_OR_RETURN(ServableHandle servable, Load(model, record));
  std::unique_lock lock(mu_);
  return pinned_.try_emplace(key, servable).first->second;
}

void ModelManager::LoadAll() {
  auto models = registry_.ListModels();
  if (!models.ok()) {
    core::LogError("cannot list models to load: " + models.status().ToString());
    return;
  }
  for (const registry::ModelSummary& summary : *models) {
    if (!summary.latest) continue;
    auto loaded = Load(summary.model, *summary.latest);
    if (!loaded.ok()) {
      core::LogError("model '" + summary.model.name + "' failed to load: " + loaded.status().ToString());
      continue;
    }
    Install(*loaded);
  }
}

ModelManagerStats ModelManager::stats() const {
  ModelManagerStats stats;
  {
    std::shared_lock lock(mu_);
    stats.loaded_versions = static_cast<int64_t>(served_by_id_.size() + pinned_.size());
  }
  stats.loads = loads_.load();
  stats.load_failures = load_failures_.load();
  return stats;
}

}  // namespace amp::serving
