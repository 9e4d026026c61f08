// SqliteMetadataStore: the MetadataStore contract (metadata_store_contract_test.cc) in memory (":memory:") and on a
// real file, plus what only SQLite shows: schema migrations, data and schema surviving reopening.
#include "storage/sqlite_metadata_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/temp_dir.h"
#include "storage/metadata_store_contract.h"

namespace amp::storage {
namespace {

namespace fs = std::filesystem;
using contract::BackendParam;
using contract::ExpectSameJob;
using contract::ExpectSameVersion;
using contract::MakeDataset;
using contract::MakeJob;
using contract::MakeModel;
using contract::MakeVersion;
using contract::MetadataStoreContractTest;
using ::testing::IsEmpty;

// Each test's folder is named after this suite.
class TempDir : public core::TempDir {
 public:
  TempDir() : core::TempDir("amp_sqlite_test") { EXPECT_FALSE(path().empty()) << "cannot make a temporary folder"; }
};

// ---- The contract, in memory and on a file. ----

class SqliteMemoryBackend : public contract::MetadataStoreBackend {
 public:
  core::Result<std::unique_ptr<MetadataStore>> OpenFresh() override {
    AMP_ASSIGN_OR_RETURN(auto store, SqliteMetadataStore::Open(":memory:"));
    return std::unique_ptr<MetadataStore>(std::move(store));
  }
  core::Result<std::unique_ptr<MetadataStore>> OpenAnother() override {
    return core::FailedPrecondition("an in-memory database has one connection");
  }
};

class SqliteFileBackend : public contract::MetadataStoreBackend {
 public:
  core::Result<std::unique_ptr<MetadataStore>> OpenFresh() override { return OpenAnother(); }
  core::Result<std::unique_ptr<MetadataStore>> OpenAnother() override {
    AMP_ASSIGN_OR_RETURN(auto store, SqliteMetadataStore::Open((temp_.path() / "meta.db").string()));
    return std::unique_ptr<MetadataStore>(std::move(store));
  }

 private:
  TempDir temp_;
};

INSTANTIATE_TEST_SUITE_P(Sqlite, MetadataStoreContractTest,
                         ::testing::Values(BackendParam{"Memory",
                                                        [] { return std::make_unique<SqliteMemoryBackend>(); }},
                                           BackendParam{"File", [] { return std::make_unique<SqliteFileBackend>(); }}),
                         contract::BackendName);

TEST(SqliteMetadataStoreTest, FreshStoreIsAtTheLatestSchemaVersionAndEmpty) {
  auto opened = SqliteMetadataStore::Open(":memory:");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ((*opened)->schema_version(), SqliteMetadataStore::LatestSchemaVersion());
  EXPECT_THAT(*(*opened)->ListDatasets(), IsEmpty());
  EXPECT_THAT(*(*opened)->ListModels(), IsEmpty());
  EXPECT_THAT(*(*opened)->ListJobs(10), IsEmpty());
}

// ---- What only a file can show. ----

int CountMigrationRows(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*), MAX(version) FROM schema_migrations", -1, &stmt, nullptr),
            SQLITE_OK);
  int count = -1;
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    count = sqlite3_column_int(stmt, 0);
    EXPECT_EQ(sqlite3_column_int(stmt, 1), SqliteMetadataStore::LatestSchemaVersion());
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return count;
}

TEST(SqliteMetadataStoreFileTest, DataSurvivesReopeningAndMigrationsRunOnce) {
  TempDir temp;
  const std::string path = (temp.path() / "meta.db").string();
  VersionRecord version = MakeVersion("mdl_a", 7);
  JobRecord job = MakeJob("job_1", 9);
  {
    auto opened = SqliteMetadataStore::Open(path);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    SqliteMetadataStore& store = **opened;
    EXPECT_EQ(store.schema_version(), SqliteMetadataStore::LatestSchemaVersion());
    ASSERT_TRUE(store.PutDataset(MakeDataset("ds_1", 1)).ok());
    ASSERT_TRUE(store.CreateModel(MakeModel("mdl_a", "houses", 2)).ok());
    ASSERT_TRUE(store.AddVersion(version).ok());
    ASSERT_TRUE(store.AddVersion(version).ok());
    ASSERT_TRUE(store.PutJob(job).ok());
  }
  EXPECT_TRUE(fs::exists(path));
  EXPECT_EQ(CountMigrationRows(path), SqliteMetadataStore::LatestSchemaVersion());

  for (int reopen = 0; reopen < 2; ++reopen) {
    SCOPED_TRACE(reopen);
    auto reopened = SqliteMetadataStore::Open(path);
    ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
    SqliteMetadataStore& store = **reopened;
    EXPECT_EQ(store.schema_version(), SqliteMetadataStore::LatestSchemaVersion());
    core::Result<DatasetRecord> dataset = store.GetDataset("ds_1");
    ASSERT_TRUE(dataset.ok());
    EXPECT_EQ(dataset->summary, MakeDataset("ds_1", 1).summary);
    core::Result<ModelRecord> model = store.GetModelByName("houses");
    ASSERT_TRUE(model.ok());
    EXPECT_EQ(model->id, "mdl_a");
    core::Result<VersionRecord> latest = store.GetLatestVersion("mdl_a");
    ASSERT_TRUE(latest.ok());
    ExpectSameVersion(*latest, version, reopen == 0 ? 2 : 3);
    core::Result<JobRecord> got_job = store.GetJob("job_1");
    ASSERT_TRUE(got_job.ok());
    ExpectSameJob(*got_job, job);
    // Numbering continues where it stopped; uniqueness still holds.
    if (reopen == 0) {
      EXPECT_EQ(*store.AddVersion(version), 3);
      EXPECT_EQ(store.CreateModel(MakeModel("mdl_z", "houses", 3)).code(), core::StatusCode::kAlreadyExists);
    }
  }
  EXPECT_EQ(CountMigrationRows(path), SqliteMetadataStore::LatestSchemaVersion());
}

TEST(SqliteMetadataStoreFileTest, NewerSchemaThanTheBinaryIsRefused) {
  TempDir temp;
  const std::string path = (temp.path() / "meta.db").string();
  { ASSERT_TRUE(SqliteMetadataStore::Open(path).ok()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const std::string newer = "INSERT INTO schema_migrations(version) VALUES (" +
                            std::to_string(SqliteMetadataStore::LatestSchemaVersion() + 1) + ")";
  ASSERT_EQ(sqlite3_exec(db, newer.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto reopened = SqliteMetadataStore::Open(path);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), core::StatusCode::kFailedPrecondition) << reopened.status().ToString();
}

TEST(SqliteMetadataStoreFileTest, UnopenablePathIsAnError) {
  TempDir temp;
  auto opened = SqliteMetadataStore::Open((temp.path() / "no" / "such" / "folder" / "meta.db").string());
  EXPECT_FALSE(opened.ok());
}

TEST(SqliteMetadataStoreFileTest, NotADatabaseIsAnError) {
  TempDir temp;
  const fs::path path = temp.path() / "garbage.db";
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string(8192, 'x');
  }
  auto opened = SqliteMetadataStore::Open(path.string());
  EXPECT_FALSE(opened.ok());
}

}  // namespace
}  // namespace amp::storage
