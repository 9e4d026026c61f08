#include "registry/retention_collector.h"

#include "core/log.h"
#include "registry/retention_policy.h"

namespace amp::registry {

RetentionCollector::RetentionCollector(ModelRegistry& registry, InUse in_use, OnCollected on_collected,
                                       std::chrono::milliseconds interval)
    : registry_(registry), in_use_(std::move(in_use)), on_collected_(std::move(on_collected)), interval_(interval) {}

RetentionCollector::~RetentionCollector() {
  Shutdown();
}

void RetentionCollector::Start() {
  {
    core::MutexLock lock(mu_);
    stopping_ = false;
    poked_ = true;
  }
  thread_ = std::thread([this] { Loop(); });
}

void RetentionCollector::Shutdown() {
  {
    core::MutexLock lock(mu_);
    stopping_ = true;
  }
  wake_.NotifyAll();
  if (thread_.joinable()) thread_.join();
}

void RetentionCollector::Poke() {
  {
    core::MutexLock lock(mu_);
    poked_ = true;
  }
  wake_.NotifyAll();
}

void RetentionCollector::Loop() {
  while (true) {
    {
      core::MutexLock lock(mu_);
      wake_.WaitFor(mu_, interval_, [this]() AMP_REQUIRES(mu_) { return stopping_ || poked_; });
      if (stopping_) return;
      poked_ = false;
    }
    CollectOnce();
  }
}

int RetentionCollector::CollectOnce() {
  auto models = registry_.ListModels();
  if (!models.ok()) {
    core::LogError("retention: cannot list models: " + models.status().ToString());
    return 0;
  }
  int collected = 0;
  for (const ModelSummary& summary : *models) {
    const storage::ModelRecord& model = summary.model;
    if (model.retention_keep_last <= 0) continue;
    auto versions = registry_.ListVersions(model.id);
    auto aliases = registry_.ListAliases(model.id);
    if (!versions.ok() || !aliases.ok()) {
      core::LogError("retention: cannot read model '" + model.name + "'");
      continue;
    }
    RetentionInput input;
    input.keep_last = model.retention_keep_last;
    for (const storage::VersionRecord& version : *versions) input.versions.push_back(version.version);
    for (const storage::AliasRecord& alias : *aliases) input.aliased.insert(alias.version);
    if (in_use_) input.in_use = in_use_(model.id);
    for (int64_t number : SelectVersionsToCollect(input)) {
      {
        core::MutexLock lock(mu_);
        if (stopping_) return collected;
      }
      auto removed = registry_.DeleteVersion(model.id, number);
      if (!removed.ok()) {
        core::LogWarning("retention: model '" + model.name + "' version " + std::to_string(number) +
                         " kept: " + removed.status().ToString());
        continue;
      }
      ++collected;
      core::LogInfo("retention: collected model '" + model.name + "' version " + std::to_string(number) +
                    " (keep_last " + std::to_string(model.retention_keep_last) + ")");
      if (on_collected_) on_collected_(model, *removed);
    }
  }
  return collected;
}

}  // namespace amp::registry
