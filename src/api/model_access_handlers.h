// Who may use a model: PUT / DELETE /v1/models/{name}/grants/{key_id} lets a key read and predict on the model, or
// stops it (admin); PATCH /v1/models/{name} with {"public": bool} makes the model callable without a key or not
// (admin, developer). Thread-safe.
#pragma once

#include "api/router.h"
#include "auth/access_control.h"

namespace amp::api {

class ModelAccessHandlers {
 public:
  explicit ModelAccessHandlers(auth::AccessControl& access) : access_(access) {}
  void AddRoutes(Router& router);

  Response Grant(const Request& request, const PathParams& params, bool grant);
  Response SetVisibility(const Request& request, const PathParams& params);

 private:
  auth::AccessControl& access_;
};

}  // namespace amp::api
