// RowDecoder: turns JSON rows into the FeatureValues a model takes, in its signature's order, checking every value
// against the feature's type: rows as objects of named inputs ({"square_feet": 1650, ...}, the classic and v1 APIs)
// or as arrays in a declared column order (the v1 columnar format, pandas' "split" orient). One decoder per thread
// (it keeps scratch buffers between requests); not thread-safe.
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

  // For rows given as arrays: declares which feature each position holds, from the request's column names.
  // FailedPrecondition naming the column for a name that is not a string, an unknown feature, a feature named twice
  // or a feature not named at all. Call after Reset, before DecodeArrayRow.
  core::Status SetColumns(simdjson::dom::array columns);

  // Decodes row `row_idx` from `value`, which must be an array with one value per declared column, typed as in
  // DecodeRow. FailedPrecondition naming the row (and the feature) otherwise.
  core::Status DecodeArrayRow(simdjson::dom::element value, size_t row_idx);

  std::vector<ml::FeatureValue>& values() { return values_; }

 private:
  const ml::ModelSignature* signature_ = nullptr;
  std::vector<ml::FeatureValue> values_;
  std::vector<unsigned char> seen_;
  std::deque<std::string> text_storage_;  // category text made from numbers; stable addresses
  std::vector<size_t> column_features_;   // SetColumns: the feature index of each position
};

// The typing rule of one JSON value for `feature`, shared by every JSON row format: null is missing; a number-like
// feature takes a finite number (a boolean feature true/false, or 0/1 as numbers); a categorical feature takes a
// string, or a number matched by its text (printed exactly, stored in `text_storage`, whose elements keep their
// addresses). FailedPrecondition "feature 'x' expects ..., got ..." otherwise; callers add the row.
core::Status DecodeJsonFeatureValue(simdjson::dom::element item, const ml::FeatureSpec& feature,
                                    std::deque<std::string>* text_storage, ml::FeatureValue* slot);

// The per-thread decoder.
RowDecoder& ThreadRowDecoder();

}  // namespace amp::api
