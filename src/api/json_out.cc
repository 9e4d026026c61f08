#include "api/json_out.h"

#include <cmath>
#include <string>

#include "core/clock.h"

namespace amp::api {

void WriteNumber(JsonWriter& writer, double value) {
  if (!std::isfinite(value)) {
    writer.Null();
    return;
  }
  writer.Double(value);
}

void WriteNumberMap(JsonWriter& writer, const std::map<std::string, double>& values) {
  writer.StartObject();
  for (const auto& [key, value] : values) {
    WriteString(writer, key);
    WriteNumber(writer, value);
  }
  writer.EndObject();
}

void WriteWarnings(JsonWriter& writer, std::span<const std::string> warnings, int64_t more) {
  writer.Key("warnings");
  writer.StartArray();
  for (const std::string& warning : warnings) WriteString(writer, warning);
  if (more > 0) WriteString(writer, "... and " + std::to_string(more) + " more warnings");
  writer.EndArray();
}

void WriteTime(JsonWriter& writer, int64_t micros) {
  if (micros == 0) {
    writer.Null();
    return;
  }
  WriteString(writer, core::FormatRfc3339(micros));
}

}  // namespace amp::api
