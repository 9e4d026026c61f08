// ScanCsv: one streaming pass over a CSV file with a header row that infers each column's type and profile.
// Used when a dataset is uploaded. Pure apart from reading the stream; thread-compatible.
#pragma once

#include <istream>

#include "core/status.h"
#include "data/table_summary.h"

namespace amp::data {

struct ScanLimits {
  int64_t max_columns = 10000;
  int64_t max_field_bytes = 1 << 20;
};

// Reads the header and all records. Errors (InvalidArgument, naming the line): an empty input ("the file is
// empty"), a header with an empty or duplicate column name, a record whose field count differs from the header's
// ("line 7: expected 5 fields, found 4"), no data rows, and everything CsvReader rejects. A record with more than
// max_columns fields or a field longer than max_field_bytes is ResourceExhausted ("line N: ..."), found while
// reading, so memory stays bounded by the limits. Header names are trimmed of blanks.
core::Result<TableSummary> ScanCsv(std::istream& input, const ScanLimits& limits = {});

}  // namespace amp::data
