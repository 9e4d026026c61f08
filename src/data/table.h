// Table: a typed, columnar in-memory table loaded from CSV with a known schema; the input of training.
// Number-like columns hold doubles (NaN = missing, booleans as 0/1); categorical columns hold codes into a
// per-column dictionary (-1 = missing). Immutable after loading; safe to read from many threads.
#pragma once

#include <atomic>
#include <cmath>
#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "data/column_type.h"

namespace amp::data {

struct Column {
  std::string name;
  ColumnType type = ColumnType::kNumeric;
  std::vector<double> numbers;          // number-like columns: one per row, NaN when missing
  std::vector<int32_t> codes;           // categorical columns: one per row, -1 when missing
  std::vector<std::string> categories;  // categorical columns: code -> text (trimmed), in first-seen order

  // Inline: called per row in the training checks' loops.
  bool IsMissing(int64_t row_idx) const {
    if (type == ColumnType::kCategorical) return codes[static_cast<size_t>(row_idx)] < 0;
    return std::isnan(numbers[static_cast<size_t>(row_idx)]);
  }
};

struct ColumnSpec {
  std::string name;
  ColumnType type;
};

class Table {
 public:
  Table() = default;
  // Every column must hold row_count entries in the vector its type uses (asserted: a programmer error).
  Table(int64_t row_count, std::vector<Column> columns);

  int64_t row_count() const { return row_count_; }
  const std::vector<Column>& columns() const { return columns_; }
  const Column& column(size_t idx) const { return columns_[idx]; }
  // Index of the column named `name`, or -1.
  int FindColumn(std::string_view name) const;

 private:
  int64_t row_count_ = 0;
  std::vector<Column> columns_;
};

// Estimated memory held by `table`: its columns' vectors and category texts.
int64_t TableMemoryBytes(const Table& table);

// Loads a CSV (header row, then records) into a Table, typing each column by `specs` (matched by header name; every
// spec must be present in the header, extra CSV columns are skipped). Errors (InvalidArgument, naming the line and
// column): a value that does not parse as its column's type, a ragged record, and CsvReader's errors.
// The table's columns are in `specs` order. The header follows ReadCsvHeader's rules (names trimmed, no empty or
// duplicate names); a spec naming a column twice is also InvalidArgument. A header with no data rows gives an empty
// table (ScanCsv, which runs at upload, is the one that rejects such files).
core::Result<Table> LoadCsvTable(std::istream& input, const std::vector<ColumnSpec>& specs);

struct CsvLoadOptions {
  size_t threads = 1;                           // 0: the hardware's
  size_t min_parallel_bytes = size_t{1} << 20;  // smaller inputs are parsed on the calling thread
  size_t blocks_per_thread = 4;                 // row blocks per thread (uneven blocks then balance)
  size_t* blocks_parsed = nullptr;              // if set: the row blocks the table came from (1: one thread's parse)
  // If set, read every few thousand records of every block: once it is true the load stops with Cancelled (a
  // cancelled training job does not wait for a large file to be parsed).
  const std::atomic<bool>* cancelled = nullptr;
};

// The same table as LoadCsvTable on a stream of `bytes`, parsed in row blocks on `options.threads` threads. The
// blocks start at line breaks outside quoted fields (found by quote parity, which a file that parses correctly
// defines), each is parsed by its own CsvReader, and they are joined in file order, the category codes renumbered
// so that categories keep their first-seen order. A file with any error is parsed again on one thread, so errors
// and their line numbers are LoadCsvTable's.
core::Result<Table> LoadCsvTable(std::string_view bytes, const std::vector<ColumnSpec>& specs,
                                 const CsvLoadOptions& options);

}  // namespace amp::data
