#include "api/scored_batch.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>

#include "api/json_out.h"
#include "monitoring/version_monitor.h"

namespace amp::api {
namespace {

void AppendCsvField(std::string_view text, std::string* out) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(text);
    return;
  }
  out->push_back('"');
  for (char c : text) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

void AppendCsvNumber(double value, std::string* out) {
  if (!std::isfinite(value)) {
    out->append("NA");  // missing; not an empty cell, which would make a one-column line blank (and skipped)
    return;
  }
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);  // shortest round-trip form
  if (ec == std::errc()) out->append(buffer, end);
}

}  // namespace

void WritePrediction(JsonWriter& writer, const ml::ModelSignature& signature, const ScoredBatch& scored,
                     size_t row_idx) {
  if (scored.class_count > 0) {
    WriteString(writer, scored.Label(signature, row_idx));
  } else if (scored.cluster_count > 0) {
    writer.Int64(static_cast<int64_t>(scored.predictions[row_idx]));
  } else {
    WriteNumber(writer, scored.predictions[row_idx]);
  }
}

void WriteDistances(JsonWriter& writer, const ScoredBatch& scored, size_t row_idx) {
  writer.StartArray();
  for (size_t cluster = 0; cluster < scored.cluster_count; ++cluster) {
    WriteNumber(writer, scored.distances[row_idx * scored.cluster_count + cluster]);
  }
  writer.EndArray();
}

void WriteProbabilities(JsonWriter& writer, const ml::ModelSignature& signature, const ScoredBatch& scored,
                        size_t row_idx) {
  writer.StartObject();
  for (size_t class_idx = 0; class_idx < scored.class_count; ++class_idx) {
    WriteString(writer, signature.classes[class_idx]);
    WriteNumber(writer, scored.probabilities[row_idx * scored.class_count + class_idx]);
  }
  writer.EndObject();
}

core::Status ScoredBatch::Score(const ml::Model& model, std::span<const ml::FeatureValue> values, size_t row_count,
                                bool explain) {
  notes.Clear();
  explained = explain;
  predictions.resize(row_count);
  class_count = model.signature().classes.size();
  cluster_count = model.ClusterCount();
  distances.clear();
  if (cluster_count > 0) {
    distances.resize(row_count * cluster_count);
    AMP_RETURN_IF_ERROR(model.PredictDistances(values, distances, &notes));
    // The nearest centre (the first of equals), as Predict gives it, without a second pass.
    for (size_t row_idx = 0; row_idx < row_count; ++row_idx) {
      const double* row = distances.data() + row_idx * cluster_count;
      predictions[row_idx] = static_cast<double>(std::min_element(row, row + cluster_count) - row);
    }
    probabilities.clear();
  } else if (class_count > 0) {
    probabilities.resize(row_count * class_count);
    AMP_RETURN_IF_ERROR(model.PredictProba(values, probabilities, &notes));
    ml::MostProbableClasses(probabilities, class_count, predictions);
  } else {
    probabilities.clear();
    AMP_RETURN_IF_ERROR(model.Predict(values, predictions, &notes));
  }
  if (!explain) {
    contributions.clear();
    base_values.clear();
    return core::Status::Ok();
  }
  contributions.resize(row_count * model.signature().features.size());
  base_values.resize(row_count);
  return model.Explain(values, contributions, base_values, nullptr);
}

std::string RenderScoredBatchJson(const serving::Servable& served, const ScoredBatch& scored) {
  JsonOut out;
  out.writer.StartObject();
  out.writer.Key("model_id");
  WriteString(out.writer, served.model.id);
  out.writer.Key("model");
  WriteString(out.writer, served.model.name);
  out.writer.Key("version");
  out.writer.Int64(served.version.version);
  out.writer.Key("target");
  WriteString(out.writer, served.version.target);
  const ml::ModelSignature& signature = served.predictor->signature();
  out.writer.Key("predictions");
  out.writer.StartArray();
  for (size_t row_idx = 0; row_idx < scored.predictions.size(); ++row_idx) {
    WritePrediction(out.writer, signature, scored, row_idx);
  }
  out.writer.EndArray();
  if (scored.class_count > 0) {
    out.writer.Key("probabilities");
    out.writer.StartArray();
    for (size_t row_idx = 0; row_idx < scored.predictions.size(); ++row_idx) {
      WriteProbabilities(out.writer, signature, scored, row_idx);
    }
    out.writer.EndArray();
  }
  if (scored.cluster_count > 0) {
    out.writer.Key("distances");
    out.writer.StartArray();
    for (size_t row_idx = 0; row_idx < scored.predictions.size(); ++row_idx) WriteDistances(out.writer, scored, row_idx);
    out.writer.EndArray();
  }
  if (scored.explained) {
    const std::vector<ml::FeatureSpec>& features = signature.features;
    out.writer.Key("explanations");
    out.writer.StartArray();
    for (size_t row_idx = 0; row_idx < scored.base_values.size(); ++row_idx) {
      out.writer.StartObject();
      out.writer.Key("base_value");
      WriteNumber(out.writer, scored.base_values[row_idx]);
      out.writer.Key("contributions");
      out.writer.StartObject();
      for (size_t feature_idx = 0; feature_idx < features.size(); ++feature_idx) {
        WriteString(out.writer, features[feature_idx].name);
        WriteNumber(out.writer, scored.contributions[row_idx * features.size() + feature_idx]);
      }
      out.writer.EndObject();
      out.writer.EndObject();
    }
    out.writer.EndArray();
  }
  WriteWarnings(out.writer, scored.notes.warnings, scored.notes.more_warnings);
  out.writer.EndObject();
  return out.Take();
}

std::string RenderScoredBatchCsv(const ml::ModelSignature& signature, const ScoredBatch& scored) {
  const size_t width = signature.features.size();
  std::string out;
  // About 20 bytes per number.
  out.reserve(64 + scored.predictions.size() * (scored.explained ? 20 * (width + 2) : 20));
  AppendCsvField(signature.target, &out);
  for (size_t class_idx = 0; class_idx < scored.class_count; ++class_idx) {
    out.push_back(',');
    AppendCsvField(signature.classes[class_idx] + "_probability", &out);
  }
  for (size_t cluster = 0; cluster < scored.cluster_count; ++cluster) {
    out.append(",distance_" + std::to_string(cluster));
  }
  if (scored.explained) {
    for (const ml::FeatureSpec& feature : signature.features) {
      out.push_back(',');
      AppendCsvField(feature.name + "_contribution", &out);
    }
    out.append(",base_value");
  }
  out.append("\r\n");
  for (size_t row_idx = 0; row_idx < scored.predictions.size(); ++row_idx) {
    if (scored.class_count > 0) {
      AppendCsvField(scored.Label(signature, row_idx), &out);
      for (size_t class_idx = 0; class_idx < scored.class_count; ++class_idx) {
        out.push_back(',');
        AppendCsvNumber(scored.probabilities[row_idx * scored.class_count + class_idx], &out);
      }
    } else {
      AppendCsvNumber(scored.predictions[row_idx], &out);
      for (size_t cluster = 0; cluster < scored.cluster_count; ++cluster) {
        out.push_back(',');
        AppendCsvNumber(scored.distances[row_idx * scored.cluster_count + cluster], &out);
      }
    }
    if (scored.explained) {
      for (size_t feature_idx = 0; feature_idx < width; ++feature_idx) {
        out.push_back(',');
        AppendCsvNumber(scored.contributions[row_idx * width + feature_idx], &out);
      }
      out.push_back(',');
      AppendCsvNumber(scored.base_values[row_idx], &out);
    }
    out.append("\r\n");
  }
  return out;
}

void ObserveScored(const serving::Servable& served, std::span<const ml::FeatureValue> values, size_t row_count,
                   std::string_view request_id, ScoredBatch* scored) {
  if (!served.monitor) return;
  served.monitor->Observe(values, row_count, scored->predictions, scored->probabilities, scored->class_count,
                          request_id, &scored->notes);
}

}  // namespace amp::api
