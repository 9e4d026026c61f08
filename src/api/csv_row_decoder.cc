#include "api/csv_row_decoder.h"

#include <istream>
#include <streambuf>

#include "core/text.h"
#include "data/column_type.h"
#include "data/csv_header.h"
#include "data/csv_reader.h"

namespace amp::api {
namespace {

// Reads a string_view through std::istream without copying it.
class ViewStreamBuf : public std::streambuf {
 public:
  explicit ViewStreamBuf(std::string_view text) {
    // The get area is only read: std::streambuf's default pbackfail never writes into it.
    char* begin = const_cast<char*>(text.data());
    setg(begin, begin, begin + text.size());
  }
};

// The typing rule of one non-missing CSV cell of a number-like feature. Nullopt when it does not parse.
std::optional<double> ParseNumberLikeCell(std::string_view cell, data::ColumnType type) {
  if (type == data::ColumnType::kBoolean) {
    if (std::optional<bool> flag = data::ParseBoolean(cell)) return *flag ? 1.0 : 0.0;
    std::optional<double> number = data::ParseNumber(cell);
    if (number && (*number == 0.0 || *number == 1.0)) return *number;
    return std::nullopt;
  }
  return data::ParseNumber(cell);
}

std::string_view ExpectedCell(data::ColumnType type) {
  return type == data::ColumnType::kBoolean ? "a boolean (true/false, yes/no or 0/1)" : "a number";
}

}  // namespace

CsvRowDecoder& ThreadCsvRowDecoder() {
  thread_local CsvRowDecoder decoder;
  return decoder;
}

core::Status CsvRowDecoder::Decode(std::string_view body, const ml::ModelSignature& signature, size_t max_rows) {
  values_.clear();
  row_count_ = 0;
  text_arena_.clear();
  if (text_arena_.capacity() < body.size()) text_arena_.reserve(body.size());

  ViewStreamBuf buffer(body);
  std::istream input(&buffer);
  data::CsvReader reader(input);
  AMP_ASSIGN_OR_RETURN(std::vector<std::string> header, data::ReadCsvHeader(&reader));
  const size_t width = signature.features.size();
  column_features_.clear();
  std::vector<unsigned char> named(width, 0);
  for (const std::string& name : header) {
    const int feature_idx = signature.FindFeature(name);
    if (feature_idx < 0) {
      return core::FailedPrecondition("line " + std::to_string(reader.record_line()) + ": unknown column '" +
                                      core::ShortenForMessage(name) +
                                      "' in the CSV header; the model takes: " + signature.FeatureList());
    }
    named[static_cast<size_t>(feature_idx)] = 1;  // ReadCsvHeader already rejected duplicates
    column_features_.push_back(static_cast<size_t>(feature_idx));
  }
  for (size_t feature_idx = 0; feature_idx < width; ++feature_idx) {
    if (!named[feature_idx]) {
      return core::FailedPrecondition("line " + std::to_string(reader.record_line()) + ": missing column '" +
                                      signature.features[feature_idx].name +
                                      "' in the CSV header (leave cells empty to have values imputed)");
    }
  }

  while (true) {
    AMP_ASSIGN_OR_RETURN(bool has_record, reader.Next(&fields_));
    if (!has_record) break;
    AMP_RETURN_IF_ERROR(data::CheckRecordWidth(reader, header.size(), fields_.size()));
    if (row_count_ == max_rows) {
      return core::ResourceExhausted("at most " + std::to_string(max_rows) + " rows per request");
    }
    const size_t row_offset = values_.size();
    values_.resize(row_offset + width);
    for (size_t column_idx = 0; column_idx < fields_.size(); ++column_idx) {
      const size_t feature_idx = column_features_[column_idx];
      const ml::FeatureSpec& feature = signature.features[feature_idx];
      const std::string_view cell = data::TrimBlanks(fields_[column_idx]);
      ml::FeatureValue& slot = values_[row_offset + feature_idx];
      if (data::IsMissingValue(cell)) {
        slot = ml::FeatureValue::Missing();
      } else if (feature.type == data::ColumnType::kCategorical) {
        if (text_arena_.size() + cell.size() > text_arena_.capacity()) {
          return core::Internal("CSV text outgrew its reserved buffer");  // cannot happen; see text_arena_
        }
        const size_t text_offset = text_arena_.size();
        text_arena_.append(cell);
        slot = ml::FeatureValue::Text(std::string_view(text_arena_).substr(text_offset, cell.size()));
      } else if (std::optional<double> number = ParseNumberLikeCell(cell, feature.type)) {
        slot = ml::FeatureValue::Number(*number);
      } else {
        return core::FailedPrecondition("line " + std::to_string(reader.record_line()) + ", column '" + feature.name +
                                        "': expected " + std::string(ExpectedCell(feature.type)) + ", got '" +
                                        core::ShortenForMessage(cell) + "'");
      }
    }
    ++row_count_;
  }
  return core::Status::Ok();
}

}  // namespace amp::api
