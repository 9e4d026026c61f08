#include "api/key_handlers.h"

#include <charconv>

#include "api/error_response.h"
#include "api/json_body.h"
#include "api/json_out.h"
#include "auth/audit_log.h"

namespace amp::api {
namespace {

constexpr int64_t kMaxLifetimeSeconds = int64_t{10} * 365 * 24 * 3600;

void WriteKey(JsonWriter& writer, const storage::ApiKeyRecord& key, const std::vector<std::string>& grants) {
  writer.Key("id");
  WriteString(writer, key.id);
  writer.Key("name");
  WriteString(writer, key.name);
  writer.Key("role");
  WriteString(writer, key.role);
  writer.Key("prefix");
  WriteString(writer, key.prefix);
  writer.Key("created_at");
  WriteTime(writer, key.created_at_micros);
  writer.Key("expires_at");
  WriteTime(writer, key.expires_at_micros);
  writer.Key("revoked");
  writer.Bool(key.revoked);
  writer.Key("granted_models");
  writer.StartArray();
  for (const std::string& model_id : grants) WriteString(writer, model_id);
  writer.EndArray();
}

Response KeyWithSecret(int status, const auth::AccessControl::CreatedKey& created) {
  JsonOut out;
  out.writer.StartObject();
  WriteKey(out.writer, created.record, {});
  out.writer.Key("secret");
  WriteString(out.writer, created.secret);
  out.writer.EndObject();
  Response response = Response::Json(status, out.Take());
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

Response KeyError(const core::Status& status) {
  return ErrorResponse(status, status.code() == core::StatusCode::kNotFound ? "key_not_found" : "");
}

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

void KeyHandlers::AddRoutes(Router& router) {
  const RouteAccess keys = OnServer(auth::Action::kManageKeys);
  router.Add(Method::kPost, "/v1/keys", keys,
             [this](const Request& request, const PathParams&) { return Create(request); });
  router.Add(Method::kGet, "/v1/keys", keys,
             [this](const Request& request, const PathParams&) { return List(request); });
  router.Add(Method::kPost, "/v1/keys/{id}/rotate", keys,
             [this](const Request& request, const PathParams& params) { return Rotate(request, params); });
  router.Add(Method::kDelete, "/v1/keys/{id}", keys,
             [this](const Request& request, const PathParams& params) { return Revoke(request, params); });
  router.Add(Method::kPut, "/v1/models/{name}/grants/{key_id}", OnPathModel(auth::Action::kManageGrants),
             [this](const Request& request, const PathParams& params) { return Grant(request, params, true); });
  router.Add(Method::kDelete, "/v1/models/{name}/grants/{key_id}", OnPathModel(auth::Action::kManageGrants),
             [this](const Request& request, const PathParams& params) { return Grant(request, params, false); });
  router.Add(Method::kPatch, "/v1/models/{name}", OnPathModel(auth::Action::kPublishModel),
             [this](const Request& request, const PathParams& params) { return SetVisibility(request, params); });
  router.Add(Method::kGet, "/v1/audit", OnServer(auth::Action::kReadAudit),
             [this](const Request& request, const PathParams&) { return ListAudit(request); });
  router.Add(Method::kGet, "/v1/audit/verify", OnServer(auth::Action::kReadAudit),
             [this](const Request& request, const PathParams&) { return VerifyAudit(request); });
}

Response KeyHandlers::Create(const Request& request) {
  simdjson::dom::element root;
  if (auto error = ParseJsonBody(request, &root)) return std::move(*error);
  std::string_view name;
  std::string_view role_name;
  if (root["name"].get_string().get(name) != simdjson::SUCCESS) {
    return ErrorResponse(422, "invalid_input", "'name' (a string) is required");
  }
  if (root["role"].get_string().get(role_name) != simdjson::SUCCESS) {
    return ErrorResponse(422, "invalid_input", "'role' (admin, developer or consumer) is required");
  }
  std::optional<auth::Role> role = auth::ParseKeyRole(role_name);
  if (!role) return ErrorResponse(422, "invalid_input", "'role' must be admin, developer or consumer");
  int64_t lifetime_seconds = 0;
  simdjson::dom::element expiry;
  if (root["expires_in_seconds"].get(expiry) == simdjson::SUCCESS && !expiry.is_null()) {
    if (expiry.get_int64().get(lifetime_seconds) != simdjson::SUCCESS || lifetime_seconds <= 0 ||
        lifetime_seconds > kMaxLifetimeSeconds) {
      return ErrorResponse(422, "invalid_input", "'expires_in_seconds' must be a whole number from 1 to 10 years");
    }
  }
  auto created = access_.CreateKey(name, *role, lifetime_seconds);
  if (!created.ok()) return ErrorResponse(created.status());
  return KeyWithSecret(201, *created);
}

Response KeyHandlers::List(const Request&) {
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("keys");
  out.writer.StartArray();
  for (const storage::ApiKeyRecord& key : access_.ListKeys()) {
    out.writer.StartObject();
    WriteKey(out.writer, key, access_.GrantsOf(key.id));
    out.writer.EndObject();
  }
  out.writer.EndArray();
  out.writer.EndObject();
  return Response::Json(200, out.Take());
}

Response KeyHandlers::Rotate(const Request&, const PathParams& params) {
  auto rotated = access_.RotateKey(params[0]);
  if (!rotated.ok()) return KeyError(rotated.status());
  return KeyWithSecret(200, *rotated);
}

Response KeyHandlers::Revoke(const Request&, const PathParams& params) {
  auto revoked = access_.RevokeKey(params[0]);
  if (!revoked.ok()) return KeyError(revoked.status());
  JsonOut out;
  out.writer.StartObject();
  WriteKey(out.writer, *revoked, access_.GrantsOf(revoked->id));
  out.writer.EndObject();
  return Response::Json(200, out.Take());
}

Response KeyHandlers::Grant(const Request&, const PathParams& params, bool grant) {
  core::Status status = grant ? access_.Grant(params[1], params[0]) : access_.Ungrant(params[1], params[0]);
  if (!status.ok()) return ErrorResponse(status);
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("model");
  WriteString(out.writer, params[0]);
  out.writer.Key("key_id");
  WriteString(out.writer, params[1]);
  out.writer.Key("granted");
  out.writer.Bool(grant);
  out.writer.EndObject();
  return Response::Json(200, out.Take());
}

Response KeyHandlers::SetVisibility(const Request& request, const PathParams& params) {
  simdjson::dom::element root;
  if (auto error = ParseJsonBody(request, &root)) return std::move(*error);
  bool is_public = false;
  if (root["public"].get_bool().get(is_public) != simdjson::SUCCESS) {
    return ErrorResponse(422, "invalid_input", "'public' (true or false) is required");
  }
  auto model = access_.SetModelPublic(params[0], is_public);
  if (!model.ok()) {
    return ErrorResponse(model.status(), model.status().code() == core::StatusCode::kNotFound ? "model_not_found" : "");
  }
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("id");
  WriteString(out.writer, model->id);
  out.writer.Key("name");
  WriteString(out.writer, model->name);
  out.writer.Key("public");
  out.writer.Bool(model->is_public);
  out.writer.EndObject();
  return Response::Json(200, out.Take());
}

Response KeyHandlers::ListAudit(const Request& request) {
  int64_t after = 0;
  int64_t limit = 1000;
  if (auto error = ParseInt(request.QueryParam("after"), "after", 0, INT64_MAX, &after)) return std::move(*error);
  if (auto error = ParseInt(request.QueryParam("limit"), "limit", 1, 10000, &limit)) return std::move(*error);
  auto records = audit_store_.ListAudit(after, static_cast<int>(limit));
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

Response KeyHandlers::VerifyAudit(const Request&) {
  auto checked = auth::VerifyStoredAuditLog(audit_store_);
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
