#include "registry/dataset_catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/id.h"
#include "core/temp_dir.h"
#include "storage/fault_injecting_artifact_store.h"
#include "storage/fault_injecting_metadata_store.h"
#include "storage/in_memory_artifact_store.h"
#include "storage/local_artifact_store.h"
#include "storage/sha256.h"
#include "storage/sqlite_metadata_store.h"

namespace amp::registry {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Each test's folder is named after this suite.
class TempDir : public core::TempDir {
 public:
  TempDir() : core::TempDir("amp_catalog_test") { EXPECT_FALSE(path().empty()) << "cannot make a temporary folder"; }
};

constexpr std::string_view kCsv =
    "area,rooms,garden,city,price\n"
    "50.5,2,yes,Paris,100\n"
    "70,3,no,Lyon,150.5\n"
    "NA,4,yes,Paris,\n"
    "30.25,1,no,,80\n";

// The catalog over an in-memory metadata store and, by parameter, an in-memory or an on-disk artifact store; both
// sit behind a fault-injecting store.
enum class Artifacts { kInMemory, kLocal };
// How gtest prints the parameter (in test names, --gtest_list_tests and failures), not the enum's bytes.
void PrintTo(Artifacts artifacts, std::ostream* out) {
  *out << (artifacts == Artifacts::kInMemory ? "InMemory" : "Local");
}

class DatasetCatalogTest : public testing::TestWithParam<Artifacts> {
 protected:
  void SetUp() override {
    auto opened = storage::SqliteMetadataStore::Open(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    sqlite_ = std::move(opened).value();
    metadata_ = std::make_unique<storage::FaultInjectingMetadataStore>(*sqlite_);
    if (GetParam() == Artifacts::kInMemory) {
      inner_ = std::make_unique<storage::InMemoryArtifactStore>();
    } else {
      auto local = storage::LocalArtifactStore::Open(temp_.path() / "artifacts");
      ASSERT_TRUE(local.ok()) << local.status().ToString();
      inner_ = std::move(local).value();
    }
    faulty_ = std::make_unique<storage::FaultInjectingArtifactStore>(*inner_);
    catalog_ = std::make_unique<DatasetCatalog>(*metadata_, *faulty_, clock_);
  }

  // Writes an upload to a fresh file, as the HTTP layer would, and returns its path.
  fs::path Upload(std::string_view bytes) {
    fs::path path = temp_.path() / ("upload-" + std::to_string(upload_count_++) + ".csv");
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  bool NothingRecorded() {
    auto listed = catalog_->List();
    return listed.ok() && listed->empty();
  }

  // True if no object is stored under "datasets/" (the catalog's prefix).
  bool NoDatasetArtifacts() {
    if (GetParam() == Artifacts::kInMemory) {
      return static_cast<storage::InMemoryArtifactStore&>(*inner_).size() == 0;
    }
    fs::path folder = temp_.path() / "artifacts" / "datasets";
    return !fs::exists(folder) || fs::is_empty(folder);
  }

  TempDir temp_;
  int upload_count_ = 0;
  std::unique_ptr<storage::SqliteMetadataStore> sqlite_;
  std::unique_ptr<storage::FaultInjectingMetadataStore> metadata_;
  std::unique_ptr<storage::ArtifactStore> inner_;
  std::unique_ptr<storage::FaultInjectingArtifactStore> faulty_;
  core::FakeClock clock_;
  std::unique_ptr<DatasetCatalog> catalog_;
};

INSTANTIATE_TEST_SUITE_P(Stores, DatasetCatalogTest, testing::Values(Artifacts::kInMemory, Artifacts::kLocal),
                         [](const testing::TestParamInfo<Artifacts>& info) {
                           return testing::PrintToString(info.param);
                         });

TEST_P(DatasetCatalogTest, IngestRecordsSummaryChecksumAndSize) {
  fs::path upload = Upload(kCsv);
  core::Result<storage::DatasetRecord> record = catalog_->Ingest("houses", upload);
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  EXPECT_FALSE(fs::exists(upload)) << "the upload was not consumed";

  EXPECT_TRUE(core::LooksLikeId(record->id, "ds")) << record->id;
  EXPECT_EQ(record->name, "houses");
  EXPECT_EQ(record->created_at_micros, clock_.NowMicros());
  EXPECT_EQ(record->size_bytes, static_cast<int64_t>(kCsv.size()));
  EXPECT_EQ(record->sha256, storage::Sha256Hex(kCsv));
  EXPECT_EQ(record->artifact_key, "datasets/" + record->id + ".csv");

  const data::TableSummary& summary = record->summary;
  EXPECT_EQ(summary.row_count, 4);
  ASSERT_EQ(summary.columns.size(), 5u);
  EXPECT_EQ(summary.columns[0].name, "area");
  EXPECT_EQ(summary.columns[0].type, data::ColumnType::kNumeric);
  EXPECT_EQ(summary.columns[0].missing_count, 1);
  EXPECT_EQ(summary.columns[0].min, 30.25);
  EXPECT_EQ(summary.columns[0].max, 70);
  EXPECT_EQ(summary.columns[1].type, data::ColumnType::kInteger);
  EXPECT_EQ(summary.columns[2].type, data::ColumnType::kBoolean);
  EXPECT_EQ(summary.columns[3].type, data::ColumnType::kCategorical);
  EXPECT_EQ(summary.columns[3].missing_count, 1);
  EXPECT_THAT(summary.columns[3].top_values, ElementsAre(data::ValueCount{"Paris", 2}, data::ValueCount{"Lyon", 1}));
  EXPECT_EQ(summary.columns[4].name, "price");
  EXPECT_EQ(summary.columns[4].missing_count, 1);

  // The stored bytes are the upload's bytes.
  core::Result<std::string> stored = inner_->Get(record->artifact_key);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(*stored, kCsv);
}

TEST_P(DatasetCatalogTest, UploadsOverTheCallersLimitsAreRefusedAndLeaveNothing) {
  fs::path too_big = Upload(kCsv);
  auto refused = catalog_->Ingest("houses", too_big, IngestLimits{static_cast<int64_t>(kCsv.size()) - 1, 0});
  EXPECT_EQ(refused.status().code(), core::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.status().message(), HasSubstr("limit of " + std::to_string(kCsv.size() - 1) + " bytes"));
  EXPECT_FALSE(fs::exists(too_big));

  fs::path too_long = Upload(kCsv);
  refused = catalog_->Ingest("houses", too_long, IngestLimits{0, 3});
  EXPECT_EQ(refused.status().code(), core::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.status().message(), HasSubstr("4 rows, over this API key's limit of 3 rows"));
  EXPECT_FALSE(fs::exists(too_long));
  EXPECT_TRUE(NothingRecorded());
  EXPECT_TRUE(NoDatasetArtifacts());

  // At the limits exactly, the upload is taken.
  auto taken = catalog_->Ingest("houses", Upload(kCsv), IngestLimits{static_cast<int64_t>(kCsv.size()), 4});
  EXPECT_TRUE(taken.ok()) << taken.status().ToString();
}

TEST_P(DatasetCatalogTest, IngestedDatasetReadsBackFromTheCatalog) {
  core::Result<storage::DatasetRecord> record = catalog_->Ingest("houses", Upload(kCsv));
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  core::Result<storage::DatasetRecord> got = catalog_->Get(record->id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->id, record->id);
  EXPECT_EQ(got->name, record->name);
  EXPECT_EQ(got->sha256, record->sha256);
  EXPECT_EQ(got->size_bytes, record->size_bytes);
  EXPECT_EQ(got->artifact_key, record->artifact_key);
  EXPECT_EQ(got->summary, record->summary);  // the profile survives the metadata store exactly

  clock_.AdvanceMicros(10);
  core::Result<storage::DatasetRecord> second = catalog_->Ingest("houses", Upload(kCsv));  // names may repeat
  ASSERT_TRUE(second.ok());
  EXPECT_NE(second->id, record->id);
  core::Result<std::vector<storage::DatasetRecord>> all = catalog_->List();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, record->id);
  EXPECT_EQ((*all)[1].id, second->id);
  EXPECT_EQ(catalog_->Get("ds_0000000000000000").status().code(), core::StatusCode::kNotFound);
}

TEST_P(DatasetCatalogTest, LoadTableReturnsTypedColumns) {
  core::Result<storage::DatasetRecord> record = catalog_->Ingest("houses", Upload(kCsv));
  ASSERT_TRUE(record.ok());
  core::Result<LoadedTable> table = catalog_->LoadTable(*record, {{"price", data::ColumnType::kNumeric},
                                                                  {"city", data::ColumnType::kCategorical},
                                                                  {"garden", data::ColumnType::kBoolean},
                                                                  {"rooms", data::ColumnType::kInteger}});
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_FALSE(table->from_cache);
  const data::Table& loaded = *table->table;
  EXPECT_EQ(loaded.row_count(), 4);
  ASSERT_EQ(loaded.columns().size(), 4u);

  const data::Column& price = loaded.column(0);
  EXPECT_EQ(price.name, "price");
  ASSERT_EQ(price.numbers.size(), 4u);
  EXPECT_EQ(price.numbers[0], 100);
  EXPECT_EQ(price.numbers[1], 150.5);
  EXPECT_TRUE(std::isnan(price.numbers[2]));
  EXPECT_EQ(price.numbers[3], 80);

  const data::Column& city = loaded.column(1);
  EXPECT_EQ(city.type, data::ColumnType::kCategorical);
  EXPECT_THAT(city.categories, ElementsAre("Paris", "Lyon"));
  EXPECT_THAT(city.codes, ElementsAre(0, 1, 0, -1));

  EXPECT_THAT(loaded.column(2).numbers, ElementsAre(1.0, 0.0, 1.0, 0.0));
  EXPECT_THAT(loaded.column(3).numbers, ElementsAre(2.0, 3.0, 4.0, 1.0));
}

// With a cache budget, a second load of the same columns does not read the stored file again (a corrupting store
// would fail it), other columns do, and deleting the dataset forgets its tables.
TEST_P(DatasetCatalogTest, ASecondLoadOfTheSameColumnsComesFromTheCache) {
  DatasetCatalog cached(*metadata_, *faulty_, clock_, {.table_cache_bytes = 1 << 20});
  core::Result<storage::DatasetRecord> record = cached.Ingest("houses", Upload(kCsv));
  ASSERT_TRUE(record.ok());
  const std::vector<data::ColumnSpec> price = {{"price", data::ColumnType::kNumeric}};
  core::Result<LoadedTable> first = cached.LoadTable(*record, price);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->from_cache);

  faulty_->CorruptReads(true);
  core::Result<LoadedTable> second = cached.LoadTable(*record, price);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(second->from_cache);
  EXPECT_EQ(second->table, first->table);
  EXPECT_EQ(cached.LoadTable(*record, {{"rooms", data::ColumnType::kInteger}}).status().code(),
            core::StatusCode::kDataLoss)
      << "other columns are read from the store again";
  faulty_->CorruptReads(false);
  EXPECT_EQ(cached.table_cache().stats().hits, 1);
  EXPECT_EQ(cached.table_cache().stats().tables, 1);

  ASSERT_TRUE(cached.Delete(record->id).ok());
  EXPECT_EQ(cached.table_cache().stats().tables, 0);
  EXPECT_EQ(cached.table_cache().stats().bytes, 0);
}

// Two processes sharing the store: a dataset deleted through one leaves the other's cache at its next load.
TEST_P(DatasetCatalogTest, ADatasetDeletedElsewhereLeavesTheCacheAtTheNextLoad) {
  DatasetCatalog trainer(*metadata_, *faulty_, clock_, {.table_cache_bytes = 1 << 20});
  core::Result<storage::DatasetRecord> deleted = catalog_->Ingest("houses", Upload(kCsv));
  core::Result<storage::DatasetRecord> kept = catalog_->Ingest("flats", Upload(kCsv));
  ASSERT_TRUE(deleted.ok() && kept.ok());
  ASSERT_TRUE(trainer.LoadTable(*deleted, {{"price", data::ColumnType::kNumeric}}).ok());
  ASSERT_TRUE(catalog_->Delete(deleted->id).ok());
  EXPECT_EQ(trainer.table_cache().stats().tables, 1);  // the other process cannot know yet

  ASSERT_TRUE(trainer.LoadTable(*kept, {{"price", data::ColumnType::kNumeric}}).ok());
  EXPECT_EQ(trainer.table_cache().DatasetIds(), std::vector<std::string>{kept->id});
}

TEST_P(DatasetCatalogTest, ACancelledLoadIsCancelledAndKeepsNothing) {
  DatasetCatalog cached(*metadata_, *faulty_, clock_, {.table_cache_bytes = 1 << 20});
  core::Result<storage::DatasetRecord> record = cached.Ingest("houses", Upload(kCsv));
  ASSERT_TRUE(record.ok());
  std::atomic<bool> cancelled{true};
  core::Result<LoadedTable> table = cached.LoadTable(*record, {{"price", data::ColumnType::kNumeric}}, 2, &cancelled);
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), core::StatusCode::kCancelled);
  EXPECT_EQ(cached.table_cache().stats().tables, 0);
}

TEST_P(DatasetCatalogTest, WithoutACacheBudgetEveryLoadReadsTheStore) {
  core::Result<storage::DatasetRecord> record = catalog_->Ingest("houses", Upload(kCsv));
  ASSERT_TRUE(record.ok());
  ASSERT_TRUE(catalog_->LoadTable(*record, {{"price", data::ColumnType::kNumeric}}).ok());
  faulty_->CorruptReads(true);
  EXPECT_EQ(catalog_->LoadTable(*record, {{"price", data::ColumnType::kNumeric}}).status().code(),
            core::StatusCode::kDataLoss);
  faulty_->CorruptReads(false);
  EXPECT_EQ(catalog_->table_cache().stats().tables, 0);
}

TEST_P(DatasetCatalogTest, LoadTableOfAnUnknownColumnIsInvalidArgument) {
  core::Result<storage::DatasetRecord> record = catalog_->Ingest("houses", Upload(kCsv));
  ASSERT_TRUE(record.ok());
  core::Result<LoadedTable> table = catalog_->LoadTable(*record, {{"nope", data::ColumnType::kNumeric}});
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), core::StatusCode::kInvalidArgument);
}

TEST_P(DatasetCatalogTest, RaggedCsvIsInvalidArgumentNamingTheLineAndRecordsNothing) {
  fs::path upload = Upload("a,b,c\n1,2,3\n4,5\n6,7,8\n");
  core::Result<storage::DatasetRecord> record = catalog_->Ingest("ragged", upload);
  ASSERT_FALSE(record.ok());
  EXPECT_EQ(record.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_THAT(record.status().message(), HasSubstr("line 3"));
  EXPECT_FALSE(fs::exists(upload)) << "a rejected upload must not be left behind";
  EXPECT_TRUE(NothingRecorded());
  EXPECT_TRUE(NoDatasetArtifacts());
}

TEST_P(DatasetCatalogTest, UnreadableCsvsAreRejectedAndConsumed) {
  for (std::string_view bytes : {std::string_view(""), std::string_view("a,b\n"), std::string_view("a,a\n1,2\n"),
                                 std::string_view("a,b\n\"unterminated,2\n")}) {
    SCOPED_TRACE(bytes);
    fs::path upload = Upload(bytes);
    core::Result<storage::DatasetRecord> record = catalog_->Ingest("bad", upload);
    ASSERT_FALSE(record.ok());
    EXPECT_EQ(record.status().code(), core::StatusCode::kInvalidArgument) << record.status().ToString();
    EXPECT_FALSE(fs::exists(upload));
  }
  EXPECT_TRUE(NothingRecorded());
  EXPECT_TRUE(NoDatasetArtifacts());
}

TEST_P(DatasetCatalogTest, MissingUploadIsAnError) {
  core::Result<storage::DatasetRecord> record = catalog_->Ingest("houses", temp_.path() / "never-written.csv");
  EXPECT_FALSE(record.ok());
  EXPECT_TRUE(NothingRecorded());
}

TEST_P(DatasetCatalogTest, BadNameIsRejectedAndTheUploadConsumed) {
  for (const std::string& name : {std::string("../x"), std::string("a/b"), std::string(""), std::string(200, 'n'),
                                  std::string(".."), std::string("with space")}) {
    SCOPED_TRACE(name);
    fs::path upload = Upload(kCsv);
    core::Result<storage::DatasetRecord> record = catalog_->Ingest(name, upload);
    ASSERT_FALSE(record.ok());
    EXPECT_EQ(record.status().code(), core::StatusCode::kInvalidArgument);
    EXPECT_FALSE(fs::exists(upload));
  }
  EXPECT_TRUE(NothingRecorded());
  EXPECT_TRUE(NoDatasetArtifacts());
}

TEST_P(DatasetCatalogTest, FailedArtifactWriteRecordsNothingAndConsumesTheUpload) {
  faulty_->FailNthWrite(1);
  fs::path upload = Upload(kCsv);
  core::Result<storage::DatasetRecord> record = catalog_->Ingest("houses", upload);
  ASSERT_FALSE(record.ok());
  EXPECT_THAT(record.status().message(), HasSubstr("storing the dataset"));
  EXPECT_FALSE(fs::exists(upload));
  EXPECT_TRUE(NothingRecorded());
  EXPECT_TRUE(NoDatasetArtifacts());
}

TEST_P(DatasetCatalogTest, FailedRecordDeletesTheStoredFile) {
  metadata_->FailWrites(storage::FaultInjectingMetadataStore::Write::kPutDataset, true);
  fs::path upload = Upload(kCsv);
  core::Result<storage::DatasetRecord> record = catalog_->Ingest("houses", upload);
  ASSERT_FALSE(record.ok());
  EXPECT_FALSE(fs::exists(upload));
  EXPECT_TRUE(NothingRecorded());
  EXPECT_TRUE(NoDatasetArtifacts());
}

TEST_P(DatasetCatalogTest, CorruptStoredBytesAreDataLoss) {
  core::Result<storage::DatasetRecord> record = catalog_->Ingest("houses", Upload(kCsv));
  ASSERT_TRUE(record.ok());
  faulty_->CorruptReads(true);
  core::Result<LoadedTable> table = catalog_->LoadTable(*record, {{"price", data::ColumnType::kNumeric}});
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), core::StatusCode::kDataLoss) << table.status().ToString();
  faulty_->CorruptReads(false);
  EXPECT_TRUE(catalog_->LoadTable(*record, {{"price", data::ColumnType::kNumeric}}).ok());
}

TEST_P(DatasetCatalogTest, TornStoredFileIsDataLoss) {
  faulty_->ShortenWrites(true);
  core::Result<storage::DatasetRecord> record = catalog_->Ingest("houses", Upload(kCsv));
  ASSERT_TRUE(record.ok()) << record.status().ToString();  // the store lied about the write
  faulty_->ShortenWrites(false);
  core::Result<LoadedTable> table = catalog_->LoadTable(*record, {{"price", data::ColumnType::kNumeric}});
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), core::StatusCode::kDataLoss);
}

TEST_P(DatasetCatalogTest, MissingStoredFileIsNotFound) {
  core::Result<storage::DatasetRecord> record = catalog_->Ingest("houses", Upload(kCsv));
  ASSERT_TRUE(record.ok());
  ASSERT_TRUE(inner_->Delete(record->artifact_key).ok());
  EXPECT_EQ(catalog_->LoadTable(*record, {{"price", data::ColumnType::kNumeric}}).status().code(),
            core::StatusCode::kNotFound);
}

// A column whose statistics overflow must not make the dataset unreadable afterwards.
TEST_P(DatasetCatalogTest, OverflowingColumnStatsStayReadable) {
  core::Result<storage::DatasetRecord> record = catalog_->Ingest("huge", Upload("x\n1e308\n-1e308\n1e308\n"));
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  core::Result<storage::DatasetRecord> got = catalog_->Get(record->id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->summary.columns[0].max, 1e308);
  core::Result<std::vector<storage::DatasetRecord>> all = catalog_->List();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->size(), 1u);
}

// ---- ValidateDatasetName: a pure rule, tested with a table. ----

struct NameCase {
  std::string label;
  std::string name;
  bool valid;
};
// How gtest prints a case (in --gtest_list_tests and failures): its label and name, not the struct's bytes.
void PrintTo(const NameCase& name_case, std::ostream* out) {
  *out << name_case.label << ": " << testing::PrintToString(name_case.name)
       << (name_case.valid ? " valid" : " invalid");
}

class ValidateDatasetNameTest : public testing::TestWithParam<NameCase> {};

TEST_P(ValidateDatasetNameTest, Decides) {
  core::Status status = ValidateDatasetName(GetParam().name);
  if (GetParam().valid) {
    EXPECT_TRUE(status.ok()) << status.ToString();
  } else {
    EXPECT_EQ(status.code(), core::StatusCode::kInvalidArgument) << "'" << GetParam().name << "' was accepted";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, ValidateDatasetNameTest,
    testing::Values(NameCase{"Simple", "houses", true}, NameCase{"WithExtension", "houses.csv", true},
                    NameCase{"Punctuation", "a-b_c.d", true}, NameCase{"Digits", "2024", true},
                    NameCase{"LeadingDot", ".hidden", true}, NameCase{"Max128", std::string(128, 'd'), true},
                    NameCase{"Traversal", "../x", false}, NameCase{"Slash", "a/b", false}, NameCase{"Empty", "", false},
                    NameCase{"TooLong129", std::string(129, 'd'), false},
                    NameCase{"TooLong200", std::string(200, 'd'), false}, NameCase{"Dot", ".", false},
                    NameCase{"DotDot", "..", false}, NameCase{"Space", "a b", false},
                    NameCase{"Backslash", "a\\b", false}, NameCase{"Quote", "a'b", false},
                    NameCase{"Nul", std::string("a\0b", 3), false}, NameCase{"NonAscii", "caf\xc3\xa9", false}),
    [](const testing::TestParamInfo<NameCase>& info) { return info.param.label; });

}  // namespace
}  // namespace amp::registry
