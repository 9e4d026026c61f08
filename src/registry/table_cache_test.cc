#include "registry/table_cache.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace amp::registry {
namespace {

const std::vector<data::ColumnSpec> kPrice = {{"price", data::ColumnType::kNumeric}};

// A one-column numeric table of `rows` rows (about 8 bytes a row).
std::shared_ptr<const data::Table> Rows(int64_t rows) {
  data::Column column;
  column.name = "price";
  column.numbers.assign(static_cast<size_t>(rows), 1.0);
  return std::make_shared<const data::Table>(rows, std::vector<data::Column>{std::move(column)});
}

TEST(TableCacheTest, FindsWhatWasInsertedForTheSameDatasetAndColumns) {
  TableCache cache(1 << 20);
  auto table = Rows(100);
  EXPECT_EQ(cache.Find("ds_a", kPrice), nullptr);
  cache.Insert("ds_a", kPrice, table);
  EXPECT_EQ(cache.Find("ds_a", kPrice), table);
  // Another dataset, other columns, or the same column typed otherwise is another table.
  EXPECT_EQ(cache.Find("ds_b", kPrice), nullptr);
  EXPECT_EQ(cache.Find("ds_a", {{"price", data::ColumnType::kNumeric}, {"rooms", data::ColumnType::kInteger}}),
            nullptr);
  EXPECT_EQ(cache.Find("ds_a", {{"price", data::ColumnType::kCategorical}}), nullptr);
  TableCacheStats stats = cache.stats();
  EXPECT_EQ(stats.tables, 1);
  EXPECT_EQ(stats.bytes, data::TableMemoryBytes(*table));
  EXPECT_EQ(stats.hits, 1);
  EXPECT_EQ(stats.misses, 4);
}

TEST(TableCacheTest, EvictsTheLeastRecentlyUsedToStayWithinTheBudget) {
  const int64_t one = data::TableMemoryBytes(*Rows(1000));
  TableCache cache(2 * one + one / 2);  // room for two
  cache.Insert("ds_a", kPrice, Rows(1000));
  cache.Insert("ds_b", kPrice, Rows(1000));
  ASSERT_NE(cache.Find("ds_a", kPrice), nullptr);  // a is now more recent than b
  cache.Insert("ds_c", kPrice, Rows(1000));
  EXPECT_NE(cache.Find("ds_a", kPrice), nullptr);
  EXPECT_EQ(cache.Find("ds_b", kPrice), nullptr);
  EXPECT_NE(cache.Find("ds_c", kPrice), nullptr);
  EXPECT_EQ(cache.stats().evictions, 1);
  EXPECT_LE(cache.stats().bytes, cache.capacity_bytes());
}

TEST(TableCacheTest, ATableOverTheBudgetOrAZeroBudgetKeepsNothing) {
  TableCache small(1000);
  small.Insert("ds_a", kPrice, Rows(1000));  // about 8 KB
  EXPECT_EQ(small.Find("ds_a", kPrice), nullptr);
  EXPECT_EQ(small.stats().tables, 0);
  TableCache off(0);
  off.Insert("ds_a", kPrice, Rows(1));
  EXPECT_EQ(off.Find("ds_a", kPrice), nullptr);
  EXPECT_EQ(off.stats().bytes, 0);
}

TEST(TableCacheTest, InsertingTheSameKeyAgainReplacesIt) {
  TableCache cache(1 << 20);
  cache.Insert("ds_a", kPrice, Rows(10));
  auto second = Rows(20);
  cache.Insert("ds_a", kPrice, second);
  EXPECT_EQ(cache.Find("ds_a", kPrice), second);
  EXPECT_EQ(cache.stats().tables, 1);
  EXPECT_EQ(cache.stats().bytes, data::TableMemoryBytes(*second));
}

TEST(TableCacheTest, EraseDropsEveryTableOfTheDatasetOnly) {
  TableCache cache(1 << 20);
  cache.Insert("ds_a", kPrice, Rows(10));
  cache.Insert("ds_a", {{"price", data::ColumnType::kCategorical}}, Rows(10));
  cache.Insert("ds_ab", kPrice, Rows(10));  // an id that starts with the other is not the same dataset
  EXPECT_EQ(cache.DatasetIds(), (std::vector<std::string>{"ds_ab", "ds_a"}));
  cache.Erase("ds_a");
  EXPECT_EQ(cache.DatasetIds(), std::vector<std::string>{"ds_ab"});
  EXPECT_EQ(cache.Find("ds_a", kPrice), nullptr);
  EXPECT_NE(cache.Find("ds_ab", kPrice), nullptr);
  EXPECT_EQ(cache.stats().tables, 1);
  EXPECT_EQ(cache.stats().bytes, data::TableMemoryBytes(*Rows(10)));
}

TEST(TableCacheTest, AnEvictedTableStaysValidForItsHolder) {
  const int64_t one = data::TableMemoryBytes(*Rows(1000));
  TableCache cache(one);
  cache.Insert("ds_a", kPrice, Rows(1000));
  std::shared_ptr<const data::Table> held = cache.Find("ds_a", kPrice);
  cache.Insert("ds_b", kPrice, Rows(1000));
  EXPECT_EQ(cache.Find("ds_a", kPrice), nullptr);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->row_count(), 1000);
  EXPECT_EQ(held->column(0).numbers.size(), 1000u);
}

}  // namespace
}  // namespace amp::registry
