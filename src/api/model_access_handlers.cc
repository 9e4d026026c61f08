#include "api/model_access_handlers.h"

#include "api/error_response.h"
#include "api/json_body.h"
#include "api/json_out.h"

namespace amp::api {

void ModelAccessHandlers::AddRoutes(Router& router) {
  router.Add(Method::kPut, "/v1/models/{name}/grants/{key_id}", OnPathModel(auth::Action::kManageGrants),
             [this](const Request& request, const PathParams& params) { return Grant(request, params, true); });
  router.Add(Method::kDelete, "/v1/models/{name}/grants/{key_id}", OnPathModel(auth::Action::kManageGrants),
             [this](const Request& request, const PathParams& params) { return Grant(request, params, false); });
  router.Add(Method::kPatch, "/v1/models/{name}", OnPathModel(auth::Action::kPublishModel),
             [this](const Request& request, const PathParams& params) { return Update(request, params); });
}

Response ModelAccessHandlers::Grant(const Request&, const PathParams& params, bool grant) {
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

Response ModelAccessHandlers::Update(const Request& request, const PathParams& params) {
  simdjson::dom::element root;
  if (auto error = ParseJsonBody(request, &root)) return std::move(*error);
  simdjson::dom::object body;
  if (root.get_object().get(body) != simdjson::SUCCESS) {
    return ErrorResponse(422, "invalid_input", "the body must be a JSON object");
  }
  auto field_error = [](std::string_view field, std::string_view expected) {
    return ErrorResponse(422, "invalid_input", "'" + std::string(field) + "' must be " + std::string(expected));
  };
  std::optional<bool> is_public;
  registry::ModelMetadataUpdate update;
  for (auto field : body) {
    std::string_view key = field.key;
    simdjson::dom::element value = field.value;
    if (key == "public") {
      bool flag = false;
      if (value.get_bool().get(flag) != simdjson::SUCCESS) return field_error(key, "true or false");
      is_public = flag;
    } else if (key == "description" || key == "owner") {
      std::string_view text;
      if (value.get_string().get(text) != simdjson::SUCCESS) return field_error(key, "a string");
      (key == "owner" ? update.owner : update.description) = std::string(text);
    } else if (key == "tags") {
      simdjson::dom::array tags;
      if (value.get_array().get(tags) != simdjson::SUCCESS) return field_error(key, "an array of strings");
      update.tags.emplace();
      for (simdjson::dom::element tag : tags) {
        std::string_view text;
        if (tag.get_string().get(text) != simdjson::SUCCESS) return field_error(key, "an array of strings");
        update.tags->emplace_back(text);
      }
    } else if (key == "retention") {
      if (value.is_null()) {
        update.retention_keep_last = 0;
        continue;
      }
      int64_t keep_last = 0;
      simdjson::dom::object retention;
      if (value.get_object().get(retention) != simdjson::SUCCESS || retention.size() != 1 ||
          retention["keep_last"].get_int64().get(keep_last) != simdjson::SUCCESS || keep_last < 1) {
        return field_error(key, "{\"keep_last\": <a whole number of at least 1>} or null (keep every version)");
      }
      update.retention_keep_last = keep_last;
    } else {
      return ErrorResponse(422, "invalid_input",
                           "unknown field '" + std::string(key.substr(0, 100)) +
                               "'; expected public, description, owner, tags, retention");
    }
  }
  if (!is_public && update.empty()) {
    return ErrorResponse(422, "invalid_input", "nothing to change: give public, description, owner, tags or retention");
  }
  auto model_error = [](const core::Status& status) {
    return ErrorResponse(status, status.code() == core::StatusCode::kNotFound ? "model_not_found" : "");
  };
  // Metadata first: it validates every field, so a bad one changes nothing.
  auto model = registry_.FindModel(params[0]);
  if (!model.ok()) return model_error(model.status());
  if (!update.empty()) {
    model = registry_.UpdateModel(model->id, update);
    if (!model.ok()) return model_error(model.status());
  }
  if (is_public) {
    auto visible = access_.SetModelPublic(model->id, *is_public);
    if (!visible.ok()) return model_error(visible.status());
    model->is_public = visible->is_public;
  }
  if (on_changed_) on_changed_(*model);
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("id");
  WriteString(out.writer, model->id);
  out.writer.Key("name");
  WriteString(out.writer, model->name);
  out.writer.Key("public");
  out.writer.Bool(model->is_public);
  out.writer.Key("description");
  WriteString(out.writer, model->description);
  out.writer.Key("owner");
  WriteString(out.writer, model->owner);
  out.writer.Key("tags");
  out.writer.StartArray();
  for (const std::string& tag : model->tags) WriteString(out.writer, tag);
  out.writer.EndArray();
  out.writer.Key("retention");
  if (model->retention_keep_last > 0) {
    out.writer.StartObject();
    out.writer.Key("keep_last");
    out.writer.Int64(model->retention_keep_last);
    out.writer.EndObject();
  } else {
    out.writer.Null();
  }
  out.writer.EndObject();
  return Response::Json(200, out.Take());
}

}  // namespace amp::api
