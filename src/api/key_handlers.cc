#include "api/key_handlers.h"

#include "api/error_response.h"
#include "api/json_body.h"
#include "api/json_out.h"

namespace amp::api {
namespace {

constexpr int64_t kMaxLifetimeSeconds = int64_t{10} * 365 * 24 * 3600;

void WriteLimit(JsonWriter& writer, std::string_view name, int64_t limit) {
  writer.Key(name);
  if (limit == storage::kServerDefaultLimit) {
    writer.Null();
  } else {
    writer.Int64(limit);
  }
}

void WriteKey(JsonWriter& writer, const storage::ApiKeyRecord& key, const std::vector<std::string>& grants,
              const auth::UsageLimits& effective) {
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
  writer.Key("limits");
  writer.StartObject();
  WriteLimit(writer, "max_dataset_bytes", key.max_dataset_bytes);
  WriteLimit(writer, "max_dataset_rows", key.max_dataset_rows);
  WriteLimit(writer, "max_training_jobs", key.max_training_jobs);
  writer.EndObject();
  writer.Key("effective_limits");
  writer.StartObject();
  WriteLimit(writer, "max_dataset_bytes", effective.max_dataset_bytes);
  WriteLimit(writer, "max_dataset_rows", effective.max_dataset_rows);
  WriteLimit(writer, "max_training_jobs", effective.max_training_jobs);
  writer.EndObject();
}

// Reads the optional "limits" object of a create or rotate body into `limits` (fields left out keep their value);
// an error response for a malformed one.
std::optional<Response> ReadLimits(simdjson::dom::element root, auth::KeyLimits* limits, bool* given) {
  simdjson::dom::element value;
  *given = false;
  if (root["limits"].get(value) != simdjson::SUCCESS || value.is_null()) return std::nullopt;
  simdjson::dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    return ErrorResponse(422, "invalid_input", "'limits' must be an object");
  }
  *given = true;
  for (auto field : object) {
    int64_t* dest = field.key == "max_dataset_bytes"   ? &limits->max_dataset_bytes
                    : field.key == "max_dataset_rows"  ? &limits->max_dataset_rows
                    : field.key == "max_training_jobs" ? &limits->max_training_jobs
                                                       : nullptr;
    if (dest == nullptr) {
      return ErrorResponse(422, "invalid_input",
                           "unknown limit '" + std::string(field.key.substr(0, 100)) +
                               "'; expected max_dataset_bytes, max_dataset_rows, max_training_jobs");
    }
    if (field.value.is_null()) {
      *dest = storage::kServerDefaultLimit;
      continue;
    }
    int64_t limit = 0;
    if (field.value.get_int64().get(limit) != simdjson::SUCCESS || limit < 0) {
      return ErrorResponse(422, "invalid_input",
                           "'limits." + std::string(field.key) +
                               "' must be a whole number (0: unlimited) or null (the server's default)");
    }
    *dest = limit;
  }
  return std::nullopt;
}

Response KeyWithSecret(int status, const auth::AccessControl::CreatedKey& created, const auth::UsageLimits& effective,
                       const std::vector<std::string>& grants) {
  JsonOut out;
  out.writer.StartObject();
  WriteKey(out.writer, created.record, grants, effective);
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
  auth::KeyLimits limits;
  bool limits_given = false;
  if (auto error = ReadLimits(root, &limits, &limits_given)) return std::move(*error);
  auto created = access_.CreateKey(name, *role, lifetime_seconds, limits);
  if (!created.ok()) return ErrorResponse(created.status());
  return KeyWithSecret(201, *created, access_.EffectiveLimits(created->record), {});
}

Response KeyHandlers::List(const Request&) {
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("keys");
  out.writer.StartArray();
  for (const storage::ApiKeyRecord& key : access_.ListKeys()) {
    out.writer.StartObject();
    WriteKey(out.writer, key, access_.GrantsOf(key.id), access_.EffectiveLimits(key));
    out.writer.EndObject();
  }
  out.writer.EndArray();
  out.writer.EndObject();
  return Response::Json(200, out.Take());
}

Response KeyHandlers::Rotate(const Request& request, const PathParams& params) {
  // The body is optional: {"limits": {...}} changes the key's quotas with its secret; fields left out are kept.
  std::optional<auth::KeyLimits> new_limits;
  if (!request.body.empty()) {
    simdjson::dom::element root;
    if (auto error = ParseJsonBody(request, &root)) return std::move(*error);
    auth::KeyLimits limits;
    for (const storage::ApiKeyRecord& key : access_.ListKeys()) {
      if (key.id == params[0]) {
        limits = auth::KeyLimits{key.max_dataset_bytes, key.max_dataset_rows, key.max_training_jobs};
      }
    }
    bool limits_given = false;
    if (auto error = ReadLimits(root, &limits, &limits_given)) return std::move(*error);
    if (limits_given) new_limits = limits;
  }
  auto rotated = access_.RotateKey(params[0], new_limits);
  if (!rotated.ok()) return KeyError(rotated.status());
  return KeyWithSecret(200, *rotated, access_.EffectiveLimits(rotated->record), access_.GrantsOf(rotated->record.id));
}

Response KeyHandlers::Revoke(const Request&, const PathParams& params) {
  auto revoked = access_.RevokeKey(params[0]);
  if (!revoked.ok()) return KeyError(revoked.status());
  JsonOut out;
  out.writer.StartObject();
  WriteKey(out.writer, *revoked, access_.GrantsOf(revoked->id), access_.EffectiveLimits(*revoked));
  out.writer.EndObject();
  return Response::Json(200, out.Take());
}

}  // namespace amp::api
