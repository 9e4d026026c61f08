// The MetadataStore contract for datasets (see metadata_store_contract.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "storage/metadata_store_contract.h"

namespace amp::storage::contract {
namespace {

using ::testing::ElementsAre;

// Datasets.

TEST_P(MetadataStoreContractTest, DatasetRoundTripsWithColumnSummaries) {
  DatasetRecord record = MakeDataset("ds_1", 100);
  ASSERT_TRUE(store().PutDataset(record).ok());
  core::Result<DatasetRecord> got = store().GetDataset("ds_1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->id, record.id);
  EXPECT_EQ(got->name, record.name);
  EXPECT_EQ(got->created_at_micros, record.created_at_micros);
  EXPECT_EQ(got->size_bytes, record.size_bytes);
  EXPECT_EQ(got->sha256, record.sha256);
  EXPECT_EQ(got->artifact_key, record.artifact_key);
  EXPECT_EQ(got->summary.row_count, 42);
  ASSERT_EQ(got->summary.columns.size(), 4u);
  EXPECT_EQ(got->summary, record.summary);  // every field, optional stats and top values included
  EXPECT_FALSE(got->summary.columns[2].mean.has_value());
  EXPECT_TRUE(got->summary.columns[1].distinct_capped);
  EXPECT_THAT(got->summary.columns[1].top_values,
              ElementsAre(data::ValueCount{"Paris", 20}, data::ValueCount{"O'Hare; \"x\"", 3}));
}

TEST_P(MetadataStoreContractTest, DatasetWithNoColumnsRoundTrips) {
  DatasetRecord record = MakeDataset("ds_empty", 1);
  record.summary = {};
  ASSERT_TRUE(store().PutDataset(record).ok());
  core::Result<DatasetRecord> got = store().GetDataset("ds_empty");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->summary, record.summary);
}

// A profile whose statistics overflowed must not make the dataset (or the whole listing) unreadable.
TEST_P(MetadataStoreContractTest, DatasetWithNonFiniteStatsStaysReadable) {
  DatasetRecord record = MakeDataset("ds_inf", 1);
  record.summary.columns[0].mean = std::numeric_limits<double>::infinity();
  record.summary.columns[0].stddev = std::nan("");
  ASSERT_TRUE(store().PutDataset(record).ok());
  ASSERT_TRUE(store().PutDataset(MakeDataset("ds_fine", 2)).ok());
  core::Result<DatasetRecord> got = store().GetDataset("ds_inf");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->summary.columns[0].mean, std::numeric_limits<double>::infinity());
  ASSERT_TRUE(got->summary.columns[0].stddev.has_value());
  EXPECT_TRUE(std::isnan(*got->summary.columns[0].stddev));
  core::Result<std::vector<DatasetRecord>> all = store().ListDatasets();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->size(), 2u);
}

TEST_P(MetadataStoreContractTest, DuplicateDatasetIdIsAlreadyExists) {
  ASSERT_TRUE(store().PutDataset(MakeDataset("ds_1", 1)).ok());
  DatasetRecord again = MakeDataset("ds_1", 2);
  again.name = "other";
  core::Status status = store().PutDataset(again);
  EXPECT_EQ(status.code(), core::StatusCode::kAlreadyExists) << status.ToString();
  EXPECT_EQ(store().GetDataset("ds_1")->created_at_micros, 1);  // the first record is untouched
}

TEST_P(MetadataStoreContractTest, MissingDatasetIsNotFound) {
  EXPECT_EQ(store().GetDataset("ds_nope").status().code(), core::StatusCode::kNotFound);
}

TEST_P(MetadataStoreContractTest, ListDatasetsIsOldestFirst) {
  ASSERT_TRUE(store().PutDataset(MakeDataset("ds_b", 200)).ok());
  ASSERT_TRUE(store().PutDataset(MakeDataset("ds_a", 300)).ok());
  ASSERT_TRUE(store().PutDataset(MakeDataset("ds_c", 100)).ok());
  core::Result<std::vector<DatasetRecord>> all = store().ListDatasets();
  ASSERT_TRUE(all.ok());
  std::vector<std::string> ids;
  for (const DatasetRecord& record : *all) ids.push_back(record.id);
  EXPECT_THAT(ids, ElementsAre("ds_c", "ds_b", "ds_a"));
  EXPECT_EQ((*all)[0].summary, MakeDataset("ds_c", 100).summary);
}

}  // namespace
}  // namespace amp::storage::contract
