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
             [this](const Request& request, const PathParams& params) { return SetVisibility(request, params); });
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

Response ModelAccessHandlers::SetVisibility(const Request& request, const PathParams& params) {
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

}  // namespace amp::api
