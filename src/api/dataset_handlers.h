// Dataset endpoints: POST /v1/datasets?name=... (CSV body streamed to disk), GET /v1/datasets, GET
// /v1/datasets/{id}, DELETE /v1/datasets/{id}[?cascade=true] (with cascade, the models trained on it go too).
// Thread-safe.
#pragma once

#include "api/router.h"
#include "registry/dataset_catalog.h"
#include "registry/model_registry.h"

namespace amp::api {

class DatasetHandlers {
 public:
  DatasetHandlers(registry::DatasetCatalog& catalog, registry::ModelRegistry& models)
      : catalog_(catalog), models_(models) {}
  void AddRoutes(Router& router);

  Response Upload(const Request& request);
  Response List(const Request& request);
  Response Get(const Request& request, const PathParams& params);
  Response Delete(const Request& request, const PathParams& params);

 private:
  registry::DatasetCatalog& catalog_;
  registry::ModelRegistry& models_;
};

}  // namespace amp::api
