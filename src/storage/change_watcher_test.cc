#include "storage/change_watcher.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "storage/sqlite_metadata_store.h"

namespace amp::storage {
namespace {

TEST(ChangeWatcherTest, StepChangeFeedRefreshesWhenTheCounterMovesOrTheFeedRecovers) {
  struct Case {
    ChangeFeedState before;
    core::Result<int64_t> observed;
    bool refresh;
    ChangeFeedState after;
  };
  const Case cases[] = {
      {{5, false}, int64_t{5}, false, {5, false}},  // nothing changed (the wait timed out)
      {{5, false}, int64_t{6}, true, {6, false}},   // a change
      {{5, false}, int64_t{9}, true, {9, false}},   // several changes: one refresh
      {{5, false}, int64_t{2}, true, {2, false}},   // the counter went back (a store restored): refresh anyway
      {{5, false}, core::Unavailable("lost"), false, {5, true}},  // the feed failed: keep the last value
      {{5, true}, core::Unavailable("lost"), false, {5, true}},
      {{5, true}, int64_t{5}, true, {5, false}},  // back: changes may have been missed, refresh
      {{5, true}, int64_t{7}, true, {7, false}},
  };
  for (const Case& c : cases) {
    ChangeFeedState state = c.before;
    EXPECT_EQ(StepChangeFeed(c.observed, state), c.refresh) << c.before.seen << " failing=" << c.before.failing;
    EXPECT_EQ(state.seen, c.after.seen);
    EXPECT_EQ(state.failing, c.after.failing);
  }
}

TEST(ChangeWatcherTest, ListenersAreToldWhenTheStoreChanges) {
  auto opened = SqliteMetadataStore::Open(":memory:");
  ASSERT_TRUE(opened.ok());
  SqliteMetadataStore& store = **opened;
  ChangeWatcher watcher(store, ChangeWatcherOptions{.wait_timeout_ms = 20, .retry_interval_ms = 20});
  std::atomic<int> told = 0;
  watcher.AddListener([&told] { told.fetch_add(1); });
  ASSERT_TRUE(watcher.Start().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(told.load(), 0);  // nothing changed: waits time out quietly
  ASSERT_TRUE(store.CreateModel(ModelRecord{"mdl_1", "houses", 1, "", false}).ok());
  for (int attempt = 0; attempt < 500 && told.load() == 0; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(told.load(), 1);
  EXPECT_EQ(watcher.refreshes(), 1);
  watcher.Stop();
  watcher.Stop();  // idempotent
}

}  // namespace
}  // namespace amp::storage
