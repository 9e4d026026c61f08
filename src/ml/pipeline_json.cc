// Pipeline::ToJson / Pipeline::FromJson: the fitted pipeline as stored in a model artifact.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "ml/pipeline.h"

namespace amp::ml {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(Writer& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

}  // namespace

std::string Pipeline::ToJson() const {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  writer.Key("transforms");
  writer.StartArray();
  for (const FeatureTransform& transform : transforms_) {
    writer.StartObject();
    writer.Key("name");
    WriteString(writer, transform.feature.name);
    writer.Key("type");
    WriteString(writer, data::ColumnTypeName(transform.feature.type));
    if (transform.missing_indicator) {
      writer.Key("missing_indicator");
      writer.Bool(true);
      writer.Key("missing_share");
      writer.Double(transform.missing_share);
    }
    if (transform.IsDate()) {
      writer.Key("date_parts");
      writer.StartArray();
      for (const DatePart& part : transform.date_parts) {
        writer.StartObject();
        writer.Key("part");
        WriteString(writer, part.part);
        writer.Key("impute");
        writer.Double(part.impute_value);
        writer.Key("center");
        writer.Double(part.center);
        writer.Key("scale");
        writer.Double(part.scale);
        writer.Key("mean");
        writer.Double(part.mean);
        writer.EndObject();
      }
      writer.EndArray();
    } else if (data::IsNumberLike(transform.feature.type)) {
      writer.Key("impute");
      if (std::isnan(transform.impute_value)) {
        writer.Null();  // missing stays missing (imported XGBoost models: the trees' default branches)
      } else {
        writer.Double(transform.impute_value);
      }
      writer.Key("center");
      writer.Double(transform.center);
      writer.Key("scale");
      writer.Double(transform.scale);
    } else {
      writer.Key("categories");
      writer.StartArray();
      for (const std::string& category : transform.categories) WriteString(writer, category);
      writer.EndArray();
      writer.Key("impute_category");
      writer.Int(transform.impute_category);
      if (!transform.category_means.empty()) {
        writer.Key("category_means");
        writer.StartArray();
        for (double mean : transform.category_means) writer.Double(mean);
        writer.EndArray();
      }
      if (transform.other_bucket) {
        writer.Key("other_bucket");
        writer.Bool(true);
        writer.Key("other_mean");
        writer.Double(transform.other_mean);
      }
    }
    writer.EndObject();
  }
  writer.EndArray();
  writer.EndObject();
  return buffer.GetString();
}

core::Result<Pipeline> Pipeline::FromJson(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
  auto corrupt = [] { return core::DataLoss("malformed preprocessing pipeline in the model artifact"); };
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("transforms") || !doc["transforms"].IsArray()) {
    return corrupt();
  }
  std::vector<FeatureTransform> transforms;
  for (const auto& item : doc["transforms"].GetArray()) {
    if (!item.IsObject() || !item.HasMember("name") || !item["name"].IsString() || !item.HasMember("type") ||
        !item["type"].IsString()) {
      return corrupt();
    }
    FeatureTransform transform;
    transform.feature.name = item["name"].GetString();
    auto type = data::ParseColumnType(item["type"].GetString());
    if (!type.ok()) return corrupt();
    transform.feature.type = *type;
    if (item.HasMember("missing_indicator")) {
      if (!item["missing_indicator"].IsBool() || !item.HasMember("missing_share") ||
          !item["missing_share"].IsNumber() || (!data::IsNumberLike(*type) && !item.HasMember("date_parts"))) {
        return corrupt();
      }
      transform.missing_indicator = item["missing_indicator"].GetBool();
      transform.missing_share = item["missing_share"].GetDouble();
    }
    if (item.HasMember("date_parts")) {
      const auto& parts = item["date_parts"];
      if (data::IsNumberLike(*type) || !parts.IsArray() || parts.Empty() || parts.Size() > DatePartNames().size()) {
        return corrupt();
      }
      for (rapidjson::SizeType part_idx = 0; part_idx < parts.Size(); ++part_idx) {
        const auto& entry = parts[part_idx];
        if (!entry.IsObject() || !entry.HasMember("part") || !entry["part"].IsString() ||
            entry["part"].GetString() != DatePartNames()[part_idx]) {
          return corrupt();
        }
        DatePart part;
        part.part = entry["part"].GetString();
        for (const char* key : {"impute", "center", "scale", "mean"}) {
          if (!entry.HasMember(key) || !entry[key].IsNumber()) return corrupt();
        }
        part.impute_value = entry["impute"].GetDouble();
        part.center = entry["center"].GetDouble();
        part.scale = entry["scale"].GetDouble();
        part.mean = entry["mean"].GetDouble();
        if (part.scale == 0.0) return corrupt();
        transform.date_parts.push_back(std::move(part));
      }
      transforms.push_back(std::move(transform));
      continue;
    }
    if (data::IsNumberLike(*type)) {
      for (const char* key : {"impute", "center", "scale"}) {
        if (!item.HasMember(key) || !(item[key].IsNumber() || (item[key].IsNull() && key[0] == 'i'))) return corrupt();
      }
      transform.impute_value =
          item["impute"].IsNull() ? std::numeric_limits<double>::quiet_NaN() : item["impute"].GetDouble();
      transform.center = item["center"].GetDouble();
      transform.scale = item["scale"].GetDouble();
      if (transform.scale == 0.0) return corrupt();
    } else {
      if (!item.HasMember("categories") || !item["categories"].IsArray() || !item.HasMember("impute_category") ||
          !item["impute_category"].IsInt()) {
        return corrupt();
      }
      for (const auto& category : item["categories"].GetArray()) {
        if (!category.IsString()) return corrupt();
        transform.categories.emplace_back(category.GetString(), category.GetStringLength());
      }
      transform.impute_category = item["impute_category"].GetInt();
      if (transform.impute_category < 0 ||
          transform.impute_category >= static_cast<int32_t>(transform.categories.size()) ||
          std::adjacent_find(transform.categories.begin(), transform.categories.end(),
                             std::greater_equal<>()) != transform.categories.end()) {  // not strictly ascending
        return corrupt();
      }
      if (item.HasMember("category_means")) {  // absent in artifacts written before it was recorded
        const auto& means = item["category_means"];
        if (!means.IsArray() || means.Size() != transform.categories.size()) return corrupt();
        for (const auto& mean : means.GetArray()) {
          if (!mean.IsNumber() || !(mean.GetDouble() >= 0.0 && mean.GetDouble() <= 1.0)) return corrupt();
          transform.category_means.push_back(mean.GetDouble());
        }
      }
      if (item.HasMember("other_bucket")) {
        if (!item["other_bucket"].IsBool() || !item.HasMember("other_mean") || !item["other_mean"].IsNumber()) {
          return corrupt();
        }
        transform.other_bucket = item["other_bucket"].GetBool();
        transform.other_mean = item["other_mean"].GetDouble();
      }
    }
    transforms.push_back(std::move(transform));
  }
  return Pipeline(std::move(transforms));
}

}  // namespace amp::ml
