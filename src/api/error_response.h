// The one place where domain status codes become HTTP status codes, and the one shape of every error body:
// {"error": "<human message>", "code": "<machine code>"} (the "error" key keeps KServe V2 clients happy).
#pragma once

#include <string_view>

#include "api/request.h"
#include "core/status.h"

namespace amp::api {

int HttpStatusFor(core::StatusCode code);

// The machine code of an error: `code` if given, else derived from the status code.
Response ErrorResponse(int http_status, std::string_view code, std::string_view message);
Response ErrorResponse(const core::Status& status, std::string_view code = {});

}  // namespace amp::api
