#include "ml/model_import.h"

#include <limits>
#include <utility>
#include <vector>

#include "ml/onnx/onnx_model.h"
#include "ml/pipeline.h"
#include "ml/xgboost/booster.h"
#include "ml/xgboost/xgboost_model.h"

namespace amp::ml {
namespace {

core::Result<std::shared_ptr<const Model>> ImportXgboost(ImportSpec spec) {
  for (const FeatureSpec& feature : spec.signature.features) {
    if (!data::IsNumberLike(feature.type)) {
      return core::InvalidArgument("feature '" + feature.name +
                                   "' is categorical; an imported XGBoost model takes number-like features only");
    }
  }
  // Whatever the file's format, the version stores UBJSON as trained versions do.
  auto booster = Booster::Load(spec.bytes);
  if (!booster.ok()) {
    return core::InvalidArgument("not an XGBoost model: " + std::string(booster.status().message()));
  }
  AMP_ASSIGN_OR_RETURN(std::string ubj, booster->Save("ubj"));
  // Identity preprocessing: no scaling, and a missing value stays NaN, which the trees send down their default
  // branches as XGBoost does.
  std::vector<FeatureTransform> transforms;
  for (const FeatureSpec& feature : spec.signature.features) {
    FeatureTransform transform;
    transform.feature = feature;
    transform.impute_value = std::numeric_limits<double>::quiet_NaN();
    transforms.push_back(std::move(transform));
  }
  auto model = XgboostModel::Create(std::move(spec.signature), Pipeline(std::move(transforms)), std::move(ubj));
  if (!model.ok()) return model.status();
  return std::shared_ptr<const Model>(std::move(*model));
}

}  // namespace

core::Result<ImportFormat> ParseImportFormat(std::string_view name) {
  if (name == "onnx") return ImportFormat::kOnnx;
  if (name == "xgboost_json") return ImportFormat::kXgboostJson;
  if (name == "xgboost_ubj") return ImportFormat::kXgboostUbj;
  return core::InvalidArgument("format must be onnx, xgboost_json or xgboost_ubj, not '" + std::string(name) + "'");
}

core::Result<std::shared_ptr<const Model>> ImportModel(ImportSpec spec) {
  if (spec.bytes.empty()) return core::InvalidArgument("the model file is empty");
  const ModelSignature& signature = spec.signature;
  if (signature.features.empty()) return core::InvalidArgument("an imported model needs at least one feature");
  for (size_t feature_idx = 0; feature_idx < signature.features.size(); ++feature_idx) {
    const std::string& name = signature.features[feature_idx].name;
    if (name.empty()) return core::InvalidArgument("a feature has no name");
    if (signature.FindFeature(name) != static_cast<int>(feature_idx)) {
      return core::InvalidArgument("feature '" + name + "' is listed twice");
    }
  }
  if (IsClassification(signature.task)) {
    if (signature.classes.size() < 2) return core::InvalidArgument("a classifier needs at least two classes");
    for (size_t class_idx = 0; class_idx < signature.classes.size(); ++class_idx) {
      for (size_t other = 0; other < class_idx; ++other) {
        if (signature.classes[other] == signature.classes[class_idx]) {
          return core::InvalidArgument("class '" + signature.classes[class_idx] + "' is listed twice");
        }
      }
    }
  } else if (!signature.classes.empty()) {
    return core::InvalidArgument("a regression model has no classes");
  }
  if (spec.format == ImportFormat::kOnnx) {
    auto model = OnnxModel::Create(std::move(spec.signature), std::move(spec.bytes), std::move(spec.output));
    if (!model.ok()) return model.status();
    return std::shared_ptr<const Model>(std::move(*model));
  }
  if (!spec.output.empty()) return core::InvalidArgument("output applies to ONNX models only");
  // Both formats open with '{'; JSON follows it with a key's quote (or whitespace), UBJSON with a type marker.
  const std::string& bytes = spec.bytes;
  const bool json = bytes.size() > 1 && bytes[0] == '{' &&
                    (bytes[1] == '"' || bytes[1] == '}' || bytes[1] == ' ' || bytes[1] == '\n' || bytes[1] == '\r' ||
                     bytes[1] == '\t');
  if (json != (spec.format == ImportFormat::kXgboostJson)) {
    return core::InvalidArgument(json ? "the file is JSON; use format xgboost_json"
                                      : "the file is not JSON; use format xgboost_ubj");
  }
  return ImportXgboost(std::move(spec));
}

}  // namespace amp::ml
