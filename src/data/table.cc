#include "data/table.h"

#include <cassert>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <unordered_map>
#include <utility>

#include "core/text.h"
#include "data/csv_header.h"
#include "data/csv_reader.h"

namespace amp::data {
namespace {

// Lets the category dictionary be probed with a string_view, so looking up a known category allocates nothing.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

using CategoryCodes = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

// Error messages quote the offending value; a field may be a megabyte long, so only its start is shown.
std::string QuoteForMessage(std::string_view value) {
  return "\"" + core::ShortenForMessage(value, 64) + "\"";
}

core::Status ValueError(int64_t line, const std::string& column_name, std::string_view value, ColumnType type) {
  return core::InvalidArgument("line " + std::to_string(line) + ": column \"" + column_name +
                               "\": " + QuoteForMessage(value) + " is not a valid " +
                               std::string(ColumnTypeName(type)) + " value");
}

// Appends one cell to `column`. `dictionary` is the column's text -> code map (unused for number-like columns).
core::Status AppendCell(std::string_view cell, int64_t line, Column* column, CategoryCodes* dictionary) {
  const std::string_view text = TrimBlanks(cell);
  const bool missing = IsMissingValue(text);
  std::optional<double> number;
  switch (column->type) {
    case ColumnType::kCategorical: {
      if (missing) {
        column->codes.push_back(-1);
        return core::Status::Ok();
      }
      auto it = dictionary->find(text);
      if (it == dictionary->end()) {
        if (column->categories.size() >= static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
          return core::ResourceExhausted("line " + std::to_string(line) + ": column \"" + column->name +
                                         "\" has too many categories");
        }
        it = dictionary->emplace(std::string(text), static_cast<int32_t>(column->categories.size())).first;
        column->categories.emplace_back(text);
      }
      column->codes.push_back(it->second);
      return core::Status::Ok();
    }
    case ColumnType::kBoolean:
      if (!missing) {
        if (std::optional<bool> flag = ParseBoolean(text)) number = *flag ? 1.0 : 0.0;
      }
      break;
    case ColumnType::kInteger:
      if (!missing) {
        if (std::optional<int64_t> integer = ParseInteger(text)) number = static_cast<double>(*integer);
      }
      break;
    case ColumnType::kNumeric:
      if (!missing) number = ParseNumber(text);
      break;
  }
  if (missing) {
    column->numbers.push_back(std::numeric_limits<double>::quiet_NaN());
    return core::Status::Ok();
  }
  if (!number.has_value()) return ValueError(line, column->name, text, column->type);
  column->numbers.push_back(*number);
  return core::Status::Ok();
}

}  // namespace

bool Column::IsMissing(int64_t row_idx) const {
  if (type == ColumnType::kCategorical) return codes[static_cast<size_t>(row_idx)] < 0;
  return std::isnan(numbers[static_cast<size_t>(row_idx)]);
}

Table::Table(int64_t row_count, std::vector<Column> columns) : row_count_(row_count), columns_(std::move(columns)) {
  for ([[maybe_unused]] const Column& column : columns_) {
    assert(static_cast<int64_t>(column.type == ColumnType::kCategorical ? column.codes.size()
                                                                        : column.numbers.size()) == row_count_);
  }
}

int Table::FindColumn(std::string_view name) const {
  for (size_t column_idx = 0; column_idx < columns_.size(); ++column_idx) {
    if (columns_[column_idx].name == name) return static_cast<int>(column_idx);
  }
  return -1;
}

int64_t TableMemoryBytes(const Table& table) {
  auto bytes = static_cast<int64_t>(sizeof(Table));
  for (const Column& column : table.columns()) {
    bytes += static_cast<int64_t>(sizeof(Column) + column.name.capacity() +
                                  column.numbers.capacity() * sizeof(double) +
                                  column.codes.capacity() * sizeof(int32_t) +
                                  column.categories.capacity() * sizeof(std::string));
    for (const std::string& category : column.categories) bytes += static_cast<int64_t>(category.capacity());
  }
  return bytes;
}

core::Result<Table> LoadCsvTable(std::istream& input, const std::vector<ColumnSpec>& specs) {
  CsvReader reader(input);
  AMP_ASSIGN_OR_RETURN(std::vector<std::string> names, ReadCsvHeader(&reader));
  const int64_t header_line = reader.record_line();

  std::unordered_map<std::string_view, size_t> header_idx_of_name;
  for (size_t header_idx = 0; header_idx < names.size(); ++header_idx) {
    header_idx_of_name.emplace(names[header_idx], header_idx);
  }
  std::vector<size_t> source_idx(specs.size());  // spec -> field index in each record
  std::unordered_map<std::string_view, size_t> spec_idx_of_name;
  std::vector<Column> columns(specs.size());
  for (size_t spec_idx = 0; spec_idx < specs.size(); ++spec_idx) {
    const ColumnSpec& spec = specs[spec_idx];
    if (!spec_idx_of_name.emplace(spec.name, spec_idx).second) {
      return core::InvalidArgument("column \"" + spec.name + "\" is listed twice in the schema");
    }
    auto it = header_idx_of_name.find(spec.name);
    if (it == header_idx_of_name.end()) {
      return core::InvalidArgument("line " + std::to_string(header_line) + ": column \"" + spec.name +
                                   "\" is not in the header");
    }
    source_idx[spec_idx] = it->second;
    columns[spec_idx].name = spec.name;
    columns[spec_idx].type = spec.type;
  }

  std::vector<CategoryCodes> dictionaries(specs.size());
  std::vector<std::string> fields;
  int64_t row_count = 0;
  for (;;) {
    AMP_ASSIGN_OR_RETURN(bool has_record, reader.Next(&fields));
    if (!has_record) break;
    AMP_RETURN_IF_ERROR(CheckRecordWidth(reader, names.size(), fields.size()));
    for (size_t spec_idx = 0; spec_idx < specs.size(); ++spec_idx) {
      AMP_RETURN_IF_ERROR(
          AppendCell(fields[source_idx[spec_idx]], reader.record_line(), &columns[spec_idx], &dictionaries[spec_idx]));
    }
    ++row_count;
  }
  return Table(row_count, std::move(columns));
}

}  // namespace amp::data
