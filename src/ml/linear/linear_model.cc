#include "ml/linear/linear_model.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>

namespace amp::ml {
namespace {

std::string FormatNumber(double value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.Double(value);
  return buffer.GetString();
}

}  // namespace

core::Result<std::shared_ptr<const LinearModel>> LinearModel::Create(ModelSignature signature, Pipeline pipeline,
                                                                     LinearSolution solution) {
  if (static_cast<int>(solution.weights.size()) != pipeline.EncodedWidth()) {
    return core::InvalidArgument("linear weights do not match the pipeline's encoded width");
  }
  AMP_RETURN_IF_ERROR(pipeline.CheckSignature(signature));
  return std::shared_ptr<const LinearModel>(
      new LinearModel(std::move(signature), std::move(pipeline), std::move(solution)));
}

LinearModel::LinearModel(ModelSignature signature, Pipeline pipeline, LinearSolution solution)
    : signature_(std::move(signature)), pipeline_(std::move(pipeline)), solution_(std::move(solution)) {
  folded_intercept_ = solution_.intercept;
  size_t weight_idx = 0;
  for (size_t feature_idx = 0; feature_idx < pipeline_.transforms().size(); ++feature_idx) {
    const FeatureTransform& transform = pipeline_.transforms()[feature_idx];
    FoldedFeature folded;
    if (transform.IsExtended()) {
      folded.is_extended = true;
      folded.is_number = false;
      const std::vector<double> means = pipeline_.EncodedMeans(feature_idx);
      for (double mean : means) {
        folded.weights.push_back(solution_.weights[weight_idx++]);
        folded.mean_contribution += folded.weights.back() * mean;
      }
    } else if (data::IsNumberLike(transform.feature.type)) {
      double weight = solution_.weights[weight_idx++];
      folded.slope = weight / transform.scale;
      folded_intercept_ -= folded.slope * transform.center;
      folded.missing_contribution = folded.slope * transform.impute_value;
      folded.mean_contribution = folded.slope * transform.center;
    } else {
      folded.is_number = false;
      const size_t category_count = transform.categories.size();
      for (size_t category_idx = 0; category_idx < category_count; ++category_idx) {
        const double weight = solution_.weights[weight_idx++];
        folded.category_weights.emplace_back(transform.categories[category_idx], weight);
        const double mean = transform.category_means.empty() ? 1.0 / static_cast<double>(category_count)
                                                             : transform.category_means[category_idx];
        folded.mean_contribution += weight * mean;
      }
      folded.missing_contribution = folded.category_weights[static_cast<size_t>(transform.impute_category)].second;
    }
    folded_.push_back(std::move(folded));
  }
  base_value_ = folded_intercept_;
  for (const FoldedFeature& folded : folded_) base_value_ += folded.mean_contribution;
}

double LinearModel::FoldedContribution(size_t feature_idx, const FeatureValue& value, size_t row_idx,
                                       PredictionNotes* notes) const {
  const FoldedFeature& folded = folded_[feature_idx];
  if (folded.is_extended) {
    // Few columns (at most the one-hot cap plus two), so a stack buffer holds them without allocating.
    constexpr size_t kStackColumns = 64;
    double stack[kStackColumns];
    std::vector<double> heap;
    double* encoded = stack;
    if (folded.weights.size() > kStackColumns) {
      heap.resize(folded.weights.size());
      encoded = heap.data();
    }
    pipeline_.EncodeFeature(feature_idx, value, row_idx, encoded, notes);
    double sum = 0.0;
    for (size_t col = 0; col < folded.weights.size(); ++col) sum += folded.weights[col] * encoded[col];
    return sum;
  }
  if (value.kind == FeatureValue::Kind::kMissing) {
    if (notes != nullptr) {
      notes->Warn([&] { return MissingValueWarning(row_idx, signature_.features[feature_idx].name); });
    }
    return folded.missing_contribution;
  }
  if (folded.is_number) return folded.slope * value.number;
  auto it = std::lower_bound(folded.category_weights.begin(), folded.category_weights.end(), value.text,
                             [](const auto& entry, std::string_view key) { return entry.first < key; });
  if (it != folded.category_weights.end() && it->first == value.text) return it->second;
  if (notes != nullptr) {
    notes->Warn([&] { return UnseenCategoryWarning(row_idx, signature_.features[feature_idx].name, value.text); });
  }
  return 0.0;
}

core::Status LinearModel::Predict(std::span<const FeatureValue> rows, std::span<double> out,
                                  PredictionNotes* notes) const {
  const size_t width = folded_.size();
  if (rows.size() != out.size() * width) {
    return core::InvalidArgument("expected " + std::to_string(width) + " values per row");
  }
  for (size_t row_idx = 0; row_idx < out.size(); ++row_idx) {
    const FeatureValue* row = rows.data() + row_idx * width;
    double sum = folded_intercept_;
    for (size_t feature_idx = 0; feature_idx < width; ++feature_idx) {
      sum += FoldedContribution(feature_idx, row[feature_idx], row_idx, notes);
    }
    out[row_idx] = sum;
  }
  return core::Status::Ok();
}

core::Status LinearModel::Explain(std::span<const FeatureValue> rows, std::span<double> contributions,
                                  std::span<double> base_values, PredictionNotes* notes) const {
  const size_t width = folded_.size();
  if (rows.size() != base_values.size() * width || contributions.size() != rows.size()) {
    return core::InvalidArgument("expected " + std::to_string(width) + " values and contributions per row");
  }
  for (size_t row_idx = 0; row_idx < base_values.size(); ++row_idx) {
    const size_t offset = row_idx * width;
    for (size_t feature_idx = 0; feature_idx < width; ++feature_idx) {
      contributions[offset + feature_idx] =
          FoldedContribution(feature_idx, rows[offset + feature_idx], row_idx, notes) -
          folded_[feature_idx].mean_contribution;
    }
    base_values[row_idx] = base_value_;
  }
  return core::Status::Ok();
}

std::vector<std::pair<std::string, double>> LinearModel::FeatureImportance() const {
  std::vector<double> per_column = pipeline_.EncodedStdDevs();
  for (size_t column = 0; column < per_column.size(); ++column) per_column[column] *= std::fabs(solution_.weights[column]);
  return ImportanceByFeature(pipeline_, per_column);
}

std::vector<std::pair<std::string, double>> LinearModel::Parameters() const {
  std::vector<std::pair<std::string, double>> parameters;
  parameters.emplace_back("intercept", solution_.intercept);
  std::vector<std::string> names = pipeline_.EncodedNames();
  for (size_t idx = 0; idx < names.size(); ++idx) parameters.emplace_back(names[idx], solution_.weights[idx]);
  return parameters;
}

std::string LinearModel::SerializePayload() const {
  std::string payload =
      "{\"pipeline\":" + pipeline_.ToJson() + ",\"intercept\":" + FormatNumber(solution_.intercept) + ",\"weights\":[";
  for (size_t idx = 0; idx < solution_.weights.size(); ++idx) {
    if (idx > 0) payload += ',';
    payload += FormatNumber(solution_.weights[idx]);
  }
  payload += "]}";
  return payload;
}

core::Result<std::shared_ptr<const LinearModel>> LinearModel::FromPayload(ModelSignature signature,
                                                                          std::string_view payload) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(payload.data(), payload.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("pipeline") || !doc["pipeline"].IsObject() ||
      !doc.HasMember("intercept") || !doc["intercept"].IsNumber() || !doc.HasMember("weights") ||
      !doc["weights"].IsArray()) {
    return core::DataLoss("malformed linear model payload");
  }
  rapidjson::StringBuffer pipeline_text;
  rapidjson::Writer<rapidjson::StringBuffer> writer(pipeline_text);
  doc["pipeline"].Accept(writer);
  AMP_ASSIGN_OR_RETURN(Pipeline pipeline, Pipeline::FromJson(pipeline_text.GetString()));
  LinearSolution solution;
  solution.intercept = doc["intercept"].GetDouble();
  for (const auto& weight : doc["weights"].GetArray()) {
    if (!weight.IsNumber()) return core::DataLoss("malformed linear model weights");
    solution.weights.push_back(weight.GetDouble());
  }
  auto model = Create(std::move(signature), std::move(pipeline), std::move(solution));
  if (!model.ok()) return core::DataLoss(model.status().message());
  return model;
}

int64_t LinearModel::MemoryBytes() const {
  int64_t bytes = static_cast<int64_t>(sizeof(*this));
  for (const FoldedFeature& folded : folded_) {
    bytes += static_cast<int64_t>(sizeof(folded));
    for (const auto& [category, weight] : folded.category_weights) {
      bytes += static_cast<int64_t>(sizeof(weight) + sizeof(category) + category.capacity());
    }
  }
  // The unfolded pipeline and weights are kept too, at about the same size.
  return bytes * 2 + static_cast<int64_t>(solution_.weights.size() * sizeof(double));
}

}  // namespace amp::ml
