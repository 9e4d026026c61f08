// ExportOnnx: writes a regression or classification model with its preprocessing as an ONNX model (ai.onnx.ml operators), so another
// runtime (ONNX Runtime, ...) scores it as AMP does. Used by GET /v1/models/{m}/versions/{n}/export?format=onnx.
// Pure function of the model; thread-safe. The protobuf classes stay inside onnx_export.cc.
//
// The graph: one input per feature, named after it, shape [N, 1]: float for number-like features (NaN = missing;
// booleans as 0/1), string for categorical ones ("" = missing). Number-like: Imputer (the training median), then
// Scaler (the training mean and standard deviation) where the model standardizes. Categorical: LabelEncoder (each
// training category to its index, "" to the most frequent category's, anything else to -1), then OneHotEncoder
// (zeros=1: an unseen category is all zeros, as in AMP) and Reshape to [N, K]. Concat (in the pipeline's column
// order), then LinearRegressor (linear_regression) or TreeEnsembleRegressor (xgboost_regressor: XGBoost's trees
// with BRANCH_LT splits, default directions for NaN and base_score). One output named after the target, float [N, 1].
// Classifiers (logistic_regression: LinearClassifier with SOFTMAX; xgboost_classifier: TreeEnsembleClassifier with
// LOGISTIC for two classes, SOFTMAX for more) have two outputs: the label named after the target (string [N], one of
// the signature's classes) and OnnxProbabilitiesOutput(target) (float [N, classes], in the signature's class order).
// Opsets: ai.onnx 15, ai.onnx.ml 3; IR version 8 (ONNX 1.12).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "ml/model.h"

namespace amp::ml {

// The name of a classifier's probabilities output: "<target>_probabilities".
std::string OnnxProbabilitiesOutput(std::string_view target);

// The serialized ModelProto of `model`. FailedPrecondition naming the algorithm for a model type without an ONNX
// form, if a feature name clashes with the target's (ONNX names must be distinct), or if the pipeline has an
// extended transform (a date feature, a missing indicator or an "other" column; see ml/pipeline.h) that the graph
// cannot express; Internal if protobuf fails.
core::Result<std::string> ExportOnnx(const Model& model);

}  // namespace amp::ml
