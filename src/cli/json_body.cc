#include "cli/json_body.h"

#include <cstdio>

namespace amp::cli {

std::string JsonQuote(std::string_view text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\u%04x", static_cast<unsigned>(c));
      quoted += escaped;
      continue;
    }
    quoted += c;
  }
  return quoted + "\"";
}

std::string JsonStringArray(const std::vector<std::string>& values) {
  std::string text = "[";
  for (size_t idx = 0; idx < values.size(); ++idx) text += (idx ? "," : "") + JsonQuote(values[idx]);
  return text + "]";
}

}  // namespace amp::cli
