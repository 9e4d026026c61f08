// Batch decoding for the v1 predict routes: reading a body in any of its three formats and typing its rows against
// a model's signature. The formats: JSON rows ({"rows": [{feature: value, ...}, ...]}, "inputs" for "rows", or a
// bare array of row objects), JSON columns ({"columns": [name, ...], "data": [[value, ...], ...]}, pandas' "split"
// orient; its "index" is ignored) and text/csv (see CsvRowDecoder). Two steps, because the model is resolved in
// between: ReadBatchBody needs no model, DecodeBatch does. Thread-safe: both use per-thread parsers and decoders.
#pragma once

#include <simdjson.h>

#include <optional>
#include <span>
#include <string_view>

#include "api/request.h"
#include "ml/model.h"

namespace amp::api {

inline constexpr size_t kMaxRowsPerRequest = 100000;

enum class BatchFormat { kJsonRows, kJsonColumns, kCsv };

// A predict body whose format is known but whose values are not yet typed. Views into the request and into this
// thread's JSON parser: valid until the next JSON parse on this thread.
struct BatchBody {
  BatchFormat format = BatchFormat::kJsonRows;
  simdjson::dom::array rows;     // kJsonRows: the row objects
  simdjson::dom::array columns;  // kJsonColumns: the column names
  simdjson::dom::array data;     // kJsonColumns: the row arrays
  std::string_view csv;          // kCsv: the body
};

// Rows typed for a model: row_count x features values, row-major in the signature's order. Valid until the next
// DecodeBatch on this thread.
struct DecodedBatch {
  std::span<const ml::FeatureValue> values;
  size_t row_count = 0;
};

// Finds the format of `request`'s body. A Content-Type of text/csv (any parameters) is CSV; anything else goes
// through ParseJsonBody (415 for a type that is not JSON, 400 for an empty body or invalid JSON). Then 422 for JSON
// of another shape than the formats above (naming what was expected), 413 for more than kMaxRowsPerRequest rows.
std::optional<Response> ReadBatchBody(const Request& request, BatchBody* body);

// Types `body`'s rows for `signature` with this thread's decoders. Errors: 422 naming the row (or CSV line) and the
// feature for an unknown, missing or mistyped value, an unknown or missing column; 400 for malformed CSV (a ragged
// line, bad quoting, invalid UTF-8, naming the line); 413 for more than kMaxRowsPerRequest CSV rows.
std::optional<Response> DecodeBatch(const BatchBody& body, const ml::ModelSignature& signature, DecodedBatch* batch);

}  // namespace amp::api
