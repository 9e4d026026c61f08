// Prediction endpoints: the classic API (GET /api/model, POST /api/predict) and the v1 REST predict
// (POST /v1/models/{name}/predict and /v1/models/{name}/versions/{n}/predict; JSON rows, JSON columns or text/csv,
// answered in kind; ?explain=true adds per-feature contributions). Thin: decode the rows (row_decoder.h,
// batch_decoder.h), resolve the served version, call the model, render (scored_batch.h). Thread-safe.
#pragma once

#include "api/router.h"
#include "registry/model_registry.h"
#include "serving/model_manager.h"

namespace amp::api {

class PredictionHandlers {
 public:
  PredictionHandlers(registry::ModelRegistry& registry, serving::ModelManager& manager)
      : registry_(registry), manager_(manager) {}

  void AddRoutes(Router& router);

  Response ListModelsClassic(const Request& request);
  Response PredictClassic(const Request& request);
  Response PredictV1(const Request& request, const PathParams& params);

 private:
  registry::ModelRegistry& registry_;
  serving::ModelManager& manager_;
};

}  // namespace amp::api
