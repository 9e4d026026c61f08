// CsvRowDecoder: turns a text/csv prediction body (a header row of feature names in any order, then one line per
// row) into the FeatureValues a model takes, in its signature's order. Cells are read as the dataset loader reads
// them: blank, NA, N/A, NaN, null and None (any case) are missing; number-like features parse with
// data::ParseNumber (a boolean feature takes true/false, yes/no, t/f, y/n or 0/1); categorical cells are their
// text, trimmed of blanks. As in dataset files a blank line is skipped, so a one-feature model's missing value must
// be written as NA, not as an empty line. Used by the v1 predict routes; one decoder per thread (it keeps its
// buffers between requests); not thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "ml/model.h"

namespace amp::api {

class CsvRowDecoder {
 public:
  // Decodes `body` for `signature`, at most `max_rows` rows after the header. Errors:
  // - InvalidArgument for malformed CSV: what CsvReader rejects, an empty input, an empty or duplicate header name,
  //   a line with more or fewer fields than the header ("line N: ...", worded as for dataset uploads);
  // - FailedPrecondition for a header that names an unknown feature or leaves one out, and for a cell that does not
  //   parse for its feature's type ("line N, column 'x': ...");
  // - ResourceExhausted for more than `max_rows` rows.
  // values() and row_count() describe the last successful call; the text values borrow from this decoder and stay
  // valid until the next Decode.
  core::Status Decode(std::string_view body, const ml::ModelSignature& signature, size_t max_rows);

  std::span<const ml::FeatureValue> values() const { return values_; }
  size_t row_count() const { return row_count_; }

 private:
  std::vector<ml::FeatureValue> values_;
  std::vector<std::string> fields_;      // the current record, reused
  std::vector<size_t> column_features_;  // the feature index of each header column
  // Categorical cells, copied out of fields_. Reserved to the body's size before decoding (a record's unquoted text
  // is never longer than its bytes in the body), so it never reallocates and views into it stay valid.
  std::string text_arena_;
  size_t row_count_ = 0;
};

// The per-thread decoder.
CsvRowDecoder& ThreadCsvRowDecoder();

}  // namespace amp::api
