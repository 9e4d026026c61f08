// RetentionCollector: the background task that applies each model's retention policy ({"keep_last": N}, see
// registry/retention_policy.h). A pass lists the models with a policy and deletes, through
// ModelRegistry::DeleteVersion, the versions SelectVersionsToCollect picks: never the newest N, never one an alias
// points to (the store re-checks that atomically at deletion), never one the serving layer holds (asked through
// the injected `in_use` just before deciding). A version being published is not listed yet and is the newest once
// it is, so a training job racing a pass is never collected. Passes run every `interval` and soon after Poke().
// Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <thread>

#include "core/mutex.h"
#include "registry/model_registry.h"

namespace amp::registry {

class RetentionCollector {
 public:
  // The versions of a model (by id) that the serving layer holds now.
  using InUse = std::function<std::set<int64_t>(const std::string& model_id)>;
  // Told after each collected version (for the audit log).
  using OnCollected = std::function<void(const storage::ModelRecord&, const storage::VersionRecord&)>;

  RetentionCollector(ModelRegistry& registry, InUse in_use, OnCollected on_collected,
                     std::chrono::milliseconds interval);
  ~RetentionCollector();
  RetentionCollector(const RetentionCollector&) = delete;
  RetentionCollector& operator=(const RetentionCollector&) = delete;

  // Starts the background thread (a pass at once, then every interval and after each Poke).
  void Start();
  // Stops the thread, waiting for a running pass to finish its current deletion.
  void Shutdown();
  // Asks for a pass soon (after a publish or a policy change). Never blocks.
  void Poke();

  // One pass over every model with a policy, on the calling thread. Returns how many versions it collected;
  // failures (an alias moved onto a candidate meanwhile, a store error) are logged and skipped.
  int CollectOnce();

 private:
  void Loop();

  ModelRegistry& registry_;
  const InUse in_use_;
  const OnCollected on_collected_;
  const std::chrono::milliseconds interval_;

  core::Mutex mu_;
  core::CondVar wake_;
  bool stopping_ AMP_GUARDED_BY(mu_) = false;
  bool poked_ AMP_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace amp::registry
