#include "api/row_decoder.h"

#include <charconv>
#include <cmath>

#include "api/json_body.h"

namespace amp::api {
namespace {

std::string RowPrefix(size_t row_idx, bool many) {
  return many ? "row " + std::to_string(row_idx) + ": " : "";
}

// Quotes client text in a message, cut at a character boundary so the response stays valid UTF-8.
std::string ShortenForMessage(std::string_view text) {
  constexpr size_t kMaxShownBytes = 100;
  if (text.size() <= kMaxShownBytes) return std::string(text);
  size_t cut = kMaxShownBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut));
}

// What a feature of `type` takes, for error messages.
std::string_view ExpectedValue(data::ColumnType type) {
  switch (type) {
    case data::ColumnType::kCategorical: return "a string";
    case data::ColumnType::kBoolean: return "a boolean (true/false or 0/1)";
    case data::ColumnType::kNumeric:
    case data::ColumnType::kInteger: break;
  }
  return "a number";
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
      return core::FailedPrecondition(RowPrefix(row_idx, many) + "unknown feature '" + ShortenForMessage(field.key) +
                                      "'; the model takes: " + ExpectedFeatures(signature));
    }
    const ml::FeatureSpec& feature = signature.features[static_cast<size_t>(feature_idx)];
    seen[feature_idx] = 1;
    ml::FeatureValue& slot = row[feature_idx];
    simdjson::dom::element item = field.value;
    auto type_error = [&] {
      return core::FailedPrecondition(RowPrefix(row_idx, many) + "feature '" + feature.name + "' expects " +
                                      std::string(ExpectedValue(feature.type)) + ", got " +
                                      std::string(JsonTypeName(item.type())));
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
          text_storage_.emplace_back(buffer, printed.ec == std::errc() ? printed.ptr : buffer);
          slot = ml::FeatureValue::Text(text_storage_.back());
        } else if (feature.type == data::ColumnType::kBoolean && number != 0.0 && number != 1.0) {
          return type_error();
        } else {
          slot = ml::FeatureValue::Number(number);
        }
        break;
      }
      case simdjson::dom::element_type::BOOL:
        if (feature.type != data::ColumnType::kBoolean) {
          return type_error();
        }
        slot = ml::FeatureValue::Number(item.get_bool().value_unsafe() ? 1.0 : 0.0);
        break;
      case simdjson::dom::element_type::STRING:
        if (feature.type != data::ColumnType::kCategorical) {
          return type_error();
        }
        slot = ml::FeatureValue::Text(item.get_string().value_unsafe());
        break;
      default:
        return type_error();
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
