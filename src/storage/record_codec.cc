#include "storage/record_codec.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <limits>
#include <optional>

namespace amp::storage {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(Writer& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

core::Result<rapidjson::Document> Parse(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
  if (doc.HasParseError()) return core::DataLoss("stored record is not valid JSON");
  return doc;
}

core::Status Corrupt(std::string_view what) {
  return core::DataLoss("stored record has a malformed " + std::string(what));
}

std::string_view AsView(const rapidjson::Value& value) {
  return std::string_view(value.GetString(), value.GetStringLength());
}

// JSON has no NaN or infinities, and rapidjson's Writer::Double silently writes nothing for them (leaving text
// that no longer parses). Metrics and profile statistics can be non-finite, so those are written as the strings
// "NaN", "Infinity" and "-Infinity" and read back as numbers.
void WriteNumber(Writer& writer, double value) {
  if (std::isfinite(value)) {
    writer.Double(value);
  } else if (std::isnan(value)) {
    writer.String("NaN");
  } else {
    writer.String(value > 0 ? "Infinity" : "-Infinity");
  }
}

std::optional<double> ReadNumber(const rapidjson::Value& value) {
  if (value.IsNumber()) return value.GetDouble();
  if (!value.IsString()) return std::nullopt;
  std::string_view text = AsView(value);
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Infinity") return std::numeric_limits<double>::infinity();
  if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  return std::nullopt;
}

void WriteOptionalNumber(Writer& writer, const char* key, const std::optional<double>& value) {
  if (!value) return;
  writer.Key(key);
  WriteNumber(writer, *value);
}

std::optional<double> ReadOptionalNumber(const rapidjson::Value& object, const char* key) {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd()) return std::nullopt;
  return ReadNumber(it->value);
}

}  // namespace

std::string EncodeNumberMap(const std::map<std::string, double>& values) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  for (const auto& [key, value] : values) {
    WriteString(writer, key);
    WriteNumber(writer, value);
  }
  writer.EndObject();
  return buffer.GetString();
}

core::Result<std::map<std::string, double>> DecodeNumberMap(std::string_view text) {
  AMP_ASSIGN_OR_RETURN(rapidjson::Document doc, Parse(text));
  if (!doc.IsObject()) return Corrupt("number map");
  std::map<std::string, double> values;
  for (const auto& member : doc.GetObject()) {
    std::optional<double> value = ReadNumber(member.value);
    if (!value) return Corrupt("number map");
    values.emplace(AsView(member.name), *value);
  }
  return values;
}

std::string EncodeFeatureImportance(const std::vector<std::pair<std::string, double>>& importance) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartArray();
  for (const auto& [feature, value] : importance) {
    writer.StartObject();
    writer.Key("feature");
    WriteString(writer, feature);
    writer.Key("importance");
    WriteNumber(writer, value);
    writer.EndObject();
  }
  writer.EndArray();
  return buffer.GetString();
}

core::Result<std::vector<std::pair<std::string, double>>> DecodeFeatureImportance(std::string_view text) {
  AMP_ASSIGN_OR_RETURN(rapidjson::Document doc, Parse(text));
  if (!doc.IsArray()) return Corrupt("feature importance");
  std::vector<std::pair<std::string, double>> importance;
  for (const auto& entry : doc.GetArray()) {
    if (!entry.IsObject()) return Corrupt("feature importance");
    auto feature = entry.FindMember("feature");
    auto value = entry.FindMember("importance");
    if (feature == entry.MemberEnd() || !feature->value.IsString() || value == entry.MemberEnd()) {
      return Corrupt("feature importance");
    }
    std::optional<double> number = ReadNumber(value->value);
    if (!number) return Corrupt("feature importance");
    importance.emplace_back(std::string(AsView(feature->value)), *number);
  }
  return importance;
}

std::string EncodeStringList(const std::vector<std::string>& values) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartArray();
  for (const std::string& value : values) WriteString(writer, value);
  writer.EndArray();
  return buffer.GetString();
}

core::Result<std::vector<std::string>> DecodeStringList(std::string_view text) {
  AMP_ASSIGN_OR_RETURN(rapidjson::Document doc, Parse(text));
  if (!doc.IsArray()) return Corrupt("string list");
  std::vector<std::string> values;
  for (const auto& item : doc.GetArray()) {
    if (!item.IsString()) return Corrupt("string list");
    values.emplace_back(AsView(item));
  }
  return values;
}

std::string EncodeFeatures(const std::vector<FeatureField>& features) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartArray();
  for (const FeatureField& feature : features) {
    writer.StartObject();
    writer.Key("name");
    WriteString(writer, feature.name);
    writer.Key("type");
    WriteString(writer, data::ColumnTypeName(feature.type));
    writer.EndObject();
  }
  writer.EndArray();
  return buffer.GetString();
}

core::Result<std::vector<FeatureField>> DecodeFeatures(std::string_view text) {
  AMP_ASSIGN_OR_RETURN(rapidjson::Document doc, Parse(text));
  if (!doc.IsArray()) return Corrupt("feature list");
  std::vector<FeatureField> features;
  for (const auto& item : doc.GetArray()) {
    if (!item.IsObject() || !item.HasMember("name") || !item["name"].IsString() || !item.HasMember("type") ||
        !item["type"].IsString()) {
      return Corrupt("feature list");
    }
    auto type = data::ParseColumnType(AsView(item["type"]));
    if (!type.ok()) return Corrupt("feature type");
    features.push_back({std::string(AsView(item["name"])), *type});
  }
  return features;
}

std::string EncodeColumnSummaries(const std::vector<data::ColumnSummary>& columns) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartArray();
  for (const data::ColumnSummary& column : columns) {
    writer.StartObject();
    writer.Key("name");
    WriteString(writer, column.name);
    writer.Key("type");
    WriteString(writer, data::ColumnTypeName(column.type));
    writer.Key("missing");
    writer.Int64(column.missing_count);
    writer.Key("distinct");
    writer.Int64(column.distinct_count);
    writer.Key("distinct_capped");
    writer.Bool(column.distinct_capped);
    WriteOptionalNumber(writer, "min", column.min);
    WriteOptionalNumber(writer, "max", column.max);
    WriteOptionalNumber(writer, "mean", column.mean);
    WriteOptionalNumber(writer, "stddev", column.stddev);
    if (!column.pii.empty()) {
      writer.Key("pii");
      WriteString(writer, column.pii);
    }
    writer.Key("top");
    writer.StartArray();
    for (const data::ValueCount& top : column.top_values) {
      writer.StartArray();
      WriteString(writer, top.value);
      writer.Int64(top.count);
      writer.EndArray();
    }
    writer.EndArray();
    if (!column.histogram.counts.empty()) {
      writer.Key("hist");
      writer.StartObject();
      writer.Key("edges");
      writer.StartArray();
      for (double edge : column.histogram.edges) WriteNumber(writer, edge);
      writer.EndArray();
      writer.Key("counts");
      writer.StartArray();
      for (int64_t count : column.histogram.counts) writer.Int64(count);
      writer.EndArray();
      writer.EndObject();
    }
    writer.EndObject();
  }
  writer.EndArray();
  return buffer.GetString();
}

core::Result<std::vector<data::ColumnSummary>> DecodeColumnSummaries(std::string_view text) {
  AMP_ASSIGN_OR_RETURN(rapidjson::Document doc, Parse(text));
  if (!doc.IsArray()) return Corrupt("column summary");
  std::vector<data::ColumnSummary> columns;
  for (const auto& item : doc.GetArray()) {
    if (!item.IsObject() || !item.HasMember("name") || !item["name"].IsString() || !item.HasMember("type") ||
        !item["type"].IsString() || !item.HasMember("missing") || !item["missing"].IsInt64() ||
        !item.HasMember("distinct") || !item["distinct"].IsInt64() || !item.HasMember("top") ||
        !item["top"].IsArray()) {
      return Corrupt("column summary");
    }
    data::ColumnSummary column;
    column.name = AsView(item["name"]);
    auto type = data::ParseColumnType(AsView(item["type"]));
    if (!type.ok()) return Corrupt("column type");
    column.type = *type;
    column.missing_count = item["missing"].GetInt64();
    column.distinct_count = item["distinct"].GetInt64();
    column.distinct_capped = item.HasMember("distinct_capped") && item["distinct_capped"].IsTrue();
    column.min = ReadOptionalNumber(item, "min");
    column.max = ReadOptionalNumber(item, "max");
    column.mean = ReadOptionalNumber(item, "mean");
    column.stddev = ReadOptionalNumber(item, "stddev");
    if (item.HasMember("pii") && item["pii"].IsString()) column.pii = AsView(item["pii"]);
    for (const auto& top : item["top"].GetArray()) {
      if (!top.IsArray() || top.Size() != 2 || !top[0].IsString() || !top[1].IsInt64()) {
        return Corrupt("top values");
      }
      column.top_values.push_back({std::string(AsView(top[0])), top[1].GetInt64()});
    }
    if (item.HasMember("hist")) {  // absent for datasets profiled before histograms were recorded
      const rapidjson::Value& hist = item["hist"];
      if (!hist.IsObject() || !hist.HasMember("edges") || !hist["edges"].IsArray() || !hist.HasMember("counts") ||
          !hist["counts"].IsArray() || hist["edges"].Size() != hist["counts"].Size() + 1) {
        return Corrupt("histogram");
      }
      for (const auto& edge : hist["edges"].GetArray()) {
        std::optional<double> number = ReadNumber(edge);
        if (!number) return Corrupt("histogram");
        column.histogram.edges.push_back(*number);
      }
      for (const auto& count : hist["counts"].GetArray()) {
        if (!count.IsInt64()) return Corrupt("histogram");
        column.histogram.counts.push_back(count.GetInt64());
      }
    }
    columns.push_back(std::move(column));
  }
  return columns;
}

namespace {

// An empty text decodes as an empty record: the column's default for rows written before it existed.
core::Result<rapidjson::Document> ParseObjectOrEmpty(std::string_view text, std::string_view what) {
  if (text.empty()) text = "{}";
  AMP_ASSIGN_OR_RETURN(rapidjson::Document doc, Parse(text));
  if (!doc.IsObject()) return Corrupt(what);
  return doc;
}

void WriteNumberMapValue(Writer& writer, const std::map<std::string, double>& values) {
  writer.StartObject();
  for (const auto& [key, value] : values) {
    WriteString(writer, key);
    WriteNumber(writer, value);
  }
  writer.EndObject();
}

std::optional<std::map<std::string, double>> ReadNumberMapValue(const rapidjson::Value& object) {
  if (!object.IsObject()) return std::nullopt;
  std::map<std::string, double> values;
  for (const auto& member : object.GetObject()) {
    std::optional<double> value = ReadNumber(member.value);
    if (!value) return std::nullopt;
    values.emplace(AsView(member.name), *value);
  }
  return values;
}

double NumberOr(const rapidjson::Value& object, const char* key, double fallback) {
  return ReadOptionalNumber(object, key).value_or(fallback);
}

std::string StringOr(const rapidjson::Value& object, const char* key) {
  auto it = object.FindMember(key);
  return it != object.MemberEnd() && it->value.IsString() ? std::string(AsView(it->value)) : std::string();
}

}  // namespace

std::string EncodeLeaderboard(const std::vector<LeaderboardEntry>& entries) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartArray();
  for (const LeaderboardEntry& entry : entries) {
    writer.StartObject();
    writer.Key("rank");
    writer.Int(entry.rank);
    writer.Key("algorithm");
    WriteString(writer, entry.algorithm);
    writer.Key("params");
    WriteNumberMapValue(writer, entry.params);
    writer.Key("metric");
    WriteString(writer, entry.metric);
    writer.Key("cv_score");
    WriteNumber(writer, entry.cv_score);
    writer.Key("cv_std");
    WriteNumber(writer, entry.cv_std);
    writer.Key("fit_seconds");
    WriteNumber(writer, entry.fit_seconds);
    writer.Key("published");
    writer.Bool(entry.published);
    writer.EndObject();
  }
  writer.EndArray();
  return buffer.GetString();
}

core::Result<std::vector<LeaderboardEntry>> DecodeLeaderboard(std::string_view text) {
  if (text.empty()) return std::vector<LeaderboardEntry>{};
  AMP_ASSIGN_OR_RETURN(rapidjson::Document doc, Parse(text));
  if (!doc.IsArray()) return Corrupt("leaderboard");
  std::vector<LeaderboardEntry> entries;
  for (const auto& item : doc.GetArray()) {
    if (!item.IsObject() || !item.HasMember("rank") || !item["rank"].IsInt() || !item.HasMember("params")) {
      return Corrupt("leaderboard");
    }
    LeaderboardEntry entry;
    entry.rank = item["rank"].GetInt();
    entry.algorithm = StringOr(item, "algorithm");
    auto params = ReadNumberMapValue(item["params"]);
    if (!params) return Corrupt("leaderboard");
    entry.params = std::move(*params);
    entry.metric = StringOr(item, "metric");
    entry.cv_score = NumberOr(item, "cv_score", 0.0);
    entry.cv_std = NumberOr(item, "cv_std", 0.0);
    entry.fit_seconds = NumberOr(item, "fit_seconds", 0.0);
    entry.published = item.HasMember("published") && item["published"].IsTrue();
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::string EncodeJobOptions(const JobRecord& job) {
  const TrainRequest& request = job.request;
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  if (!request.search.method.empty()) {
    writer.Key("search");
    writer.StartObject();
    writer.Key("method");
    WriteString(writer, request.search.method);
    writer.Key("space");
    writer.StartObject();
    for (const auto& [name, values] : request.search.space) {
      WriteString(writer, name);
      writer.StartArray();
      for (double value : values) WriteNumber(writer, value);
      writer.EndArray();
    }
    writer.EndObject();
    writer.Key("trials");
    writer.Int(request.search.trials);
    writer.Key("folds");
    writer.Int(request.search.folds);
    if (request.search.repeats != 0) {
      writer.Key("repeats");
      writer.Int(request.search.repeats);
    }
    writer.EndObject();
  } else if (request.search.folds != 0 || request.search.trials != 0 || request.search.repeats != 0) {
    writer.Key("search");
    writer.StartObject();
    writer.Key("trials");
    writer.Int(request.search.trials);
    writer.Key("folds");
    writer.Int(request.search.folds);
    if (request.search.repeats != 0) {
      writer.Key("repeats");
      writer.Int(request.search.repeats);
    }
    writer.EndObject();
  }
  writer.Key("cpu_budget");
  writer.Int(request.cpu_budget);
  if (request.workers != 1) {
    writer.Key("workers");
    writer.Int(request.workers);
  }
  writer.Key("time_budget_seconds");
  WriteNumber(writer, request.time_budget_seconds);
  if (!job.resubmitted_from.empty()) {
    writer.Key("resubmitted_from");
    WriteString(writer, job.resubmitted_from);
  }
  writer.EndObject();
  return buffer.GetString();
}

core::Status DecodeJobOptions(std::string_view text, JobRecord* job) {
  AMP_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseObjectOrEmpty(text, "job options"));
  TrainRequest& request = job->request;
  auto search = doc.FindMember("search");
  if (search != doc.MemberEnd()) {
    if (!search->value.IsObject()) return Corrupt("job options");
    request.search.method = StringOr(search->value, "method");
    request.search.trials = static_cast<int>(NumberOr(search->value, "trials", 0));
    request.search.folds = static_cast<int>(NumberOr(search->value, "folds", 0));
    request.search.repeats = static_cast<int>(NumberOr(search->value, "repeats", 0));
    auto space = search->value.FindMember("space");
    if (space != search->value.MemberEnd()) {
      if (!space->value.IsObject()) return Corrupt("job options");
      for (const auto& member : space->value.GetObject()) {
        if (!member.value.IsArray()) return Corrupt("job options");
        std::vector<double>& values = request.search.space[std::string(AsView(member.name))];
        for (const auto& item : member.value.GetArray()) {
          std::optional<double> value = ReadNumber(item);
          if (!value) return Corrupt("job options");
          values.push_back(*value);
        }
      }
    }
  }
  request.cpu_budget = static_cast<int>(NumberOr(doc, "cpu_budget", 0));
  request.workers = static_cast<int>(NumberOr(doc, "workers", 1));
  request.time_budget_seconds = NumberOr(doc, "time_budget_seconds", 0);
  job->resubmitted_from = StringOr(doc, "resubmitted_from");
  return core::Status::Ok();
}

std::string EncodeJobProgress(const JobProgress& progress) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  writer.Key("phase");
  WriteString(writer, progress.phase);
  writer.Key("trials_done");
  writer.Int(progress.trials_done);
  writer.Key("trials_total");
  writer.Int(progress.trials_total);
  writer.Key("boosting_round");
  writer.Int(progress.boosting_round);
  writer.Key("boosting_rounds");
  writer.Int(progress.boosting_rounds);
  writer.Key("eta_seconds");
  WriteNumber(writer, progress.eta_seconds);
  writer.EndObject();
  return buffer.GetString();
}

core::Result<JobProgress> DecodeJobProgress(std::string_view text) {
  AMP_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseObjectOrEmpty(text, "job progress"));
  JobProgress progress;
  progress.phase = StringOr(doc, "phase");
  progress.trials_done = static_cast<int>(NumberOr(doc, "trials_done", 0));
  progress.trials_total = static_cast<int>(NumberOr(doc, "trials_total", 0));
  progress.boosting_round = static_cast<int>(NumberOr(doc, "boosting_round", 0));
  progress.boosting_rounds = static_cast<int>(NumberOr(doc, "boosting_rounds", 0));
  progress.eta_seconds = NumberOr(doc, "eta_seconds", -1);
  return progress;
}

}  // namespace amp::storage
