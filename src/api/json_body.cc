#include "api/json_body.h"

#include <cstdlib>

#include "api/error_response.h"

namespace amp::api {
namespace {

bool IsJsonContentType(std::string_view content_type) {
  if (content_type.empty()) return true;
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  auto iequals = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t idx = 0; idx < a.size(); ++idx) {
      char ca = a[idx] >= 'A' && a[idx] <= 'Z' ? static_cast<char>(a[idx] + 32) : a[idx];
      if (ca != b[idx]) return false;
    }
    return true;
  };
  if (iequals(media, "application/json")) return true;
  // application/<anything>+json, e.g. application/vnd.api+json
  return media.size() > 5 && iequals(media.substr(media.size() - 5), "+json");
}

}  // namespace

std::optional<Response> ParseJsonBody(const Request& request, simdjson::dom::element* root) {
  if (!IsJsonContentType(request.content_type)) {
    return ErrorResponse(415, "unsupported_media_type",
                         "expected Content-Type: application/json, got '" +
                             std::string(request.content_type.substr(0, 100)) + "'");
  }
  if (request.body.empty()) return ErrorResponse(400, "empty_body", "the request body is empty; expected JSON");
  thread_local simdjson::dom::parser parser = [] {
    simdjson::dom::parser fresh;
    if (fresh.allocate(64 * 1024, kMaxJsonDepth) != simdjson::SUCCESS) std::abort();  // out of memory at start
    return fresh;
  }();
  if (request.body.size() > parser.capacity()) {
    if (parser.allocate(request.body.size(), kMaxJsonDepth) != simdjson::SUCCESS) {
      return ErrorResponse(500, "internal", "cannot allocate the JSON parser");
    }
  }
  auto result = parser.parse(request.body.data(), request.body.size());
  if (result.error() != simdjson::SUCCESS) {
    if (result.error() == simdjson::DEPTH_ERROR) {
      return ErrorResponse(400, "invalid_json",
                           "JSON nesting is deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    }
    return ErrorResponse(400, "invalid_json",
                         std::string("the request body is not valid JSON: ") + simdjson::error_message(result.error()));
  }
  *root = result.value_unsafe();
  return std::nullopt;
}

std::string_view JsonTypeName(simdjson::dom::element_type type) {
  switch (type) {
    case simdjson::dom::element_type::ARRAY: return "an array";
    case simdjson::dom::element_type::OBJECT: return "an object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE: return "a number";
    case simdjson::dom::element_type::STRING: return "a string";
    case simdjson::dom::element_type::BOOL: return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE: return "null";
  }
  return "a value";
}

}  // namespace amp::api
