#include "ml/xgboost/xgboost_json_export.h"

#include <xgboost/c_api.h>

#include <vector>

#include "ml/xgboost/xgboost_model.h"

namespace amp::ml {

core::Result<std::string> ExportXgboostJson(const Model& model) {
  const auto* xgboost_model = dynamic_cast<const XgboostModel*>(&model);
  if (xgboost_model == nullptr) {
    return core::FailedPrecondition("only XGBoost models export as XGBoost JSON; this is a " +
                                    std::string(model.algorithm()) + " model");
  }
  AMP_ASSIGN_OR_RETURN(Booster booster, Booster::Load(xgboost_model->booster_ubj()));
  const std::vector<std::string> names = xgboost_model->pipeline().EncodedNames();
  std::vector<std::string> types;
  for (const FeatureTransform& transform : xgboost_model->pipeline().transforms()) {
    if (transform.feature.type == data::ColumnType::kCategorical) {
      types.insert(types.end(), transform.categories.size(), "i");
    } else {
      types.emplace_back("float");
    }
  }
  if (types.size() != names.size()) return core::Internal("encoded names and types disagree");
  for (const std::string& name : names) {
    if (name.find_first_of("[]<") != std::string::npos) {
      return core::FailedPrecondition("XGBoost forbids '[', ']' and '<' in feature names, found in encoded column '" +
                                      name + "'");
    }
  }
  auto set_info = [&](const char* field, const std::vector<std::string>& values) -> core::Status {
    std::vector<const char*> pointers;
    for (const std::string& value : values) pointers.push_back(value.c_str());
    if (XGBoosterSetStrFeatureInfo(booster.handle(), field, pointers.data(), pointers.size()) != 0) {
      return core::Internal(std::string("XGBoosterSetStrFeatureInfo(") + field + "): " + XGBGetLastError());
    }
    return core::Status::Ok();
  };
  AMP_RETURN_IF_ERROR(set_info("feature_name", names));
  AMP_RETURN_IF_ERROR(set_info("feature_type", types));
  return booster.Save("json");
}

}  // namespace amp::ml
