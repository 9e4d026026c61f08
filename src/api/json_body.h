// Parsing JSON request bodies with simdjson, one reusable parser per thread (no allocation once warm). simdjson's
// DOM parser is iterative and enforces a depth limit, so hostile nesting cannot exhaust the stack.
#pragma once

#include <simdjson.h>

#include <optional>

#include "api/request.h"

namespace amp::api {

inline constexpr size_t kMaxJsonDepth = 64;

// Parses the request body. On failure returns the error response to send: 415 for a content type other than JSON
// (a missing one is accepted), 400 for an empty body, invalid JSON or nesting deeper than kMaxJsonDepth.
// The element stays valid until the next call on the same thread.
std::optional<Response> ParseJsonBody(const Request& request, simdjson::dom::element* root);

// Describes a JSON value's type for error messages ("a string", "an array", ...).
std::string_view JsonTypeName(simdjson::dom::element_type type);

}  // namespace amp::api
