// CsvReader: streams RFC 4180 records from an std::istream, one record at a time, without holding the file.
// Quoted fields may contain commas, doubled quotes and line breaks; CRLF and LF line ends are both accepted (and a
// lone CR, as old Mac exports write). Line breaks inside quoted fields are kept as they are.
// Each field must be valid UTF-8. Not thread-safe; one reader per stream.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "core/status.h"

namespace amp::data {

class CsvReader {
 public:
  explicit CsvReader(std::istream& input, char delimiter = ',');

  // Reads the next record into `fields` (cleared first). Returns true when a record was read, false at the end of
  // the input. Errors (InvalidArgument, message starting with "line N: "): an unterminated quoted field, a quote
  // inside an unquoted field, text after a closing quote, invalid UTF-8, a NUL byte. A blank line is skipped.
  // Also ResourceExhausted ("line N: ...") when a limit below is exceeded, and Internal when the stream fails.
  // A UTF-8 byte order mark at the very start of the input is skipped. After an error the reader's position is
  // unspecified; callers stop reading.
  core::Result<bool> Next(std::vector<std::string>* fields);

  // The 1-based line number at which the most recently returned record started.
  int64_t record_line() const { return record_line_; }

  // Optional limits, unlimited by default, so that a hostile upload cannot make one record take unbounded memory
  // before the caller sees it. Counted in bytes after unquoting.
  void set_max_fields(int64_t max_fields) { max_fields_ = max_fields; }
  void set_max_field_bytes(int64_t max_field_bytes) { max_field_bytes_ = max_field_bytes; }
  // For a reader over a later part of a file (it starts on a record boundary): bytes that look like a byte order
  // mark are then data, as they would be to a reader of the whole file.
  void set_continues_a_file() { at_start_ = false; }

 private:
  int Get();   // next byte or -1 at end
  int Peek();  // next byte without consuming, or -1
  bool Refill();
  void SkipByteOrderMark();
  // Both append to `field` and OR every byte they add into `*byte_union`, so that UTF-8 validation runs only on
  // fields that hold a non-ASCII byte.
  core::Status ReadUnquotedField(std::string* field, unsigned char* byte_union);
  core::Status ReadQuotedField(std::string* field, unsigned char* byte_union);
  // False (nothing appended) when the field would exceed max_field_bytes_. Not a Status: it runs per field.
  bool AppendToField(std::string* field, const char* data, size_t size) const;
  core::Status FieldTooLong(int64_t field_line) const;
  core::Status CheckFieldUtf8(const std::string& field, int64_t field_line) const;

  std::istream& input_;
  char delimiter_;
  std::vector<char> buffer_;
  size_t buffer_pos_ = 0;
  size_t buffer_len_ = 0;
  int64_t line_ = 1;
  int64_t record_line_ = 0;
  bool at_start_ = true;      // the BOM check has not run yet
  bool read_failed_ = false;  // the stream reported an I/O error (badbit), as opposed to a clean end
  int64_t max_fields_ = INT64_MAX;
  int64_t max_field_bytes_ = INT64_MAX;
  // stops_unquoted_[b] is true for the bytes that end a run of plain text outside quotes: the delimiter, CR, LF,
  // '"' and NUL. Built once per reader so the hot loop is one table lookup per byte.
  bool stops_unquoted_[256] = {};
};

}  // namespace amp::data
