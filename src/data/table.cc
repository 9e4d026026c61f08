#include "data/table.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <streambuf>
#include <unordered_map>
#include <utility>

#include "core/parallel_for.h"
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

namespace {

// Where each spec's values are in a record, read from the header.
struct CsvLayout {
  size_t header_width = 0;
  std::vector<size_t> source_idx;  // spec -> field index in each record
  std::vector<Column> columns;     // named and typed, no values
};

core::Result<CsvLayout> ReadLayout(CsvReader& reader, const std::vector<ColumnSpec>& specs) {
  AMP_ASSIGN_OR_RETURN(std::vector<std::string> names, ReadCsvHeader(&reader));
  const int64_t header_line = reader.record_line();
  CsvLayout layout;
  layout.header_width = names.size();
  std::unordered_map<std::string_view, size_t> header_idx_of_name;
  for (size_t header_idx = 0; header_idx < names.size(); ++header_idx) {
    header_idx_of_name.emplace(names[header_idx], header_idx);
  }
  layout.source_idx.resize(specs.size());
  layout.columns.resize(specs.size());
  std::unordered_map<std::string_view, size_t> spec_idx_of_name;
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
    layout.source_idx[spec_idx] = it->second;
    layout.columns[spec_idx].name = spec.name;
    layout.columns[spec_idx].type = spec.type;
  }
  return layout;
}

// Records between two looks at a cancel flag: a few milliseconds of parsing.
constexpr int64_t kRecordsPerCancelCheck = 4096;

core::Status LoadCancelled() { return core::Cancelled("loading the table was cancelled"); }

// Appends the rest of `reader`'s records to `columns` (categories numbered through `dictionaries`); returns how
// many. Cancelled once `*cancelled` (if set) is true.
core::Result<int64_t> AppendRecords(CsvReader& reader, const CsvLayout& layout, std::vector<Column>* columns,
                                    std::vector<CategoryCodes>* dictionaries,
                                    const std::atomic<bool>* cancelled = nullptr) {
  std::vector<std::string> fields;
  int64_t row_count = 0;
  for (;;) {
    if (cancelled != nullptr && row_count % kRecordsPerCancelCheck == 0 && cancelled->load()) return LoadCancelled();
    AMP_ASSIGN_OR_RETURN(bool has_record, reader.Next(&fields));
    if (!has_record) break;
    AMP_RETURN_IF_ERROR(CheckRecordWidth(reader, layout.header_width, fields.size()));
    for (size_t spec_idx = 0; spec_idx < columns->size(); ++spec_idx) {
      AMP_RETURN_IF_ERROR(AppendCell(fields[layout.source_idx[spec_idx]], reader.record_line(),
                                     &(*columns)[spec_idx], &(*dictionaries)[spec_idx]));
    }
    ++row_count;
  }
  return row_count;
}

// An istream over bytes in memory, without copying them.
class MemoryStreambuf : public std::streambuf {
 public:
  explicit MemoryStreambuf(std::string_view bytes) {
    char* begin = const_cast<char*>(bytes.data());  // only read: the get area is never written
    setg(begin, begin, begin + bytes.size());
  }
};

// Offsets 0 = cut[0] < cut[1] < ... < cut[k] = size that split `bytes` into about `blocks` parts, each cut just
// after a line feed outside quoted fields: a line feed after an even number of quotes ends a record (or a blank
// line), since a correct file has quotes only in quoted fields, an even number in each. The quotes and line feeds
// are found with memchr.
std::vector<size_t> RecordCuts(std::string_view bytes, size_t blocks) {
  const char* data = bytes.data();
  const size_t size = bytes.size();
  std::vector<size_t> cuts = {0};
  size_t pos = 0;      // everything before pos has been read
  bool quoted = false;  // an odd number of quotes before pos
  auto flip_quotes = [&](size_t end) {  // reads [pos, end)
    while (pos < end) {
      const void* quote = std::memchr(data + pos, '"', end - pos);
      if (quote == nullptr) break;
      quoted = !quoted;
      pos = static_cast<size_t>(static_cast<const char*>(quote) - data) + 1;
    }
    pos = end;
  };
  for (size_t block = 1; block < blocks; ++block) {
    const size_t target = size / blocks * block;
    if (target <= pos) continue;
    flip_quotes(target);
    size_t cut = 0;
    while (pos < size) {
      const void* feed = std::memchr(data + pos, '\n', size - pos);
      if (feed == nullptr) break;
      const auto after = static_cast<size_t>(static_cast<const char*>(feed) - data) + 1;
      flip_quotes(after);
      if (!quoted) {
        cut = after;
        break;
      }
    }
    if (cut == 0 || cut >= size) break;
    cuts.push_back(cut);
  }
  cuts.push_back(size);
  return cuts;
}

struct Block {
  std::vector<Column> columns;
  std::vector<CategoryCodes> dictionaries;
  int64_t rows = 0;
  core::Status status;
};

// Appends `block`'s values to `columns`, renumbering its categories into `dictionaries` (first-seen order kept:
// this block's new categories follow the earlier blocks', in the order it met them). False when a column would
// get more categories than codes can number.
bool JoinBlock(const Block& block, std::vector<Column>* columns, std::vector<CategoryCodes>* dictionaries) {
  for (size_t column_idx = 0; column_idx < columns->size(); ++column_idx) {
    Column& into = (*columns)[column_idx];
    const Column& from = block.columns[column_idx];
    if (into.type != ColumnType::kCategorical) {
      into.numbers.insert(into.numbers.end(), from.numbers.begin(), from.numbers.end());
      continue;
    }
    CategoryCodes& dictionary = (*dictionaries)[column_idx];
    std::vector<int32_t> renumbered(from.categories.size());
    for (size_t code = 0; code < from.categories.size(); ++code) {
      auto it = dictionary.find(std::string_view(from.categories[code]));
      if (it == dictionary.end()) {
        if (into.categories.size() >= static_cast<size_t>(std::numeric_limits<int32_t>::max())) return false;
        it = dictionary.emplace(from.categories[code], static_cast<int32_t>(into.categories.size())).first;
        into.categories.push_back(from.categories[code]);
      }
      renumbered[code] = it->second;
    }
    into.codes.reserve(into.codes.size() + from.codes.size());
    for (int32_t code : from.codes) into.codes.push_back(code < 0 ? code : renumbered[static_cast<size_t>(code)]);
  }
  return true;
}

core::Result<Table> LoadSerially(std::istream& input, const std::vector<ColumnSpec>& specs,
                                 const std::atomic<bool>* cancelled) {
  CsvReader reader(input);
  AMP_ASSIGN_OR_RETURN(CsvLayout layout, ReadLayout(reader, specs));
  std::vector<CategoryCodes> dictionaries(specs.size());
  AMP_ASSIGN_OR_RETURN(int64_t row_count, AppendRecords(reader, layout, &layout.columns, &dictionaries, cancelled));
  return Table(row_count, std::move(layout.columns));
}

}  // namespace

core::Result<Table> LoadCsvTable(std::istream& input, const std::vector<ColumnSpec>& specs) {
  return LoadSerially(input, specs, nullptr);
}

core::Result<Table> LoadCsvTable(std::string_view bytes, const std::vector<ColumnSpec>& specs,
                                 const CsvLoadOptions& options) {
  if (options.blocks_parsed != nullptr) *options.blocks_parsed = 1;
  auto load_serially = [&]() -> core::Result<Table> {
    MemoryStreambuf buffer(bytes);
    std::istream input(&buffer);
    return LoadSerially(input, specs, options.cancelled);
  };
  const size_t threads = core::WorkerCount(options.threads, std::numeric_limits<size_t>::max());
  if (threads <= 1 || bytes.size() < options.min_parallel_bytes) return load_serially();
  const std::vector<size_t> cuts = RecordCuts(bytes, threads * std::max<size_t>(1, options.blocks_per_thread));
  const size_t block_count = cuts.size() - 1;
  if (block_count <= 1) return load_serially();

  // The first block holds the header (cuts are record ends, and the header is the first record).
  MemoryStreambuf first_buffer(bytes.substr(0, cuts[1]));
  std::istream first_input(&first_buffer);
  CsvReader first_reader(first_input);
  core::Result<CsvLayout> layout = ReadLayout(first_reader, specs);
  if (!layout.ok()) return load_serially();
  std::vector<Block> blocks(block_count);
  core::ParallelFor(block_count, threads, [&](size_t block_idx) {
    Block& block = blocks[block_idx];
    block.columns = layout->columns;
    block.dictionaries.resize(specs.size());
    auto append = [&](CsvReader& reader) {
      core::Result<int64_t> rows =
          AppendRecords(reader, *layout, &block.columns, &block.dictionaries, options.cancelled);
      if (rows.ok()) {
        block.rows = *rows;
      } else {
        block.status = rows.status();
      }
    };
    if (block_idx == 0) {
      append(first_reader);
      return;
    }
    MemoryStreambuf buffer(bytes.substr(cuts[block_idx], cuts[block_idx + 1] - cuts[block_idx]));
    std::istream input(&buffer);
    CsvReader reader(input);
    reader.set_continues_a_file();
    append(reader);
  });

  if (options.cancelled != nullptr && options.cancelled->load()) return LoadCancelled();
  int64_t row_count = 0;
  for (const Block& block : blocks) {
    if (!block.status.ok()) return load_serially();  // the error, with the whole file's line numbers
    row_count += block.rows;
  }
  std::vector<Column> columns = std::move(blocks[0].columns);
  std::vector<CategoryCodes> dictionaries = std::move(blocks[0].dictionaries);
  for (Column& column : columns) {
    if (column.type == ColumnType::kCategorical) {
      column.codes.reserve(static_cast<size_t>(row_count));
    } else {
      column.numbers.reserve(static_cast<size_t>(row_count));
    }
  }
  for (size_t block_idx = 1; block_idx < block_count; ++block_idx) {
    if (!JoinBlock(blocks[block_idx], &columns, &dictionaries)) return load_serially();
    blocks[block_idx] = Block{};  // free its values as soon as they are copied
  }
  if (options.blocks_parsed != nullptr) *options.blocks_parsed = block_count;
  return Table(row_count, std::move(columns));
}

}  // namespace amp::data
