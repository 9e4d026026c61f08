#include "monitoring/training_profile.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "data/column_type.h"

namespace amp::monitoring {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void ProfileNumbers(std::vector<double> values, int64_t count, FeatureProfile* out) {
  out->numeric = true;
  out->count = count;
  out->missing_rate =
      count == 0 ? 0.0 : static_cast<double>(count - static_cast<int64_t>(values.size())) / static_cast<double>(count);
  NumberProfile& numbers = out->numbers;
  if (values.empty()) return;
  std::sort(values.begin(), values.end());
  numbers.min = values.front();
  numbers.max = values.back();
  double sum = 0;
  for (double value : values) sum += value;
  numbers.mean = sum / static_cast<double>(values.size());
  double squares = 0;
  for (double value : values) squares += (value - numbers.mean) * (value - numbers.mean);
  numbers.stddev = std::sqrt(squares / static_cast<double>(values.size()));
  for (int bin = 1; bin < kProfileQuantileBins; ++bin) {
    // The lower empirical quantile, so the edge is a value the training data has.
    auto position = static_cast<size_t>(
        std::floor(static_cast<double>(bin) / kProfileQuantileBins * static_cast<double>(values.size() - 1)));
    double edge = values[position];
    // An edge at the minimum would leave bin 0 empty; one equal to the previous would leave a bin empty.
    if (edge <= numbers.min) continue;
    if (!numbers.edges.empty() && edge <= numbers.edges.back()) continue;
    numbers.edges.push_back(edge);
  }
  numbers.fractions.assign(numbers.edges.size() + 1, 0.0);
  for (double value : values) numbers.fractions[NumberBin(numbers.edges, value)] += 1.0;
  for (double& fraction : numbers.fractions) fraction /= static_cast<double>(values.size());
}

void ProfileCategories(const std::vector<std::string_view>& values, int64_t count, FeatureProfile* out) {
  out->numeric = false;
  out->count = count;
  out->missing_rate =
      count == 0 ? 0.0 : static_cast<double>(count - static_cast<int64_t>(values.size())) / static_cast<double>(count);
  std::unordered_map<std::string_view, int64_t> counts;
  for (std::string_view value : values) ++counts[value];
  std::vector<std::pair<std::string_view, int64_t>> ranked(counts.begin(), counts.end());
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  CategoryProfile& categories = out->categories;
  double total = static_cast<double>(values.size());
  double kept = 0;
  for (size_t rank = 0; rank < ranked.size() && rank < kProfileMaxCategories; ++rank) {
    categories.categories.emplace_back(ranked[rank].first);
    categories.fractions.push_back(static_cast<double>(ranked[rank].second) / total);
    kept += static_cast<double>(ranked[rank].second);
  }
  categories.other_fraction = total == 0 ? 0.0 : (total - kept) / total;
}

void WriteDoubles(Writer& writer, const std::vector<double>& values) {
  writer.StartArray();
  for (double value : values) writer.Double(value);
  writer.EndArray();
}

void WriteFeature(Writer& writer, const FeatureProfile& feature) {
  writer.StartObject();
  writer.Key("name");
  writer.String(feature.name.data(), static_cast<rapidjson::SizeType>(feature.name.size()));
  writer.Key("type");
  writer.String(feature.numeric ? "number" : "category");
  writer.Key("count");
  writer.Int64(feature.count);
  writer.Key("missing_rate");
  writer.Double(feature.missing_rate);
  if (feature.numeric) {
    const NumberProfile& numbers = feature.numbers;
    writer.Key("min");
    writer.Double(numbers.min);
    writer.Key("max");
    writer.Double(numbers.max);
    writer.Key("mean");
    writer.Double(numbers.mean);
    writer.Key("stddev");
    writer.Double(numbers.stddev);
    writer.Key("edges");
    WriteDoubles(writer, numbers.edges);
    writer.Key("fractions");
    WriteDoubles(writer, numbers.fractions);
  } else {
    writer.Key("categories");
    writer.StartArray();
    for (const std::string& category : feature.categories.categories) {
      writer.String(category.data(), static_cast<rapidjson::SizeType>(category.size()));
    }
    writer.EndArray();
    writer.Key("fractions");
    WriteDoubles(writer, feature.categories.fractions);
    writer.Key("other_fraction");
    writer.Double(feature.categories.other_fraction);
  }
  writer.EndObject();
}

bool ReadDoubles(const rapidjson::Value& object, const char* key, std::vector<double>* out) {
  auto member = object.FindMember(key);
  if (member == object.MemberEnd() || !member->value.IsArray()) return false;
  for (const rapidjson::Value& value : member->value.GetArray()) {
    if (!value.IsNumber()) return false;
    out->push_back(value.GetDouble());
  }
  return true;
}

bool ReadDouble(const rapidjson::Value& object, const char* key, double* out) {
  auto member = object.FindMember(key);
  if (member == object.MemberEnd() || !member->value.IsNumber()) return false;
  *out = member->value.GetDouble();
  return true;
}

bool ReadFeature(const rapidjson::Value& value, FeatureProfile* out) {
  if (!value.IsObject()) return false;
  auto name = value.FindMember("name");
  auto type = value.FindMember("type");
  auto count = value.FindMember("count");
  if (name == value.MemberEnd() || !name->value.IsString() || type == value.MemberEnd() || !type->value.IsString() ||
      count == value.MemberEnd() || !count->value.IsInt64()) {
    return false;
  }
  out->name = name->value.GetString();
  out->numeric = std::string_view(type->value.GetString()) == "number";
  out->count = count->value.GetInt64();
  if (!ReadDouble(value, "missing_rate", &out->missing_rate)) return false;
  if (out->numeric) {
    NumberProfile& numbers = out->numbers;
    if (!ReadDouble(value, "min", &numbers.min) || !ReadDouble(value, "max", &numbers.max) ||
        !ReadDouble(value, "mean", &numbers.mean) || !ReadDouble(value, "stddev", &numbers.stddev) ||
        !ReadDoubles(value, "edges", &numbers.edges) || !ReadDoubles(value, "fractions", &numbers.fractions)) {
      return false;
    }
    if (!numbers.fractions.empty() && numbers.fractions.size() != numbers.edges.size() + 1) return false;
    if (!std::is_sorted(numbers.edges.begin(), numbers.edges.end())) return false;
    return true;
  }
  auto categories = value.FindMember("categories");
  if (categories == value.MemberEnd() || !categories->value.IsArray()) return false;
  for (const rapidjson::Value& category : categories->value.GetArray()) {
    if (!category.IsString()) return false;
    out->categories.categories.emplace_back(category.GetString(), category.GetStringLength());
  }
  if (!ReadDoubles(value, "fractions", &out->categories.fractions) ||
      !ReadDouble(value, "other_fraction", &out->categories.other_fraction)) {
    return false;
  }
  return out->categories.fractions.size() == out->categories.categories.size();
}

}  // namespace

TrainingProfile BuildTrainingProfile(const ml::ModelSignature& signature, std::span<const ml::FeatureValue> rows,
                                     size_t row_count, std::span<const double> predictions) {
  TrainingProfile profile;
  profile.rows = static_cast<int64_t>(row_count);
  const size_t width = signature.features.size();
  for (size_t feature_idx = 0; feature_idx < width; ++feature_idx) {
    FeatureProfile feature;
    feature.name = signature.features[feature_idx].name;
    if (data::IsNumberLike(signature.features[feature_idx].type)) {
      std::vector<double> values;
      values.reserve(row_count);
      for (size_t row_idx = 0; row_idx < row_count; ++row_idx) {
        const ml::FeatureValue& cell = rows[row_idx * width + feature_idx];
        if (cell.kind == ml::FeatureValue::Kind::kNumber && std::isfinite(cell.number)) values.push_back(cell.number);
      }
      ProfileNumbers(std::move(values), profile.rows, &feature);
    } else {
      std::vector<std::string_view> values;
      values.reserve(row_count);
      for (size_t row_idx = 0; row_idx < row_count; ++row_idx) {
        const ml::FeatureValue& cell = rows[row_idx * width + feature_idx];
        if (cell.kind == ml::FeatureValue::Kind::kText) values.push_back(cell.text);
      }
      ProfileCategories(values, profile.rows, &feature);
    }
    profile.features.push_back(std::move(feature));
  }
  profile.prediction.name = signature.target;
  if (signature.classes.empty()) {
    std::vector<double> values;
    for (double prediction : predictions) {
      if (std::isfinite(prediction)) values.push_back(prediction);
    }
    ProfileNumbers(std::move(values), static_cast<int64_t>(predictions.size()), &profile.prediction);
  } else {
    // Classes keep the signature's order (not by frequency), so a class index is its category index.
    FeatureProfile& prediction = profile.prediction;
    prediction.numeric = false;
    prediction.count = static_cast<int64_t>(predictions.size());
    prediction.categories.categories = signature.classes;
    prediction.categories.fractions.assign(signature.classes.size(), 0.0);
    for (double predicted : predictions) {
      auto class_idx = static_cast<size_t>(predicted);
      if (class_idx < signature.classes.size()) prediction.categories.fractions[class_idx] += 1.0;
    }
    for (double& fraction : prediction.categories.fractions) {
      fraction /= std::max<double>(1.0, static_cast<double>(predictions.size()));
    }
  }
  return profile;
}

std::string EncodeTrainingProfile(const TrainingProfile& profile) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  writer.Key("format");
  writer.String("amp-training-profile-1");
  writer.Key("rows");
  writer.Int64(profile.rows);
  writer.Key("features");
  writer.StartArray();
  for (const FeatureProfile& feature : profile.features) WriteFeature(writer, feature);
  writer.EndArray();
  writer.Key("prediction");
  WriteFeature(writer, profile.prediction);
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

core::Result<TrainingProfile> DecodeTrainingProfile(std::string_view json) {
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  auto bad = [] { return core::InvalidArgument("not an AMP training profile"); };
  if (document.HasParseError() || !document.IsObject()) return bad();
  auto format = document.FindMember("format");
  if (format == document.MemberEnd() || !format->value.IsString() ||
      std::string_view(format->value.GetString()) != "amp-training-profile-1") {
    return bad();
  }
  TrainingProfile profile;
  auto rows = document.FindMember("rows");
  auto features = document.FindMember("features");
  auto prediction = document.FindMember("prediction");
  if (rows == document.MemberEnd() || !rows->value.IsInt64() || features == document.MemberEnd() ||
      !features->value.IsArray() || prediction == document.MemberEnd()) {
    return bad();
  }
  profile.rows = rows->value.GetInt64();
  for (const rapidjson::Value& value : features->value.GetArray()) {
    FeatureProfile feature;
    if (!ReadFeature(value, &feature)) return bad();
    profile.features.push_back(std::move(feature));
  }
  if (!ReadFeature(prediction->value, &profile.prediction)) return bad();
  return profile;
}

}  // namespace amp::monitoring
