// Who may use a model: PUT / DELETE /v1/models/{name}/grants/{key_id} lets a key read and predict on the model, or
// stops it (admin); PATCH /v1/models/{name} changes the model (admin, developer): {"public": bool} makes it callable
// without a key or not, and "description", "owner", "tags" (replaces the set) and "retention" ({"keep_last": N},
// or null for none) edit its metadata (registry::ModelRegistry::UpdateModel). Thread-safe.
#pragma once

#include <functional>

#include "api/router.h"
#include "auth/access_control.h"
#include "registry/model_registry.h"

namespace amp::api {

class ModelAccessHandlers {
 public:
  ModelAccessHandlers(auth::AccessControl& access, registry::ModelRegistry& registry)
      : access_(access), registry_(registry) {}
  void AddRoutes(Router& router);
  // Called after each successful PATCH (e.g. to run the retention collector soon). Set before serving.
  void OnModelChanged(std::function<void(const storage::ModelRecord&)> hook) { on_changed_ = std::move(hook); }

  Response Grant(const Request& request, const PathParams& params, bool grant);
  Response Update(const Request& request, const PathParams& params);

 private:
  auth::AccessControl& access_;
  registry::ModelRegistry& registry_;
  std::function<void(const storage::ModelRecord&)> on_changed_;
};

}  // namespace amp::api
