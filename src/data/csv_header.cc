#include "data/csv_header.h"

#include <string_view>
#include <unordered_map>

#include "data/column_type.h"

namespace amp::data {
namespace {

std::string LinePrefix(int64_t line) { return "line " + std::to_string(line) + ": "; }

}  // namespace

core::Result<std::vector<std::string>> ReadCsvHeader(CsvReader* reader) {
  std::vector<std::string> names;
  AMP_ASSIGN_OR_RETURN(bool has_header, reader->Next(&names));
  if (!has_header) return core::InvalidArgument("the file is empty");
  for (size_t column_idx = 0; column_idx < names.size(); ++column_idx) {
    // Spreadsheet exports often pad names ("a, b"); the padded and unpadded spellings must not be two columns.
    names[column_idx] = std::string(TrimBlanks(names[column_idx]));
    const std::string& name = names[column_idx];
    if (name.empty()) {
      return core::InvalidArgument(LinePrefix(reader->record_line()) + "column " + std::to_string(column_idx + 1) +
                                   " of the header has an empty name");
    }
  }
  // A second loop: the map holds views into `names`, which must not be reassigned while it is in use.
  std::unordered_map<std::string_view, size_t> first_column_of_name;
  for (size_t column_idx = 0; column_idx < names.size(); ++column_idx) {
    auto [it, inserted] = first_column_of_name.emplace(names[column_idx], column_idx);
    if (!inserted) {
      return core::InvalidArgument(LinePrefix(reader->record_line()) + "duplicate column name \"" + names[column_idx] +
                                   "\" (columns " + std::to_string(it->second + 1) + " and " +
                                   std::to_string(column_idx + 1) + ")");
    }
  }
  return names;
}

core::Status CheckRecordWidth(const CsvReader& reader, size_t header_width, size_t record_width) {
  if (record_width == header_width) return core::Status::Ok();
  return core::InvalidArgument(LinePrefix(reader.record_line()) + "expected " + std::to_string(header_width) +
                               " fields, found " + std::to_string(record_width));
}

}  // namespace amp::data
