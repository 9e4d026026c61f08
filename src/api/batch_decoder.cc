#include "api/batch_decoder.h"

#include <string>

#include "api/csv_row_decoder.h"
#include "api/error_response.h"
#include "api/json_body.h"
#include "api/row_decoder.h"

namespace amp::api {
namespace {

constexpr std::string_view kExpectedShapes =
    "expected {\"rows\": [{feature: value, ...}, ...]} or {\"columns\": [feature, ...], \"data\": [[value, ...], "
    "...]}";

bool IsCsvContentType(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  constexpr std::string_view kCsv = "text/csv";
  if (media.size() != kCsv.size()) return false;
  for (size_t idx = 0; idx < media.size(); ++idx) {
    const char lower = media[idx] >= 'A' && media[idx] <= 'Z' ? static_cast<char>(media[idx] + 32) : media[idx];
    if (lower != kCsv[idx]) return false;
  }
  return true;
}

Response TooManyRows() {
  return ErrorResponse(413, "too_many_rows",
                       "at most " + std::to_string(kMaxRowsPerRequest) + " rows per request; split the batch");
}

Response InvalidInput(std::string_view message) {
  return ErrorResponse(422, "invalid_input", message);
}

}  // namespace

std::optional<Response> ReadBatchBody(const Request& request, BatchBody* body) {
  if (IsCsvContentType(request.content_type)) {
    if (request.body.empty()) {
      return ErrorResponse(400, "empty_body", "the request body is empty; expected a CSV header and rows");
    }
    body->format = BatchFormat::kCsv;
    body->csv = request.body;
    return std::nullopt;
  }
  simdjson::dom::element root;
  if (auto error = ParseJsonBody(request, &root)) return error;
  simdjson::dom::element rows = root;  // a bare array of row objects
  simdjson::dom::object object;
  if (root.get_object().get(object) == simdjson::SUCCESS) {
    simdjson::dom::element columns;
    simdjson::dom::element data;
    const bool has_rows =
        object["rows"].get(rows) == simdjson::SUCCESS || object["inputs"].get(rows) == simdjson::SUCCESS;
    const bool has_columns = object["columns"].get(columns) == simdjson::SUCCESS;
    const bool has_data = object["data"].get(data) == simdjson::SUCCESS;
    if (has_rows && (has_columns || has_data)) {
      return InvalidInput("send either \"rows\" or \"columns\" and \"data\", not both");
    }
    if (has_columns || has_data) {
      if (!has_columns || !has_data) return InvalidInput(kExpectedShapes);
      if (columns.get_array().get(body->columns) != simdjson::SUCCESS) {
        return InvalidInput("'columns' must be an array of feature names");
      }
      if (data.get_array().get(body->data) != simdjson::SUCCESS) {
        return InvalidInput("'data' must be an array of rows, each an array of values in the order of 'columns'");
      }
      if (body->data.size() > kMaxRowsPerRequest) return TooManyRows();
      body->format = BatchFormat::kJsonColumns;
      return std::nullopt;
    }
    if (!has_rows) return InvalidInput(kExpectedShapes);
  }
  if (rows.get_array().get(body->rows) != simdjson::SUCCESS) {
    return InvalidInput("'rows' must be an array of objects of feature values");
  }
  if (body->rows.size() > kMaxRowsPerRequest) return TooManyRows();
  body->format = BatchFormat::kJsonRows;
  return std::nullopt;
}

std::optional<Response> DecodeBatch(const BatchBody& body, const ml::ModelSignature& signature, DecodedBatch* batch) {
  switch (body.format) {
    case BatchFormat::kCsv: {
      CsvRowDecoder& decoder = ThreadCsvRowDecoder();
      core::Status status = decoder.Decode(body.csv, signature, kMaxRowsPerRequest);
      if (status.code() == core::StatusCode::kResourceExhausted) return TooManyRows();
      if (status.code() == core::StatusCode::kInvalidArgument) {
        return ErrorResponse(400, "invalid_csv", status.message());
      }
      if (!status.ok()) return ErrorResponse(status);
      batch->values = decoder.values();
      batch->row_count = decoder.row_count();
      return std::nullopt;
    }
    case BatchFormat::kJsonColumns: {
      RowDecoder& decoder = ThreadRowDecoder();
      decoder.Reset(signature, body.data.size());
      core::Status status = decoder.SetColumns(body.columns);
      if (!status.ok()) return ErrorResponse(status, "invalid_input");
      size_t row_idx = 0;
      for (simdjson::dom::element row : body.data) {
        status = decoder.DecodeArrayRow(row, row_idx++);
        if (!status.ok()) return ErrorResponse(status, "invalid_input");
      }
      batch->values = decoder.values();
      batch->row_count = row_idx;
      return std::nullopt;
    }
    case BatchFormat::kJsonRows: {
      RowDecoder& decoder = ThreadRowDecoder();
      decoder.Reset(signature, body.rows.size());
      size_t row_idx = 0;
      for (simdjson::dom::element row : body.rows) {
        core::Status status = decoder.DecodeRow(row, row_idx++);
        if (!status.ok()) return ErrorResponse(status, "invalid_input");
      }
      batch->values = decoder.values();
      batch->row_count = row_idx;
      return std::nullopt;
    }
  }
  return ErrorResponse(500, "internal", "unknown batch format");
}

}  // namespace amp::api
