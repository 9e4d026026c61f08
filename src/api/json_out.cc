#include "api/json_out.h"

#include <cmath>

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

void WriteTime(JsonWriter& writer, int64_t micros) {
  if (micros == 0) {
    writer.Null();
    return;
  }
  WriteString(writer, core::FormatRfc3339(micros));
}

}  // namespace amp::api
