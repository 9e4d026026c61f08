#include "api/error_response.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

namespace amp::api {
namespace {

TEST(ErrorResponseTest, HttpStatusFor) {
  struct Case {
    core::StatusCode code;
    int want;
  };
  const std::vector<Case> cases = {
      {core::StatusCode::kOk, 200},
      {core::StatusCode::kInvalidArgument, 400},
      {core::StatusCode::kFailedPrecondition, 422},
      {core::StatusCode::kNotFound, 404},
      {core::StatusCode::kAlreadyExists, 409},
      {core::StatusCode::kResourceExhausted, 429},
      {core::StatusCode::kUnavailable, 503},
      {core::StatusCode::kCancelled, 409},
      {core::StatusCode::kDataLoss, 500},
      {core::StatusCode::kInternal, 500},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(core::StatusCodeName(c.code)));
    EXPECT_EQ(HttpStatusFor(c.code), c.want);
  }
  EXPECT_EQ(HttpStatusFor(static_cast<core::StatusCode>(99)), 500);  // a value outside the enum
}

// The {"error", "code"} members of an error body, checking it is exactly that object.
void ParseBody(const std::string& body, std::string* error, std::string* code) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  ASSERT_EQ(parser.parse(body).get_object().get(object), simdjson::SUCCESS) << body;
  ASSERT_EQ(object.size(), 2u) << body;
  std::string_view text;
  ASSERT_EQ(object["error"].get_string().get(text), simdjson::SUCCESS) << body;
  *error = std::string(text);
  ASSERT_EQ(object["code"].get_string().get(text), simdjson::SUCCESS) << body;
  *code = std::string(text);
}

TEST(ErrorResponseTest, BodyIsErrorAndCode) {
  Response response = ErrorResponse(404, "not_found", "model 'houses' not found");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, R"({"error":"model 'houses' not found","code":"not_found"})");
}

TEST(ErrorResponseTest, MessagesAreEscaped) {
  const std::string message = "a \"quoted\" back\\slash\nnew line\ttab \x01 \xC3\xA9";
  Response response = ErrorResponse(400, "invalid_json", message);
  std::string error;
  std::string code;
  ParseBody(response.body, &error, &code);
  EXPECT_EQ(error, message);
  EXPECT_EQ(code, "invalid_json");
}

TEST(ErrorResponseTest, FromStatus) {
  struct Case {
    core::Status status;
    std::string code_override;
    int want_http;
    std::string want_code;
  };
  const std::vector<Case> cases = {
      {core::InvalidArgument("bad csv"), "", 400, "invalid_argument"},
      {core::FailedPrecondition("unknown feature 'x'"), "", 422, "invalid_input"},
      {core::NotFound("no model"), "", 404, "not_found"},
      {core::AlreadyExists("exists"), "", 409, "already_exists"},
      {core::ResourceExhausted("too big"), "", 429, "resource_exhausted"},
      {core::Unavailable("shutting down"), "", 503, "unavailable"},
      {core::Cancelled("cancelled"), "", 409, "cancelled"},
      {core::DataLoss("corrupt"), "", 500, "data_loss"},
      {core::Internal("oops"), "", 500, "internal"},
      {core::NotFound("no model"), "model_not_found", 404, "model_not_found"},
      {core::FailedPrecondition("x"), "training_failed", 422, "training_failed"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.status.ToString());
    Response response = ErrorResponse(c.status, c.code_override);
    EXPECT_EQ(response.status, c.want_http);
    std::string error;
    std::string code;
    ParseBody(response.body, &error, &code);
    EXPECT_EQ(error, c.status.message());
    EXPECT_EQ(code, c.want_code);
  }
}

}  // namespace
}  // namespace amp::api
