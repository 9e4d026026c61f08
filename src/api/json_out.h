// JsonOut: a RapidJSON writer over a string buffer, the one way api/ renders JSON bodies.
// Not thread-safe; one per response.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <span>
#include <string>
#include <string_view>

namespace amp::api {

// RapidJSON's writer with a faster path for strings and keys. RapidJSON escapes character by character through a
// table (about 20 instructions a character), which made writing the four keys of a prediction answer cost more than
// scoring it. Here a string is first scanned for the few characters JSON must escape (control characters, '"' and
// '\\'); when there are none, which is nearly always, it is copied in one block. Output is byte-identical to
// RapidJSON's: RapidJSON (UTF-8 in and out, no validation) escapes exactly those characters.
class JsonWriter : public rapidjson::Writer<rapidjson::StringBuffer> {
 public:
  explicit JsonWriter(rapidjson::StringBuffer& buffer) : Writer(buffer) {}

  bool Key(std::string_view key) { return String(key); }
  bool String(std::string_view text) {
    if (NeedsEscape(text)) return Writer::String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    Prefix(rapidjson::kStringType);
    char* out = os_->Push(text.size() + 2);
    out[0] = '"';
    std::memcpy(out + 1, text.data(), text.size());
    out[text.size() + 1] = '"';
    return EndValue(true);
  }

 private:
  // True if `text` holds a control character, '"' or '\\'. Eight bytes at a time: for each byte b of a word,
  // (b - n) & ~b & 0x80 is set for some byte exactly when some byte is below n (n <= 0x80), and b ^ c is zero where
  // b equals c.
  static bool NeedsEscape(std::string_view text) {
    constexpr uint64_t kOnes = 0x0101010101010101ULL;
    constexpr uint64_t kHighs = 0x8080808080808080ULL;
    const char* p = text.data();
    size_t left = text.size();
    for (; left >= 8; p += 8, left -= 8) {
      uint64_t word;
      std::memcpy(&word, p, 8);
      const uint64_t quote = word ^ (kOnes * '"');
      const uint64_t backslash = word ^ (kOnes * '\\');
      const uint64_t found = ((word - kOnes * 0x20) & ~word) | ((quote - kOnes) & ~quote) |
                             ((backslash - kOnes) & ~backslash);
      if ((found & kHighs) != 0) return true;
    }
    for (; left > 0; ++p, --left) {
      if (static_cast<unsigned char>(*p) < 0x20 || *p == '"' || *p == '\\') return true;
    }
    return false;
  }
};

struct JsonOut {
  rapidjson::StringBuffer buffer;
  JsonWriter writer{buffer};
  std::string Take() const { return std::string(buffer.GetString(), buffer.GetSize()); }
};

inline void WriteString(JsonWriter& writer, std::string_view text) { writer.String(text); }

// Writes a number; NaN and infinities (which JSON cannot hold) as null.
void WriteNumber(JsonWriter& writer, double value);

void WriteNumberMap(JsonWriter& writer, const std::map<std::string, double>& values);

// Writes "warnings": [...] with the kept warnings and, if `more` were only counted, a last line saying so.
void WriteWarnings(JsonWriter& writer, std::span<const std::string> warnings, int64_t more);

// Microseconds since the epoch as an RFC 3339 string, or null for 0.
void WriteTime(JsonWriter& writer, int64_t micros);

}  // namespace amp::api
