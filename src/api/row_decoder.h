// RowDecoder: turns JSON objects of named inputs ({"square_feet": 1650, ...}) into the FeatureValues a model takes,
// in its signature's order, checking every value against the feature's type. Shared by the classic and the v1
// prediction APIs. One decoder per thread (it keeps scratch buffers between requests); not thread-safe.
#pragma once

#include <simdjson.h>

#include <deque>
#include <string>
#include <vector>

#include "core/status.h"
#include "ml/model.h"

namespace amp::api {

class RowDecoder {
 public:
  // Starts a request of `row_count` rows for `signature`; values() then has row_count * features slots.
  void Reset(const ml::ModelSignature& signature, size_t row_count);

  // Decodes row `row_idx` from `value`, which must be a JSON object. FailedPrecondition naming the field for: not
  // an object, an unknown feature, a missing feature, a value of the wrong type (a string for a number, an array,
  // ...), a non-finite number. null means "missing": imputed by the model and reported by it.
  core::Status DecodeRow(simdjson::dom::element value, size_t row_idx);

  std::vector<ml::FeatureValue>& values() { return values_; }

 private:
  const ml::ModelSignature* signature_ = nullptr;
  std::vector<ml::FeatureValue> values_;
  std::vector<unsigned char> seen_;
  std::deque<std::string> text_storage_;  // category text made from numbers; stable addresses
};

// The per-thread decoder.
RowDecoder& ThreadRowDecoder();

}  // namespace amp::api
