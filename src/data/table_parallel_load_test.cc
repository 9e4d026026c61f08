// LoadCsvTable on bytes in row blocks on several threads gives exactly the table (or the error) of the one-thread
// stream parse, whatever the block boundaries meet: quoted fields with commas, doubled quotes and line breaks, CRLF
// and blank lines, a byte order mark at the start and U+FEFF as data at a block's start.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <bit>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "data/table.h"

namespace amp::data {
namespace {

using ::testing::HasSubstr;

const std::vector<ColumnSpec> kSpecs = {{"label", ColumnType::kCategorical},
                                        {"x", ColumnType::kNumeric},
                                        {"n", ColumnType::kInteger},
                                        {"flag", ColumnType::kBoolean}};

core::Result<Table> Serial(const std::string& bytes) {
  std::istringstream input(bytes);
  return LoadCsvTable(input, kSpecs);
}

// Every byte boundary is a candidate: no minimum size, and many more blocks than threads. `*blocks` gets the
// number of blocks parsed (1 when it fell back to the one-thread parse).
core::Result<Table> InBlocks(const std::string& bytes, size_t blocks_per_thread = 16, size_t* blocks = nullptr) {
  return LoadCsvTable(bytes, kSpecs,
                      {.threads = 3, .min_parallel_bytes = 0, .blocks_per_thread = blocks_per_thread,
                       .blocks_parsed = blocks});
}

void ExpectSameTable(const Table& expected, const Table& actual) {
  ASSERT_EQ(expected.row_count(), actual.row_count());
  ASSERT_EQ(expected.columns().size(), actual.columns().size());
  for (size_t column_idx = 0; column_idx < expected.columns().size(); ++column_idx) {
    const Column& want = expected.column(column_idx);
    const Column& got = actual.column(column_idx);
    SCOPED_TRACE(want.name);
    EXPECT_EQ(want.name, got.name);
    EXPECT_EQ(want.type, got.type);
    EXPECT_EQ(want.codes, got.codes);
    EXPECT_EQ(want.categories, got.categories);
    ASSERT_EQ(want.numbers.size(), got.numbers.size());
    for (size_t row = 0; row < want.numbers.size(); ++row) {
      ASSERT_EQ(std::bit_cast<uint64_t>(want.numbers[row]), std::bit_cast<uint64_t>(got.numbers[row])) << row;
    }
  }
}

// A random file with the hard cases: labels quoted with commas, doubled quotes, LF and CRLF inside, U+FEFF leading
// some labels, missing values, blanks around numbers, blank lines, CRLF or LF record ends, an unselected quoted
// column, and sometimes a byte order mark.
std::string RandomCsv(std::mt19937& rng, int rows) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const std::vector<std::string> labels = {"red", "\"a, b\"", "\"say \"\"hi\"\"\"", "\"two\nlines\"",
                                           "\"crlf\r\ninside\"", "\xEF\xBB\xBFmark", "NA", "", " blue ",
                                           "\"\n\"", "green"};
  std::string out = pick(4) == 0 ? "\xEF\xBB\xBF" : "";
  const std::string header_end = pick(2) == 0 ? "\n" : "\r\n";
  out += "label,x,note,n,flag" + header_end;
  for (int row = 0; row < rows; ++row) {
    if (pick(20) == 0) out += pick(2) == 0 ? "\n" : "\r\n";  // a blank line
    out += labels[static_cast<size_t>(pick(static_cast<int>(labels.size())))] + ",";
    switch (pick(5)) {
      case 0: out += "NA"; break;
      case 1: out += ""; break;
      case 2: out += " " + std::to_string(pick(1000) - 500) + ".25 "; break;
      default: out += std::to_string(static_cast<double>(pick(1 << 20)) / 7.0); break;
    }
    out += pick(3) == 0 ? ",\"x,\"\"y\"\"\nz\"," : ",plain,";
    out += pick(6) == 0 ? "" : std::to_string(pick(100) - 50);
    out += pick(2) == 0 ? ",yes" : ",false";
    out += pick(2) == 0 ? "\n" : "\r\n";
  }
  return out;
}

TEST(TableParallelLoadTest, RandomFilesGiveTheOneThreadTable) {
  std::mt19937 rng(20261129);
  for (int file = 0; file < 60; ++file) {
    const std::string bytes = RandomCsv(rng, 1 + static_cast<int>(rng() % 400));
    SCOPED_TRACE("file " + std::to_string(file));
    core::Result<Table> serial = Serial(bytes);
    ASSERT_TRUE(serial.ok()) << serial.status().ToString();
    for (size_t blocks_per_thread : {1, 5, 64}) {
      size_t parsed = 0;
      core::Result<Table> blocks = InBlocks(bytes, blocks_per_thread, &parsed);
      ASSERT_TRUE(blocks.ok()) << blocks.status().ToString();
      ExpectSameTable(*serial, *blocks);
      if (serial->row_count() >= 100) {
        EXPECT_GE(parsed, 2u) << "a file of " << serial->row_count() << " rows was not split";
      }
    }
  }
}

TEST(TableParallelLoadTest, CategoriesKeepTheirFirstSeenOrderAcrossBlocks) {
  std::string bytes = "label,x,note,n,flag\n";
  for (int row = 0; row < 300; ++row) {
    bytes += "c" + std::to_string((row * 7) % 23) + "," + std::to_string(row) + ",,1,yes\n";
  }
  size_t parsed = 0;
  core::Result<Table> serial = Serial(bytes);
  core::Result<Table> blocks = InBlocks(bytes, 16, &parsed);
  ASSERT_TRUE(serial.ok() && blocks.ok());
  EXPECT_EQ(parsed, 48u);
  ExpectSameTable(*serial, *blocks);
  EXPECT_EQ(blocks->column(0).categories.front(), "c0");
  EXPECT_EQ(blocks->column(0).categories[1], "c7");
}

TEST(TableParallelLoadTest, ErrorsAreTheOneThreadParsesWithTheFilesLineNumbers) {
  std::string good = "label,x,note,n,flag\n";
  for (int row = 0; row < 200; ++row) good += "a," + std::to_string(row) + ",\"q\nq\",1,yes\n";
  const std::vector<std::string> bad_rows = {
      "a,not-a-number,,1,yes\n",  // a value error
      "a,1,,1\n",                 // a ragged record
      "a,1,in\"side,1,yes\n",     // a quote inside an unquoted field: the quote parity after it is off
      "a,1,\"open,1,yes\n",       // an unterminated quoted field
  };
  for (const std::string& bad : bad_rows) {
    SCOPED_TRACE(bad);
    const std::string bytes = good + bad + good.substr(good.find('\n') + 1);
    core::Result<Table> serial = Serial(bytes);
    core::Result<Table> blocks = InBlocks(bytes);
    ASSERT_FALSE(serial.ok());
    ASSERT_FALSE(blocks.ok());
    EXPECT_EQ(blocks.status().code(), serial.status().code());
    EXPECT_EQ(blocks.status().message(), serial.status().message());
    // The good rows take two lines each: the bad one starts on line 402, far into a later block.
    EXPECT_THAT(blocks.status().message(), HasSubstr("line 40"));
  }
}

TEST(TableParallelLoadTest, HeaderProblemsAndTinyFilesAreTheOneThreadParses) {
  for (const std::string& bytes : {std::string(""), std::string("\n\n"), std::string("label,x\n"),
                                   std::string("x,n\n1,2\n"), std::string("label,label\n1,2\n")}) {
    SCOPED_TRACE(bytes);
    core::Result<Table> serial = Serial(bytes);
    core::Result<Table> blocks = InBlocks(bytes);
    ASSERT_EQ(serial.ok(), blocks.ok());
    if (serial.ok()) {
      ExpectSameTable(*serial, *blocks);
    } else {
      EXPECT_EQ(serial.status().message(), blocks.status().message());
    }
  }
}

TEST(TableParallelLoadTest, ACancelledLoadStopsWithCancelledOnEveryPath) {
  std::mt19937 rng(7);
  const std::string bytes = RandomCsv(rng, 300);
  std::atomic<bool> cancelled{true};
  for (size_t threads : {1, 3}) {
    SCOPED_TRACE(threads);
    core::Result<Table> table = LoadCsvTable(bytes, kSpecs, {.threads = threads, .min_parallel_bytes = 0,
                                                             .blocks_per_thread = 4, .cancelled = &cancelled});
    ASSERT_FALSE(table.ok());
    EXPECT_EQ(table.status().code(), core::StatusCode::kCancelled) << table.status().ToString();
  }
  // A file with an error is not parsed again once cancelled either.
  const std::string bad = bytes + "a,not-a-number,,1,yes\n";
  core::Result<Table> table = LoadCsvTable(bad, kSpecs, {.threads = 3, .min_parallel_bytes = 0,
                                                         .cancelled = &cancelled});
  EXPECT_EQ(table.status().code(), core::StatusCode::kCancelled);
  cancelled = false;
  EXPECT_TRUE(LoadCsvTable(bytes, kSpecs, {.threads = 3, .min_parallel_bytes = 0, .cancelled = &cancelled}).ok());
}

TEST(TableParallelLoadTest, OneThreadOrASmallFileReadsSerially) {
  const std::string bytes = "label,x,note,n,flag\na,1,,2,yes\nb,2,,3,no\n";
  size_t one_blocks = 0;
  size_t small_blocks = 0;
  core::Result<Table> one = LoadCsvTable(bytes, kSpecs, {.threads = 1, .min_parallel_bytes = 0,
                                                         .blocks_parsed = &one_blocks});
  core::Result<Table> small = LoadCsvTable(bytes, kSpecs, {.threads = 4, .blocks_parsed = &small_blocks});
  ASSERT_TRUE(one.ok() && small.ok());
  EXPECT_EQ(one_blocks, 1u);
  EXPECT_EQ(small_blocks, 1u);
  ExpectSameTable(*Serial(bytes), *one);
  ExpectSameTable(*Serial(bytes), *small);
}

}  // namespace
}  // namespace amp::data
