// CsvHeader: the rules for a CSV file's header row (trimmed, non-empty, unique column names) and for the width of
// every record after it, shared by ScanCsv and LoadCsvTable so the two agree on which files they accept.
// Pure apart from reading through the given CsvReader; thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "data/csv_reader.h"

namespace amp::data {

// Reads the first record as the header and returns its column names, trimmed of blanks. Errors (InvalidArgument):
// an empty input ("the file is empty"), an empty or duplicate name ("line 1: ..."), and CsvReader's errors.
core::Result<std::vector<std::string>> ReadCsvHeader(CsvReader* reader);

// InvalidArgument "line N: expected W fields, found F" unless the record `reader` just returned has the header's
// width.
core::Status CheckRecordWidth(const CsvReader& reader, size_t header_width, size_t record_width);

}  // namespace amp::data
