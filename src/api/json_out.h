// JsonOut: a RapidJSON writer over a string buffer, the one way api/ renders JSON bodies.
// Not thread-safe; one per response.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>
#include <string>
#include <string_view>

namespace amp::api {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

struct JsonOut {
  rapidjson::StringBuffer buffer;
  JsonWriter writer{buffer};
  std::string Take() const { return std::string(buffer.GetString(), buffer.GetSize()); }
};

inline void WriteString(JsonWriter& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

// Writes a number; NaN and infinities (which JSON cannot hold) as null.
void WriteNumber(JsonWriter& writer, double value);

void WriteNumberMap(JsonWriter& writer, const std::map<std::string, double>& values);

// Microseconds since the epoch as an RFC 3339 string, or null for 0.
void WriteTime(JsonWriter& writer, int64_t micros);

}  // namespace amp::api
