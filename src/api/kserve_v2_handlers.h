// KServe V2 / Open Inference Protocol REST endpoints (github.com/kserve/open-inference-protocol, inference_rest.md):
//   GET  /v2/health/live, /v2/health/ready, /v2                       server liveness, readiness, metadata
//   GET  /v2/models                                                   AMP extension: the models that can be called
//   GET  /v2/models/{m}[/versions/{v}]                                model metadata, one input tensor per feature
//   GET  /v2/models/{m}[/versions/{v}]/ready                          model readiness
//   POST /v2/models/{m}[/versions/{v}]/infer                          inference
// Thin: resolve the served version, decode tensors (KServeV2Codec), call the model, render. Errors are
// {"error", "code"}: 400 for a bad request, 404 for an unknown model or version. Thread-safe.
#pragma once

#include <functional>

#include "api/router.h"
#include "registry/model_registry.h"
#include "serving/model_manager.h"

namespace amp::api {

class KServeV2Handlers {
 public:
  // `is_ready` tells whether the server is ready to serve (GET /v2/health/ready); it is called on request threads.
  KServeV2Handlers(registry::ModelRegistry& registry, serving::ModelManager& manager, std::function<bool()> is_ready)
      : registry_(registry), manager_(manager), is_ready_(std::move(is_ready)) {}

  void AddRoutes(Router& router);

  Response Live(const Request& request);
  Response Ready(const Request& request);
  Response ServerMetadata(const Request& request);
  Response ListModels(const Request& request);
  // params: model, or model and version.
  Response ModelMetadata(const Request& request, const PathParams& params);
  Response ModelReady(const Request& request, const PathParams& params);
  Response Infer(const Request& request, const PathParams& params);

 private:
  // The servable that the model (and version) in `params` names; the error response to send otherwise.
  core::Result<serving::ServableHandle> Resolve(const PathParams& params);

  registry::ModelRegistry& registry_;
  serving::ModelManager& manager_;
  std::function<bool()> is_ready_;
};

}  // namespace amp::api
