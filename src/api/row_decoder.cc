#include "api/row_decoder.h"

#include <charconv>
#include <cmath>

#include "api/json_body.h"

namespace amp::api {
namespace {

std::string RowPrefix(size_t row_idx, bool many) {
  return many ? "row " + std::to_string(row_idx) + ": " : "";
}

std::string ExpectedFeatures(const ml::ModelSignature& signature) {
  std::string names;
  for (const ml::FeatureSpec& feature : signature.features) {
    if (!names.empty()) names += ", ";
    names += feature.name;
  }
  return names;
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

core::Status RowDecoder::DecodeRow(simdjson::dom::element value, size_t row_idx) {
  const ml::ModelSignature& signature = *signature_;
  const size_t width = signature.features.size();
  const bool many = values_.size() > width;
  simdjson::dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    return core::FailedPrecondition(RowPrefix(row_idx, many) + "input_parameters must be an object of feature "
                                    "values, got " + std::string(JsonTypeName(value.type())));
  }
  ml::FeatureValue* row = values_.data() + row_idx * width;
  unsigned char* seen = seen_.data() + row_idx * width;
  for (auto field : object) {
    int feature_idx = signature.FindFeature(field.key);
    if (feature_idx < 0) {
      return core::FailedPrecondition(RowPrefix(row_idx, many) + "unknown feature '" +
                                      std::string(field.key.substr(0, 100)) + "'; the model takes: " +
                                      ExpectedFeatures(signature));
    }
    const ml::FeatureSpec& feature = signature.features[static_cast<size_t>(feature_idx)];
    seen[feature_idx] = 1;
    ml::FeatureValue& slot = row[feature_idx];
    simdjson::dom::element item = field.value;
    auto type_error = [&](std::string_view expected) {
      return core::FailedPrecondition(RowPrefix(row_idx, many) + "feature '" + feature.name + "' expects " +
                                      std::string(expected) + ", got " + std::string(JsonTypeName(item.type())));
    };
    switch (item.type()) {
      case simdjson::dom::element_type::NULL_VALUE:
        slot = ml::FeatureValue::Missing();
        break;
      case simdjson::dom::element_type::INT64:
      case simdjson::dom::element_type::UINT64:
      case simdjson::dom::element_type::DOUBLE: {
        double number = 0.0;
        if (item.get_double().get(number) != simdjson::SUCCESS || !std::isfinite(number)) {
          return core::FailedPrecondition(RowPrefix(row_idx, many) + "feature '" + feature.name +
                                          "' must be a finite number");
        }
        if (feature.type == data::ColumnType::kCategorical) {
          // A category written as a number (e.g. a code): match it by its text.
          char buffer[32];
          auto [end, ec] = item.type() == simdjson::dom::element_type::DOUBLE
                               ? std::to_chars(buffer, buffer + sizeof(buffer), number)
                               : std::to_chars(buffer, buffer + sizeof(buffer), static_cast<int64_t>(number));
          text_storage_.emplace_back(buffer, ec == std::errc() ? end : buffer);
          slot = ml::FeatureValue::Text(text_storage_.back());
        } else if (feature.type == data::ColumnType::kBoolean && number != 0.0 && number != 1.0) {
          return type_error("a boolean (true/false or 0/1)");
        } else {
          slot = ml::FeatureValue::Number(number);
        }
        break;
      }
      case simdjson::dom::element_type::BOOL:
        if (feature.type != data::ColumnType::kBoolean) {
          return type_error(feature.type == data::ColumnType::kCategorical ? "a string" : "a number");
        }
        slot = ml::FeatureValue::Number(item.get_bool().value_unsafe() ? 1.0 : 0.0);
        break;
      case simdjson::dom::element_type::STRING:
        if (feature.type != data::ColumnType::kCategorical) {
          return type_error(feature.type == data::ColumnType::kBoolean ? "a boolean" : "a number");
        }
        slot = ml::FeatureValue::Text(item.get_string().value_unsafe());
        break;
      default:
        return type_error(feature.type == data::ColumnType::kCategorical ? "a string" : "a number");
    }
  }
  for (size_t feature_idx = 0; feature_idx < width; ++feature_idx) {
    if (!seen[feature_idx]) {
      return core::FailedPrecondition(RowPrefix(row_idx, many) + "missing feature '" +
                                      signature.features[feature_idx].name + "' (send null to have it imputed)");
    }
  }
  return core::Status::Ok();
}

}  // namespace amp::api
