#include "storage/change_watcher.h"

#include <chrono>

#include "core/log.h"

namespace amp::storage {

bool StepChangeFeed(const core::Result<int64_t>& observed, ChangeFeedState& state) {
  if (!observed.ok()) {
    state.failing = true;
    return false;
  }
  const bool refresh = state.failing || *observed != state.seen;
  state.seen = *observed;
  state.failing = false;
  return refresh;
}

ChangeWatcher::ChangeWatcher(MetadataStore& store, ChangeWatcherOptions options) : store_(store), options_(options) {}

ChangeWatcher::~ChangeWatcher() {
  Stop();
}

void ChangeWatcher::AddListener(Listener listener) {
  listeners_.push_back(std::move(listener));
}

core::Status ChangeWatcher::Start() {
  AMP_ASSIGN_OR_RETURN(int64_t counter, store_.ChangeCounter());
  {
    core::MutexLock lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this, counter] { Loop(ChangeFeedState{counter, false}); });
  return core::Status::Ok();
}

void ChangeWatcher::Stop() {
  {
    core::MutexLock lock(mu_);
    stopping_ = true;
  }
  stop_changed_.NotifyAll();
  if (thread_.joinable()) thread_.join();
}

void ChangeWatcher::Loop(ChangeFeedState state) {
  while (true) {
    {
      core::MutexLock lock(mu_);
      if (stopping_) return;
    }
    const bool was_failing = state.failing;
    core::Result<int64_t> observed =
        state.failing ? store_.ChangeCounter() : store_.WaitForChange(state.seen, options_.wait_timeout_ms);
    if (StepChangeFeed(observed, state)) {
      if (was_failing) core::LogInfo("the store's change feed answers again; refreshing caches");
      for (const Listener& listener : listeners_) listener();
      refreshes_.fetch_add(1);
    }
    if (state.failing) {
      if (!was_failing) {
        core::LogWarning("cannot follow the store's change feed (" + observed.status().ToString() +
                         "); retrying every " + std::to_string(options_.retry_interval_ms) + " ms");
      }
      core::MutexLock lock(mu_);
      stop_changed_.WaitFor(mu_, std::chrono::milliseconds(options_.retry_interval_ms),
                            [this]() AMP_REQUIRES(mu_) { return stopping_; });
    }
  }
}

}  // namespace amp::storage
