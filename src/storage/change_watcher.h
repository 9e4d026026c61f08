// ChangeWatcher: follows the metadata store's change feed (MetadataStore::WaitForChange) on its own thread and tells
// its listeners, on that thread, each time the counter moves, so a serving replica refreshes what it caches from the
// store (the versions and aliases it serves, API keys, grants, model visibility) when another process changed it.
// A store that cannot push is polled by WaitForChange itself. When the feed fails (a lost connection) the watcher
// retries every retry_interval_ms and, once the store answers again, tells its listeners anyway (changes may have
// been missed meanwhile). Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "core/mutex.h"
#include "core/status.h"
#include "storage/metadata_store.h"

namespace amp::storage {

struct ChangeWatcherOptions {
  int wait_timeout_ms = 500;     // one WaitForChange; also how soon Stop is noticed
  int retry_interval_ms = 1000;  // after the feed failed
};

// The watcher's state between two reads of the feed.
struct ChangeFeedState {
  int64_t seen = 0;
  bool failing = false;  // the last read failed
};
// One read of the feed (`observed`: the counter, or why it could not be read): the next state, and whether the
// listeners must refresh (the counter moved, or the feed has just recovered). Pure.
bool StepChangeFeed(const core::Result<int64_t>& observed, ChangeFeedState& state);

class ChangeWatcher {
 public:
  using Listener = std::function<void()>;

  explicit ChangeWatcher(MetadataStore& store, ChangeWatcherOptions options = {});
  ~ChangeWatcher();
  ChangeWatcher(const ChangeWatcher&) = delete;
  ChangeWatcher& operator=(const ChangeWatcher&) = delete;

  // Add before Start. A listener must not throw; it may take a while (the next change waits for it).
  void AddListener(Listener listener);
  // Reads the counter (what the caches just loaded reflect) and starts the thread. The store's error if the
  // counter cannot be read.
  core::Status Start();
  // Stops and joins the thread (within about wait_timeout_ms). Idempotent.
  void Stop();

  // How many times the listeners were told (for tests and metrics).
  int64_t refreshes() const { return refreshes_.load(); }

 private:
  void Loop(ChangeFeedState state);

  MetadataStore& store_;
  const ChangeWatcherOptions options_;
  std::vector<Listener> listeners_;  // set before Start, then read-only
  core::Mutex mu_;
  core::CondVar stop_changed_;
  bool stopping_ AMP_GUARDED_BY(mu_) = false;
  std::thread thread_;
  std::atomic<int64_t> refreshes_{0};
};

}  // namespace amp::storage
