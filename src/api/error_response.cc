#include "api/error_response.h"

#include "api/json_out.h"

namespace amp::api {

int HttpStatusFor(core::StatusCode code) {
  switch (code) {
    case core::StatusCode::kOk: return 200;
    case core::StatusCode::kInvalidArgument: return 400;
    case core::StatusCode::kFailedPrecondition: return 422;
    case core::StatusCode::kNotFound: return 404;
    case core::StatusCode::kAlreadyExists: return 409;
    case core::StatusCode::kResourceExhausted: return 429;
    case core::StatusCode::kUnavailable: return 503;
    case core::StatusCode::kCancelled: return 409;
    case core::StatusCode::kDataLoss: return 500;
    case core::StatusCode::kInternal: return 500;
  }
  return 500;
}

Response ErrorResponse(int http_status, std::string_view code, std::string_view message) {
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("error");
  WriteString(out.writer, message);
  out.writer.Key("code");
  WriteString(out.writer, code);
  out.writer.EndObject();
  Response response;
  response.status = http_status;
  response.body = out.Take();
  return response;
}

Response ErrorResponse(const core::Status& status, std::string_view code) {
  std::string_view machine_code = code;
  if (machine_code.empty()) {
    machine_code = status.code() == core::StatusCode::kFailedPrecondition ? "invalid_input"
                                                                          : core::StatusCodeName(status.code());
  }
  return ErrorResponse(HttpStatusFor(status.code()), machine_code, status.message());
}

}  // namespace amp::api
