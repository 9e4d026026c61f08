// Import endpoint: POST /v1/models/{name}/import registers a model trained elsewhere (ONNX, or XGBoost JSON/UBJSON
// from the Python package) as a new version of the model, served like trained versions (ml/model_import.h). The
// body is JSON, streamed to disk so large models fit (up to kMaxImportBodyBytes):
//   {"format": "onnx" | "xgboost_json" | "xgboost_ubj", "model_base64": "<the file, base64>",
//    "features": [{"name": "x1", "type": "numeric"}, ...], "task": "regression" | "classification",
//    "classes": ["a", "b", ...], "target": "y", "output": "<ONNX output name>"}
// (type defaults to numeric; classes are required for classification and refer to the model's class indices in
// order; target defaults to "prediction"; output is ONNX only and optional). 201 with the new version's JSON; 422
// with a message naming the problem (unsupported ONNX operators, inputs that do not match the features, ...).
// Thread-safe.
#pragma once

#include "api/router.h"
#include "registry/model_registry.h"

namespace amp::api {

inline constexpr uint64_t kMaxImportBodyBytes = uint64_t{512} << 20;

class ModelImportHandlers {
 public:
  explicit ModelImportHandlers(registry::ModelRegistry& registry) : registry_(registry) {}
  void AddRoutes(Router& router);

  Response Import(const Request& request, const PathParams& params);

 private:
  registry::ModelRegistry& registry_;
};

}  // namespace amp::api
