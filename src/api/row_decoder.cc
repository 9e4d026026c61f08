#include "api/row_decoder.h"

#include <charconv>
#include <cmath>

#include "api/json_body.h"
#include "core/text.h"

namespace amp::api {
namespace {

std::string RowPrefix(size_t row_idx, bool many) {
  return many ? "row " + std::to_string(row_idx) + ": " : "";
}

// What a feature of `type` takes, for error messages.
std::string_view ExpectedValue(data::ColumnType type) {
  switch (type) {
    case data::ColumnType::kCategorical:
      return "a string";
    case data::ColumnType::kBoolean:
      return "a boolean (true/false or 0/1)";
    case data::ColumnType::kNumeric:
    case data::ColumnType::kInteger:
      break;
  }
  return "a number";
}

}  // namespace

RowDecoder& ThreadRowDecoder() {
  thread_local RowDecoder decoder;
  return decoder;
}

void RowDecoder::Reset(const ml::ModelSignature& signature, size_t row_count) {
  signature_ = &signature;
  values_.assign(row_count * signature.features.size(), ml::FeatureValue::Missing());
  seen_.assign(values_.size(), 0);
  text_storage_.clear();
}

core::Status DecodeJsonFeatureValue(simdjson::dom::element item, const ml::FeatureSpec& feature,
                                    std::deque<std::string>* text_storage, ml::FeatureValue* slot) {
  auto type_error = [&] {
    return core::FailedPrecondition("feature '" + feature.name + "' expects " +
                                    std::string(ExpectedValue(feature.type)) + ", got " +
                                    std::string(JsonTypeName(item.type())));
  };
  switch (item.type()) {
    case simdjson::dom::element_type::NULL_VALUE:
      *slot = ml::FeatureValue::Missing();
      return core::Status::Ok();
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE: {
      double number = 0.0;
      if (item.get_double().get(number) != simdjson::SUCCESS || !std::isfinite(number)) {
        return core::FailedPrecondition("feature '" + feature.name + "' must be a finite number");
      }
      if (feature.type == data::ColumnType::kCategorical) {
        // A category written as a number (e.g. a code): match it by its text. Integers are printed from their
        // exact value: through a double, 9007199254740993 would read as ...992, and a uint64 above INT64_MAX
        // cannot be cast to int64 at all.
        char buffer[32];
        std::to_chars_result printed{buffer, std::errc::value_too_large};
        switch (item.type()) {
          case simdjson::dom::element_type::INT64:
            printed = std::to_chars(buffer, buffer + sizeof(buffer), item.get_int64().value_unsafe());
            break;
          case simdjson::dom::element_type::UINT64:
            printed = std::to_chars(buffer, buffer + sizeof(buffer), item.get_uint64().value_unsafe());
            break;
          default:
            printed = std::to_chars(buffer, buffer + sizeof(buffer), number);
            break;
        }
        text_storage->emplace_back(buffer, printed.ec == std::errc() ? printed.ptr : buffer);
        *slot = ml::FeatureValue::Text(text_storage->back());
        return core::Status::Ok();
      }
      if (feature.type == data::ColumnType::kBoolean && number != 0.0 && number != 1.0) return type_error();
      *slot = ml::FeatureValue::Number(number);
      return core::Status::Ok();
    }
    case simdjson::dom::element_type::BOOL:
      if (feature.type != data::ColumnType::kBoolean) return type_error();
      *slot = ml::FeatureValue::Number(item.get_bool().value_unsafe() ? 1.0 : 0.0);
      return core::Status::Ok();
    case simdjson::dom::element_type::STRING:
      if (feature.type != data::ColumnType::kCategorical) return type_error();
      *slot = ml::FeatureValue::Text(item.get_string().value_unsafe());
      return core::Status::Ok();
    default:
      return type_error();
  }
}

core::Status RowDecoder::DecodeRow(simdjson::dom::element value, size_t row_idx) {
  const ml::ModelSignature& signature = *signature_;
  const size_t width = signature.features.size();
  const bool many = values_.size() > width;
  simdjson::dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    return core::FailedPrecondition(RowPrefix(row_idx, many) +
                                    "input_parameters must be an object of feature "
                                    "values, got " +
                                    std::string(JsonTypeName(value.type())));
  }
  ml::FeatureValue* row = values_.data() + row_idx * width;
  unsigned char* seen = seen_.data() + row_idx * width;
  for (auto field : object) {
    int feature_idx = signature.FindFeature(field.key);
    if (feature_idx < 0) {
      return core::FailedPrecondition(RowPrefix(row_idx, many) + "unknown feature '" +
                                      core::ShortenForMessage(field.key) +
                                      "'; the model takes: " + signature.FeatureList());
    }
    seen[feature_idx] = 1;
    core::Status status = DecodeJsonFeatureValue(field.value, signature.features[static_cast<size_t>(feature_idx)],
                                                 &text_storage_, &row[feature_idx]);
    if (!status.ok()) return many ? status.WithContext("row " + std::to_string(row_idx)) : status;
  }
  for (size_t feature_idx = 0; feature_idx < width; ++feature_idx) {
    if (!seen[feature_idx]) {
      return core::FailedPrecondition(RowPrefix(row_idx, many) + "missing feature '" +
                                      signature.features[feature_idx].name + "' (send null to have it imputed)");
    }
  }
  return core::Status::Ok();
}

core::Status RowDecoder::SetColumns(simdjson::dom::array columns) {
  const ml::ModelSignature& signature = *signature_;
  const size_t width = signature.features.size();
  column_features_.clear();
  std::vector<unsigned char> named(width, 0);
  size_t position = 0;
  for (simdjson::dom::element column : columns) {
    std::string_view name;
    if (column.get_string().get(name) != simdjson::SUCCESS) {
      return core::FailedPrecondition("column " + std::to_string(position) +
                                      " of 'columns' must be a feature name (a string), got " +
                                      std::string(JsonTypeName(column.type())));
    }
    const int feature_idx = signature.FindFeature(name);
    if (feature_idx < 0) {
      return core::FailedPrecondition("unknown column '" + core::ShortenForMessage(name) +
                                      "'; the model takes: " + signature.FeatureList());
    }
    if (named[static_cast<size_t>(feature_idx)]) {
      return core::FailedPrecondition("column '" + std::string(name) + "' is named twice in 'columns'");
    }
    named[static_cast<size_t>(feature_idx)] = 1;
    column_features_.push_back(static_cast<size_t>(feature_idx));
    ++position;
  }
  for (size_t feature_idx = 0; feature_idx < width; ++feature_idx) {
    if (!named[feature_idx]) {
      return core::FailedPrecondition("missing column '" + signature.features[feature_idx].name +
                                      "' (every feature needs a column; send null values to have them imputed)");
    }
  }
  return core::Status::Ok();
}

core::Status RowDecoder::DecodeArrayRow(simdjson::dom::element value, size_t row_idx) {
  const ml::ModelSignature& signature = *signature_;
  simdjson::dom::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) {
    return core::FailedPrecondition("row " + std::to_string(row_idx) + " of 'data' must be an array of values, got " +
                                    std::string(JsonTypeName(value.type())));
  }
  if (array.size() != column_features_.size()) {
    return core::FailedPrecondition("row " + std::to_string(row_idx) + " of 'data' has " +
                                    std::to_string(array.size()) + " values; expected " +
                                    std::to_string(column_features_.size()) + ", one per column");
  }
  ml::FeatureValue* row = values_.data() + row_idx * signature.features.size();
  size_t position = 0;
  for (simdjson::dom::element item : array) {
    const size_t feature_idx = column_features_[position++];
    core::Status status =
        DecodeJsonFeatureValue(item, signature.features[feature_idx], &text_storage_, &row[feature_idx]);
    if (!status.ok()) return status.WithContext("row " + std::to_string(row_idx));
  }
  return core::Status::Ok();
}

}  // namespace amp::api
