// Dataset endpoints: POST /v1/datasets?name=... (CSV body streamed to disk), GET /v1/datasets, GET
// /v1/datasets/{id}. Thread-safe.
#pragma once

#include "api/router.h"
#include "registry/dataset_catalog.h"

namespace amp::api {

class DatasetHandlers {
 public:
  explicit DatasetHandlers(registry::DatasetCatalog& catalog) : catalog_(catalog) {}
  void AddRoutes(Router& router);

  Response Upload(const Request& request);
  Response List(const Request& request);
  Response Get(const Request& request, const PathParams& params);

 private:
  registry::DatasetCatalog& catalog_;
};

}  // namespace amp::api
