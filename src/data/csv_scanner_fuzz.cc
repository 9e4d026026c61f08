// libFuzzer target: the CSV reader, schema inference and the typed loader on arbitrary bytes. Any input must give
// a table or an error, never a crash, a hang or a sanitizer report.
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
  return 0;
}
