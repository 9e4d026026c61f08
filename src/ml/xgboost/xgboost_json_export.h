// ExportXgboostJson: an XGBoost model's booster in XGBoost's own JSON model format, which the XGBoost libraries
// (Python's xgboost.Booster(model_file=...), R, JVM) load and predict with exactly as AMP does. Used by
// GET /v1/models/{m}/versions/{n}/export?format=xgboost-json. Pure function of the model; thread-safe.
//
// The booster does not hold AMP's preprocessing: it expects the encoded matrix, one column per encoded column in the
// pipeline's order, named in the model's feature_names: a number-like feature is one column holding its raw value
// (booleans 0/1; AMP imputes a missing value with the training median, XGBoost would send NaN down the default
// branch instead), a categorical feature one 0/1 column per training category, sorted, named "feature=category"
// (feature type "i"). See docs/models.md.
#pragma once

#include <string>

#include "core/status.h"
#include "ml/model.h"

namespace amp::ml {

// FailedPrecondition naming the algorithm for a model that is not an XGBoost model, or when XGBoost refuses an
// encoded column name (it forbids '[', ']' and '<'); Internal if XGBoost fails otherwise.
core::Result<std::string> ExportXgboostJson(const Model& model);

}  // namespace amp::ml
