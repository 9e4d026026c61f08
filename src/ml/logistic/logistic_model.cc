#include "ml/logistic/logistic_model.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>

namespace amp::ml {

core::Result<std::shared_ptr<const LogisticModel>> LogisticModel::Create(ModelSignature signature, Pipeline pipeline,
                                                                         LogisticSolution solution) {
  const size_t class_count = signature.classes.size();
  if (!IsClassification(signature.task) || class_count < 2) {
    return core::InvalidArgument("a logistic model needs a classification signature with at least 2 classes");
  }
  const size_t outputs = class_count == 2 ? 1 : class_count;
  const auto width = static_cast<size_t>(pipeline.EncodedWidth());
  if (solution.intercepts.size() != outputs || solution.weights.size() != outputs * width) {
    return core::InvalidArgument("logistic weights do not match the classes and the pipeline's encoded width");
  }
  std::vector<std::shared_ptr<const LinearModel>> scores;
  for (size_t output = 0; output < outputs; ++output) {
    LinearSolution linear;
    linear.intercept = solution.intercepts[output];
    linear.weights.assign(solution.weights.begin() + static_cast<std::ptrdiff_t>(output * width),
                          solution.weights.begin() + static_cast<std::ptrdiff_t>((output + 1) * width));
    AMP_ASSIGN_OR_RETURN(auto score, LinearModel::Create(signature, pipeline, std::move(linear)));
    scores.push_back(std::move(score));
  }
  return std::shared_ptr<const LogisticModel>(
      new LogisticModel(std::move(signature), std::move(pipeline), std::move(solution), std::move(scores)));
}

LogisticModel::LogisticModel(ModelSignature signature, Pipeline pipeline, LogisticSolution solution,
                             std::vector<std::shared_ptr<const LinearModel>> scores)
    : signature_(std::move(signature)),
      pipeline_(std::move(pipeline)),
      solution_(std::move(solution)),
      scores_(std::move(scores)) {}

core::Status LogisticModel::Scores(std::span<const FeatureValue> rows, size_t row_count, PredictionNotes* notes,
                                   std::vector<double>* scores) const {
  scores->resize(row_count * scores_.size());  // keeps its capacity: no allocation once warmed up
  for (size_t output = 0; output < scores_.size(); ++output) {
    // Only the first output notes imputations; the others would repeat them.
    AMP_RETURN_IF_ERROR(scores_[output]->Predict(
        rows, std::span<double>(scores->data() + output * row_count, row_count), output == 0 ? notes : nullptr));
  }
  return core::Status::Ok();
}

core::Status LogisticModel::Predict(std::span<const FeatureValue> rows, std::span<double> out,
                                    PredictionNotes* notes) const {
  // Through the probabilities, so that the class is their argmax even where rounding ties them.
  const size_t class_count = signature_.classes.size();
  thread_local std::vector<double> probabilities;
  probabilities.resize(out.size() * class_count);
  AMP_RETURN_IF_ERROR(PredictProba(rows, probabilities, notes));
  MostProbableClasses(probabilities, class_count, out);
  return core::Status::Ok();
}

core::Status LogisticModel::PredictProba(std::span<const FeatureValue> rows, std::span<double> probabilities,
                                         PredictionNotes* notes) const {
  const size_t class_count = signature_.classes.size();
  if (probabilities.size() % class_count != 0) {
    return core::InvalidArgument("expected " + std::to_string(class_count) + " probabilities per row");
  }
  const size_t row_count = probabilities.size() / class_count;
  thread_local std::vector<double> scores;
  AMP_RETURN_IF_ERROR(Scores(rows, row_count, notes, &scores));
  for (size_t row_idx = 0; row_idx < row_count; ++row_idx) {
    double* row = probabilities.data() + row_idx * class_count;
    if (scores_.size() == 1) {
      row[1] = 1.0 / (1.0 + std::exp(-scores[row_idx]));
      row[0] = 1.0 - row[1];
      continue;
    }
    double max = scores[row_idx];
    for (size_t output = 1; output < class_count; ++output) max = std::max(max, scores[output * row_count + row_idx]);
    double sum = 0.0;
    for (size_t output = 0; output < class_count; ++output) {
      row[output] = std::exp(scores[output * row_count + row_idx] - max);
      sum += row[output];
    }
    for (size_t output = 0; output < class_count; ++output) row[output] /= sum;
  }
  return core::Status::Ok();
}

std::vector<std::pair<std::string, double>> LogisticModel::FeatureImportance() const {
  std::vector<double> per_column = pipeline_.EncodedStdDevs();
  const size_t cols = per_column.size();
  const size_t outputs = solution_.outputs();
  for (size_t column = 0; column < cols; ++column) {
    double magnitude = 0.0;
    for (size_t output = 0; output < outputs; ++output) magnitude += std::fabs(solution_.weights[output * cols + column]);
    per_column[column] *= magnitude / static_cast<double>(outputs);
  }
  return ImportanceByFeature(pipeline_, per_column);
}

std::vector<std::pair<std::string, double>> LogisticModel::Parameters() const {
  std::vector<std::pair<std::string, double>> parameters;
  for (size_t output = 0; output < scores_.size(); ++output) {
    const std::string prefix = scores_.size() == 1 ? "" : signature_.classes[output] + ":";
    for (auto& [name, value] : scores_[output]->Parameters()) parameters.emplace_back(prefix + name, value);
  }
  return parameters;
}

std::string LogisticModel::SerializePayload() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("pipeline");
  const std::string pipeline = pipeline_.ToJson();
  writer.RawValue(pipeline.data(), pipeline.size(), rapidjson::kObjectType);
  writer.Key("intercepts");
  writer.StartArray();
  for (double intercept : solution_.intercepts) writer.Double(intercept);
  writer.EndArray();
  writer.Key("weights");
  writer.StartArray();
  const size_t width = solution_.outputs() == 0 ? 0 : solution_.weights.size() / solution_.outputs();
  for (size_t output = 0; output < solution_.outputs(); ++output) {
    writer.StartArray();
    for (size_t col = 0; col < width; ++col) writer.Double(solution_.weights[output * width + col]);
    writer.EndArray();
  }
  writer.EndArray();
  writer.EndObject();
  return buffer.GetString();
}

core::Result<std::shared_ptr<const LogisticModel>> LogisticModel::FromPayload(ModelSignature signature,
                                                                              std::string_view payload) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(payload.data(), payload.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("pipeline") || !doc["pipeline"].IsObject() ||
      !doc.HasMember("intercepts") || !doc["intercepts"].IsArray() || !doc.HasMember("weights") ||
      !doc["weights"].IsArray()) {
    return core::DataLoss("malformed logistic model payload");
  }
  rapidjson::StringBuffer pipeline_text;
  rapidjson::Writer<rapidjson::StringBuffer> writer(pipeline_text);
  doc["pipeline"].Accept(writer);
  AMP_ASSIGN_OR_RETURN(Pipeline pipeline, Pipeline::FromJson(pipeline_text.GetString()));
  LogisticSolution solution;
  for (const auto& intercept : doc["intercepts"].GetArray()) {
    if (!intercept.IsNumber()) return core::DataLoss("malformed logistic model intercepts");
    solution.intercepts.push_back(intercept.GetDouble());
  }
  for (const auto& row : doc["weights"].GetArray()) {
    if (!row.IsArray()) return core::DataLoss("malformed logistic model weights");
    for (const auto& weight : row.GetArray()) {
      if (!weight.IsNumber()) return core::DataLoss("malformed logistic model weights");
      solution.weights.push_back(weight.GetDouble());
    }
  }
  auto model = Create(std::move(signature), std::move(pipeline), std::move(solution));
  if (!model.ok()) return core::DataLoss(model.status().message());
  return model;
}

int64_t LogisticModel::MemoryBytes() const {
  int64_t bytes = static_cast<int64_t>(sizeof(*this) + solution_.weights.capacity() * sizeof(double));
  for (const auto& score : scores_) bytes += score->MemoryBytes();
  return bytes;
}

}  // namespace amp::ml
