// ImportModel: turns a model trained elsewhere into an AMP Model, for POST /v1/models/{m}/import. ONNX models run
// on AMP's ONNX executor (ml/onnx/onnx_model.h); XGBoost models saved by the Python package (Booster.save_model or
// save_raw, JSON or UBJSON) run on the FlatForest path as trained ones do, over number-like features in the order
// the booster was trained on, a missing value going down each split's default branch as in XGBoost. Pure function;
// thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "ml/model.h"

namespace amp::ml {

enum class ImportFormat { kOnnx, kXgboostJson, kXgboostUbj };

// "onnx", "xgboost_json", "xgboost_ubj"; InvalidArgument otherwise.
core::Result<ImportFormat> ParseImportFormat(std::string_view name);

struct ImportSpec {
  ImportFormat format = ImportFormat::kOnnx;
  std::string bytes;         // the model file
  ModelSignature signature;  // task, target, features (in the model's input order), classes
  std::string output;        // ONNX only: the output to read (empty: the first that fits the task)
};

// The imported model. For XGBoost, the booster's objective must fit the task (reg:squarederror; binary:logistic for
// two classes; multi:softprob with one group per class) and its number of features the signature's.
// InvalidArgument naming what does not fit; FailedPrecondition for unsupported ONNX operators (named).
core::Result<std::shared_ptr<const Model>> ImportModel(ImportSpec spec);

}  // namespace amp::ml
