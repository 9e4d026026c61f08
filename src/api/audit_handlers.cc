#include "api/audit_handlers.h"

#include <charconv>

#include "api/error_response.h"
#include "api/json_out.h"
#include "auth/audit_log.h"

namespace amp::api {
namespace {

std::optional<Response> ParseInt(const std::optional<std::string>& text, std::string_view name, int64_t min_value,
                                 int64_t max_value, int64_t* value) {
  if (!text) return std::nullopt;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), *value);
  if (ec != std::errc() || end != text->data() + text->size() || *value < min_value || *value > max_value) {
    return ErrorResponse(400, "invalid_argument",
                         std::string(name) + " must be a whole number from " + std::to_string(min_value) + " to " +
                             std::to_string(max_value));
  }
  return std::nullopt;
}

}  // namespace

void AuditHandlers::AddRoutes(Router& router) {
  router.Add(Method::kGet, "/v1/audit", OnServer(auth::Action::kReadAudit),
             [this](const Request& request, const PathParams&) { return List(request); });
  router.Add(Method::kGet, "/v1/audit/verify", OnServer(auth::Action::kReadAudit),
             [this](const Request& request, const PathParams&) { return Verify(request); });
}

Response AuditHandlers::List(const Request& request) {
  int64_t after = 0;
  int64_t limit = 1000;
  if (auto error = ParseInt(request.QueryParam("after"), "after", 0, INT64_MAX, &after)) return std::move(*error);
  if (auto error = ParseInt(request.QueryParam("limit"), "limit", 1, 10000, &limit)) return std::move(*error);
  auto records = store_.ListAudit(after, static_cast<int>(limit));
  if (!records.ok()) return ErrorResponse(records.status());
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("records");
  out.writer.StartArray();
  for (const storage::AuditRecord& record : *records) {
    out.writer.StartObject();
    out.writer.Key("seq");
    out.writer.Int64(record.seq);
    out.writer.Key("at");
    WriteTime(out.writer, record.at_micros);
    const std::pair<const char*, const std::string*> fields[] = {
        {"actor", &record.actor},       {"action", &record.action},
        {"resource", &record.resource}, {"remote_address", &record.remote_address},
        {"outcome", &record.outcome},   {"previous_sha256", &record.previous_sha256},
        {"sha256", &record.sha256}};
    for (const auto& [key, value] : fields) {
      out.writer.Key(key);
      WriteString(out.writer, *value);
    }
    out.writer.EndObject();
  }
  out.writer.EndArray();
  out.writer.EndObject();
  return Response::Json(200, out.Take());
}

Response AuditHandlers::Verify(const Request&) {
  auto checked = auth::VerifyStoredAuditLog(store_);
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("intact");
  out.writer.Bool(checked.ok());
  if (checked.ok()) {
    out.writer.Key("records");
    out.writer.Int64(*checked);
  } else {
    out.writer.Key("problem");
    WriteString(out.writer, checked.status().message());
  }
  out.writer.EndObject();
  return Response::Json(200, out.Take());
}

}  // namespace amp::api
