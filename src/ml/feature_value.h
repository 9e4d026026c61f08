// FeatureValue: one input cell handed to a model at prediction time, borrowed from the request buffer (no copy).
// Rows are passed row-major as spans of FeatureValue in the model signature's feature order.
#pragma once

#include <string_view>

namespace amp::ml {

struct FeatureValue {
  enum class Kind : unsigned char { kMissing, kNumber, kText };
  Kind kind = Kind::kMissing;
  double number = 0.0;    // when kNumber (booleans as 0/1)
  std::string_view text;  // when kText; must outlive the Predict call

  static FeatureValue Missing() { return {}; }
  static FeatureValue Number(double value) { return {Kind::kNumber, value, {}}; }
  static FeatureValue Text(std::string_view value) { return {Kind::kText, 0.0, value}; }
};

}  // namespace amp::ml
