#include "data/csv_reader.h"

#include <cassert>
#include <cstdio>
#include <cstring>
#include <exception>
#include <ios>

namespace amp::data {
namespace {

// Large enough that the per-read overhead of the istream vanishes, small enough to stay in L2.
constexpr size_t kBufferBytes = size_t{64} * 1024;

std::string LinePrefix(int64_t line) { return "line " + std::to_string(line) + ": "; }

// Returns the offset of the first byte that does not start a well-formed UTF-8 sequence, or npos. Rejects
// overlong encodings, surrogates (U+D800..U+DFFF) and code points above U+10FFFF, following the table in
// Unicode 15 section 3.9 ("Well-Formed UTF-8 Byte Sequences").
size_t FindInvalidUtf8(const char* data, size_t size) {
  size_t pos = 0;
  while (pos < size) {
    // Almost every CSV field is ASCII: test eight bytes at a time for a set high bit.
    while (pos + 8 <= size) {
      uint64_t chunk;
      std::memcpy(&chunk, data + pos, 8);
      if ((chunk & 0x8080808080808080ULL) != 0) break;
      pos += 8;
    }
    if (pos >= size) break;
    const auto lead = static_cast<unsigned char>(data[pos]);
    if (lead < 0x80) {
      ++pos;
      continue;
    }
    size_t length = 0;
    unsigned char second_min = 0x80;
    unsigned char second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead == 0xE0) {
      length = 3;
      second_min = 0xA0;  // overlong below U+0800
    } else if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) {
      length = 3;
    } else if (lead == 0xED) {
      length = 3;
      second_max = 0x9F;  // surrogates
    } else if (lead == 0xF0) {
      length = 4;
      second_min = 0x90;  // overlong below U+10000
    } else if (lead >= 0xF1 && lead <= 0xF3) {
      length = 4;
    } else if (lead == 0xF4) {
      length = 4;
      second_max = 0x8F;  // above U+10FFFF
    } else {
      return pos;  // a continuation byte, C0/C1 (always overlong) or F5..FF
    }
    if (pos + length > size) return pos;
    const auto second = static_cast<unsigned char>(data[pos + 1]);
    if (second < second_min || second > second_max) return pos;
    for (size_t byte_idx = 2; byte_idx < length; ++byte_idx) {
      if ((static_cast<unsigned char>(data[pos + byte_idx]) & 0xC0) != 0x80) return pos;
    }
    pos += length;
  }
  return std::string::npos;
}

// Line breaks (LF, CRLF or a lone CR) in text[0, end), to turn an offset inside a multi-line field into a line.
int64_t CountLineBreaks(const std::string& text, size_t end) {
  int64_t breaks = 0;
  for (size_t pos = 0; pos < end; ++pos) {
    const bool lone_cr = text[pos] == '\r' && (pos + 1 >= text.size() || text[pos + 1] != '\n');
    if (text[pos] == '\n' || lone_cr) ++breaks;
  }
  return breaks;
}

}  // namespace

CsvReader::CsvReader(std::istream& input, char delimiter)
    : input_(input), delimiter_(delimiter), buffer_(kBufferBytes) {
  assert(delimiter != '"' && delimiter != '\r' && delimiter != '\n' && delimiter != '\0');
  for (char stop : {delimiter, '\r', '\n', '"', '\0'}) stops_unquoted_[static_cast<unsigned char>(stop)] = true;
}

bool CsvReader::Refill() {
  buffer_pos_ = 0;
  buffer_len_ = 0;
  // A stream that failed without reaching its end (an ifstream that never opened, badbit) is an error, not an end.
  auto note_stream_state = [this] {
    if (input_.bad() || (input_.fail() && !input_.eof())) read_failed_ = true;
  };
  if (read_failed_) return false;
  if (!input_.good()) {
    note_stream_state();
    return false;
  }
  // A caller may have enabled exceptions on its stream; they must not escape this module.
  try {
    input_.read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  } catch (const std::ios_base::failure&) {
    // The state bits are set before the throw; note_stream_state tells a clean end from a failure.
  } catch (const std::exception&) {
    read_failed_ = true;
  }
  buffer_len_ = static_cast<size_t>(input_.gcount());
  note_stream_state();
  return buffer_len_ > 0;
}

int CsvReader::Get() {
  if (buffer_pos_ == buffer_len_ && !Refill()) return -1;
  return static_cast<unsigned char>(buffer_[buffer_pos_++]);
}

int CsvReader::Peek() {
  if (buffer_pos_ == buffer_len_ && !Refill()) return -1;
  return static_cast<unsigned char>(buffer_[buffer_pos_]);
}

void CsvReader::SkipByteOrderMark() {
  // The first refill holds the whole buffer or the whole input, so three bytes are either there or not at all.
  if (Peek() != 0xEF || buffer_len_ - buffer_pos_ < 3) return;
  if (std::memcmp(buffer_.data() + buffer_pos_, "\xEF\xBB\xBF", 3) == 0) buffer_pos_ += 3;
}

core::Status CsvReader::FieldTooLong(int64_t field_line) const {
  return core::ResourceExhausted(LinePrefix(field_line) + "a field is longer than " + std::to_string(max_field_bytes_) +
                                 " bytes");
}

bool CsvReader::AppendToField(std::string* field, const char* data, size_t size) const {
  if (static_cast<int64_t>(field->size() + size) > max_field_bytes_) return false;
  field->append(data, size);
  return true;
}

core::Status CsvReader::ReadUnquotedField(std::string* field, unsigned char* byte_union) {
  const int64_t field_line = line_;
  for (;;) {
    if (buffer_pos_ == buffer_len_ && !Refill()) return core::Status::Ok();
    const char* const data = buffer_.data();
    size_t pos = buffer_pos_;
    unsigned char seen = 0;
    while (pos < buffer_len_) {
      const auto byte = static_cast<unsigned char>(data[pos]);
      if (stops_unquoted_[byte]) break;
      seen |= byte;
      ++pos;
    }
    *byte_union |= seen;
    if (!AppendToField(field, data + buffer_pos_, pos - buffer_pos_)) return FieldTooLong(field_line);
    buffer_pos_ = pos;
    if (pos == buffer_len_) continue;
    // The delimiter or a line end is left for Next to consume.
    if (data[pos] == '"') {
      return core::InvalidArgument(LinePrefix(line_) +
                                   "a quote inside an unquoted field (quote the whole field and double the quote)");
    }
    if (data[pos] == '\0') return core::InvalidArgument(LinePrefix(line_) + "a NUL byte");
    return core::Status::Ok();
  }
}

core::Status CsvReader::ReadQuotedField(std::string* field, unsigned char* byte_union) {
  const int64_t field_line = line_;
  Get();  // the opening quote
  for (;;) {
    if (buffer_pos_ == buffer_len_ && !Refill()) {
      if (read_failed_) return core::Internal(LinePrefix(line_) + "reading the input failed");
      return core::InvalidArgument(LinePrefix(field_line) + "a quoted field is not terminated");
    }
    const char* const data = buffer_.data();
    size_t pos = buffer_pos_;
    unsigned char seen = 0;
    while (pos < buffer_len_) {
      const auto byte = static_cast<unsigned char>(data[pos]);
      if (byte == '"' || byte == '\n' || byte == '\r' || byte == '\0') break;
      seen |= byte;
      ++pos;
    }
    *byte_union |= seen;
    if (!AppendToField(field, data + buffer_pos_, pos - buffer_pos_)) return FieldTooLong(field_line);
    buffer_pos_ = pos;
    if (pos == buffer_len_) continue;
    const char byte = data[buffer_pos_++];
    switch (byte) {
      case '\0': return core::InvalidArgument(LinePrefix(line_) + "a NUL byte");
      case '\n':
        if (!AppendToField(field, &byte, 1)) return FieldTooLong(field_line);
        ++line_;
        break;
      case '\r':
        if (!AppendToField(field, &byte, 1)) return FieldTooLong(field_line);
        if (Peek() != '\n') ++line_;  // a CRLF counts once, at its LF
        break;
      default: {  // '"': either the first half of a doubled quote or the closing quote
        const int next = Peek();
        if (next == '"') {
          Get();
          if (!AppendToField(field, &byte, 1)) return FieldTooLong(field_line);
          break;
        }
        if (next < 0 || next == static_cast<unsigned char>(delimiter_) || next == '\r' || next == '\n') {
          return core::Status::Ok();
        }
        return core::InvalidArgument(LinePrefix(line_) + "text after the closing quote of a quoted field");
      }
    }
  }
}

core::Status CsvReader::CheckFieldUtf8(const std::string& field, int64_t field_line) const {
  const size_t bad = FindInvalidUtf8(field.data(), field.size());
  if (bad == std::string::npos) return core::Status::Ok();
  char byte_hex[8];
  std::snprintf(byte_hex, sizeof(byte_hex), "0x%02X", static_cast<unsigned char>(field[bad]));
  return core::InvalidArgument(LinePrefix(field_line + CountLineBreaks(field, bad)) + "invalid UTF-8 (byte " +
                               byte_hex + " at offset " + std::to_string(bad) + " of a field)");
}

core::Result<bool> CsvReader::Next(std::vector<std::string>* fields) {
  if (at_start_) {
    at_start_ = false;
    SkipByteOrderMark();
  }
  for (;;) {  // blank lines
    const int next = Peek();
    if (next == '\n') {
      Get();
      ++line_;
    } else if (next == '\r') {
      Get();
      if (Peek() == '\n') Get();
      ++line_;
    } else {
      break;
    }
  }
  if (Peek() < 0) {
    fields->clear();
    if (read_failed_) return core::Internal(LinePrefix(line_) + "reading the input failed");
    return false;
  }
  record_line_ = line_;
  // The caller's strings are reused rather than cleared away: on a large file this saves one allocation per field.
  size_t field_count = 0;
  for (;;) {
    if (static_cast<int64_t>(field_count) >= max_fields_) {
      return core::ResourceExhausted(LinePrefix(record_line_) + "a record has more than " +
                                     std::to_string(max_fields_) + " fields");
    }
    if (field_count == fields->size()) {
      fields->emplace_back();
    } else {
      (*fields)[field_count].clear();
    }
    std::string* field = &(*fields)[field_count++];
    const int64_t field_line = line_;
    unsigned char byte_union = 0;
    AMP_RETURN_IF_ERROR(Peek() == '"' ? ReadQuotedField(field, &byte_union) : ReadUnquotedField(field, &byte_union));
    if ((byte_union & 0x80) != 0) AMP_RETURN_IF_ERROR(CheckFieldUtf8(*field, field_line));
    const int end = Get();
    if (end == static_cast<unsigned char>(delimiter_)) continue;
    if (end == '\r') {
      if (Peek() == '\n') Get();
      ++line_;
    } else if (end == '\n') {
      ++line_;
    }
    break;  // a line end, or the end of the input
  }
  fields->resize(field_count);
  if (read_failed_) return core::Internal(LinePrefix(record_line_) + "reading the input failed");
  return true;
}

}  // namespace amp::data
