// Registry endpoints: GET /v1/models, GET /v1/models/{name}, GET /v1/models/{name}/versions/{n}, the version's
// self-contained bundle GET /v1/models/{name}/versions/{n}/artifact (registry/model_bundle.h; its SHA-256 in the
// X-Amp-Bundle-Sha256 header), the version as an ONNX model GET /v1/models/{name}/versions/{n}/export?format=onnx
// (ml/onnx/onnx_export.h), and aliases:
// GET /v1/models/{name}/aliases, PUT and DELETE /v1/models/{name}/aliases/{alias}; DELETE
// /v1/models/{name}/versions/{n} (409 while an alias points to it or calls by name serve it). GET /v1/models filters
// by ?tag=, ?owner= and ?q= (search text). Thread-safe.
#pragma once

#include "api/router.h"
#include "registry/model_registry.h"

namespace amp::api {

class ModelHandlers {
 public:
  explicit ModelHandlers(registry::ModelRegistry& registry) : registry_(registry) {}
  void AddRoutes(Router& router);

  Response List(const Request& request);
  Response Get(const Request& request, const PathParams& params);
  Response GetVersion(const Request& request, const PathParams& params);
  Response DeleteVersion(const Request& request, const PathParams& params);
  Response GetArtifact(const Request& request, const PathParams& params);
  Response GetExport(const Request& request, const PathParams& params);
  Response ListAliases(const Request& request, const PathParams& params);
  Response SetAlias(const Request& request, const PathParams& params);
  Response DeleteAlias(const Request& request, const PathParams& params);

 private:
  registry::ModelRegistry& registry_;
};

}  // namespace amp::api
