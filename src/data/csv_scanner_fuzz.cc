// libFuzzer target: the CSV reader, schema inference and the typed loader on arbitrary bytes. Any input must give
// a table or an error, never a crash, a hang or a sanitizer report; and the loader in row blocks on two threads
// must give the one-thread table bit for bit.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "data/csv_scanner.h"
#include "data/table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  std::istringstream scan_input(bytes);
  auto summary = amp::data::ScanCsv(scan_input, amp::data::ScanLimits{256, 1 << 16});
  if (!summary.ok()) return 0;
  std::vector<amp::data::ColumnSpec> specs;
  for (const auto& column : summary->columns) specs.push_back({column.name, column.type});
  std::istringstream load_input(bytes);
  auto table = amp::data::LoadCsvTable(load_input, specs);
  // What the scan accepted, the loader must load with the inferred types.
  if (!table.ok()) __builtin_trap();
  auto blocks = amp::data::LoadCsvTable(bytes, specs, {.threads = 2, .min_parallel_bytes = 0, .blocks_per_thread = 8});
  if (!blocks.ok() || blocks->row_count() != table->row_count()) __builtin_trap();
  for (size_t column_idx = 0; column_idx < specs.size(); ++column_idx) {
    const amp::data::Column& one = table->column(column_idx);
    const amp::data::Column& two = blocks->column(column_idx);
    if (one.codes != two.codes || one.categories != two.categories || one.numbers.size() != two.numbers.size()) {
      __builtin_trap();
    }
    for (size_t row = 0; row < one.numbers.size(); ++row) {
      if (std::bit_cast<uint64_t>(one.numbers[row]) != std::bit_cast<uint64_t>(two.numbers[row])) __builtin_trap();
    }
  }
  return 0;
}
