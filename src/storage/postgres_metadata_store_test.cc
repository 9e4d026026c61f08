// The MetadataStore contract against PostgresMetadataStore on a real server, plus what only PostgreSQL shows
// (migrations kept in its own table, the LISTEN connection, reconnecting after the server drops connections).
// Needs AMP_TEST_POSTGRES_URI (tests/services/postgres.sh sets it; `ctest -R services.postgres` runs these);
// without it every test here skips, so plain unit runs stay hermetic. Each test gets its own fresh schema.
#include "storage/postgres_metadata_store.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "storage/metadata_store_contract.h"

namespace amp::storage {
namespace {

using contract::BackendParam;
using contract::MakeModel;
using contract::MakeVersion;
using contract::MetadataStoreBackend;
using contract::MetadataStoreContractTest;

std::string ServerUri() {
  const char* uri = std::getenv("AMP_TEST_POSTGRES_URI");
  return uri ? uri : "";
}

// Runs one SQL command (no parameters: test setup with constant names) on a fresh connection.
::testing::AssertionResult AdminExec(const std::string& uri, const std::string& sql) {
  PGconn* conn = PQconnectdb(uri.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    return ::testing::AssertionFailure() << "cannot connect: " << message;
  }
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);  // "drop cascades to ..." is expected
  PGresult* result = PQexec(conn, sql.c_str());
  bool ok = PQresultStatus(result) == PGRES_COMMAND_OK || PQresultStatus(result) == PGRES_TUPLES_OK;
  std::string message = PQresultErrorMessage(result);
  PQclear(result);
  PQfinish(conn);
  if (!ok) return ::testing::AssertionFailure() << sql << ": " << message;
  return ::testing::AssertionSuccess();
}

// A schema of its own per test (so tests start empty and leave nothing behind), selected through libpq's
// `options` connection parameter.
class PostgresBackend : public MetadataStoreBackend {
 public:
  explicit PostgresBackend(PostgresMetadataStore::Options options = {}) : options_(options) {
    static std::atomic<int> counter{0};
    schema_ = "amp_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
  }
  ~PostgresBackend() override {
    if (created_) {
      EXPECT_TRUE(AdminExec(ServerUri(), "DROP SCHEMA " + schema_ + " CASCADE"));
    }
  }
  std::string SkipReason() override {
    return ServerUri().empty() ? "AMP_TEST_POSTGRES_URI is not set (tests/services/postgres.sh starts a server)" : "";
  }
  core::Result<std::unique_ptr<MetadataStore>> OpenFresh() override {
    if (!AdminExec(ServerUri(), "CREATE SCHEMA " + schema_)) return core::Unavailable("cannot create " + schema_);
    created_ = true;
    return OpenAnother();
  }
  core::Result<std::unique_ptr<MetadataStore>> OpenAnother() override {
    AMP_ASSIGN_OR_RETURN(auto store, PostgresMetadataStore::Open(uri(), options_));
    return std::unique_ptr<MetadataStore>(std::move(store));
  }
  std::string uri() const {
    std::string base = ServerUri();
    return base + (base.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema_;
  }
  const std::string& schema() const { return schema_; }

 private:
  PostgresMetadataStore::Options options_;
  std::string schema_;
  bool created_ = false;
};

INSTANTIATE_TEST_SUITE_P(Postgres, MetadataStoreContractTest,
                         ::testing::Values(BackendParam{"Postgres", [] { return std::make_unique<PostgresBackend>(); }},
                                           // WaitForChange's fallback: no LISTEN connection, polling only.
                                           BackendParam{"PostgresPolling",
                                                        [] {
                                                          PostgresMetadataStore::Options options;
                                                          options.listen = false;
                                                          options.pool_size = 2;
                                                          return std::make_unique<PostgresBackend>(options);
                                                        }}),
                         contract::BackendName);

// ---- What only PostgreSQL shows. ----

class PostgresMetadataStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string skip = backend_.SkipReason();
    if (!skip.empty()) GTEST_SKIP() << skip;
  }
  core::Result<std::unique_ptr<PostgresMetadataStore>> Open() { return PostgresMetadataStore::Open(backend_.uri()); }

  PostgresBackend backend_;
};

TEST_F(PostgresMetadataStoreTest, MigrationsRunOnceAndANewerSchemaIsRefused) {
  ASSERT_TRUE(backend_.OpenFresh().ok());
  {
    auto reopened = Open();
    ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
    EXPECT_EQ((*reopened)->schema_version(), PostgresMetadataStore::LatestSchemaVersion());
  }
  ASSERT_TRUE(AdminExec(backend_.uri(), "INSERT INTO amp_schema_migrations (version) VALUES (" +
                                            std::to_string(PostgresMetadataStore::LatestSchemaVersion() + 1) + ")"));
  auto refused = Open();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), core::StatusCode::kFailedPrecondition) << refused.status().ToString();
}

TEST_F(PostgresMetadataStoreTest, StoresOpeningTogetherMigrateOnce) {
  ASSERT_TRUE(AdminExec(ServerUri(), "CREATE SCHEMA " + backend_.schema()));
  std::vector<std::thread> openers;
  std::atomic<int> opened{0};
  for (int opener_idx = 0; opener_idx < 4; ++opener_idx) {
    openers.emplace_back([&] {
      auto store = Open();
      EXPECT_TRUE(store.ok()) << store.status().ToString();
      if (store.ok()) ++opened;
    });
  }
  for (auto& opener : openers) opener.join();
  EXPECT_EQ(opened.load(), 4);
  // Clean up through the backend (it drops the schema it created).
  EXPECT_TRUE(AdminExec(ServerUri(), "DROP SCHEMA " + backend_.schema() + " CASCADE"));
}

TEST_F(PostgresMetadataStoreTest, UnreachableServerIsUnavailable) {
  // A port nothing listens on: bind one and close it.
  auto opened = PostgresMetadataStore::Open("postgresql://amp:x@127.0.0.1:1/amp?connect_timeout=2");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), core::StatusCode::kUnavailable) << opened.status().ToString();
}

TEST_F(PostgresMetadataStoreTest, ReconnectsAfterTheServerDropsItsConnections) {
  auto fresh = backend_.OpenFresh();
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  auto& store = static_cast<PostgresMetadataStore&>(**fresh);
  ASSERT_TRUE(store.CreateModel(MakeModel("mdl_1", "houses", 1)).ok());
  // Wait for the listener to connect (it does so in the background).
  for (int attempt = 0; attempt < 600 && !store.listening(); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(store.listening());
  // Kill every other session of this database's user: the pooled connections and the listener.
  ASSERT_TRUE(AdminExec(ServerUri(),
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND "
                        "datname = current_database() AND usename = current_user"));
  // The pool notices the dead connection and retries on a fresh one.
  auto model = store.GetModelByName("houses");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->id, "mdl_1");
  ASSERT_TRUE(store.AddVersion(MakeVersion("mdl_1", 2)).ok());
  // The listener reconnects too, and WaitForChange keeps working meanwhile.
  int64_t before = *store.ChangeCounter();
  ASSERT_TRUE(store.SetAlias({"mdl_1", "production", 1, 3, "alice"}).ok());
  EXPECT_GT(*store.WaitForChange(before, 60000), before);
  for (int attempt = 0; attempt < 600 && !store.listening(); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(store.listening());
}

TEST_F(PostgresMetadataStoreTest, TextIsStoredVerbatimIncludingQuotesAndUnicode) {
  auto fresh = backend_.OpenFresh();
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  ModelRecord model = MakeModel("mdl_1", "h'); DROP TABLE models; -- \u00e9\u4e2d $1 $$", 1);
  model.description = "back\\slash \"quoted\" \t tab";
  ASSERT_TRUE((*fresh)->CreateModel(model).ok());
  auto got = (*fresh)->GetModelByName(model.name);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->description, model.description);
}

}  // namespace
}  // namespace amp::storage
