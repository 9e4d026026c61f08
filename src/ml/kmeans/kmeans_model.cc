#include "ml/kmeans/kmeans_model.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace amp::ml {
namespace {

std::string FormatNumber(double value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.Double(value);
  return buffer.GetString();
}

}  // namespace

core::Result<std::shared_ptr<const KMeansModel>> KMeansModel::Create(ModelSignature signature, Pipeline pipeline,
                                                                     std::vector<double> centers,
                                                                     std::vector<int64_t> cluster_sizes) {
  if (signature.task != Task::kClustering || !signature.classes.empty()) {
    return core::InvalidArgument("a k-means model needs a clustering signature");
  }
  AMP_RETURN_IF_ERROR(pipeline.CheckSignature(signature));
  const auto width = static_cast<size_t>(pipeline.EncodedWidth());
  if (cluster_sizes.empty() || width == 0 || centers.size() != cluster_sizes.size() * width) {
    return core::InvalidArgument("k-means centres do not match the clusters and the pipeline's encoded width");
  }
  for (double value : centers) {
    if (!std::isfinite(value)) return core::InvalidArgument("k-means centres must be finite");
  }
  for (int64_t size : cluster_sizes) {
    if (size < 0) return core::InvalidArgument("k-means cluster sizes must be >= 0");
  }
  return std::shared_ptr<const KMeansModel>(
      new KMeansModel(std::move(signature), std::move(pipeline), std::move(centers), std::move(cluster_sizes)));
}

KMeansModel::KMeansModel(ModelSignature signature, Pipeline pipeline, std::vector<double> centers,
                         std::vector<int64_t> cluster_sizes)
    : signature_(std::move(signature)),
      pipeline_(std::move(pipeline)),
      centers_(std::move(centers)),
      cluster_sizes_(std::move(cluster_sizes)) {}

void KMeansModel::EncodeRow(const FeatureValue* row, size_t row_idx, double* encoded, PredictionNotes* notes) const {
  const std::vector<FeatureTransform>& transforms = pipeline_.transforms();
  const std::vector<int>& offsets = pipeline_.feature_offsets();
  for (size_t feature_idx = 0; feature_idx < transforms.size(); ++feature_idx) {
    const FeatureTransform& transform = transforms[feature_idx];
    const FeatureValue& value = row[feature_idx];
    double* dest = encoded + offsets[feature_idx];
    if (value.kind == FeatureValue::Kind::kMissing && notes != nullptr) {
      notes->Warn([&] { return MissingValueWarning(row_idx, transform.feature.name); });
    }
    if (data::IsNumberLike(transform.feature.type)) {
      const double raw = value.kind == FeatureValue::Kind::kMissing ? transform.impute_value : value.number;
      *dest = (raw - transform.center) / transform.scale;
      continue;
    }
    std::fill(dest, dest + transform.categories.size(), 0.0);
    if (value.kind == FeatureValue::Kind::kMissing) {
      dest[transform.impute_category] = 1.0;
      continue;
    }
    auto it = std::lower_bound(
        transform.categories.begin(), transform.categories.end(), value.text,
        [](const std::string& category, std::string_view key) { return std::string_view(category) < key; });
    if (it != transform.categories.end() && *it == value.text) {
      dest[it - transform.categories.begin()] = 1.0;
    } else if (notes != nullptr) {
      notes->Warn([&] { return UnseenCategoryWarning(row_idx, transform.feature.name, value.text); });
    }
  }
}

void KMeansModel::SquaredDistances(const double* encoded, double* squared) const {
  const auto width = static_cast<size_t>(pipeline_.EncodedWidth());
  for (size_t cluster = 0; cluster < cluster_sizes_.size(); ++cluster) {
    const double* center = centers_.data() + cluster * width;
    double sum = 0.0;
    for (size_t column = 0; column < width; ++column) {
      const double diff = encoded[column] - center[column];
      sum += diff * diff;
    }
    squared[cluster] = sum;
  }
}

core::Status KMeansModel::Predict(std::span<const FeatureValue> rows, std::span<double> out,
                                  PredictionNotes* notes) const {
  const size_t width = signature_.features.size();
  if (rows.size() != out.size() * width) {
    return core::InvalidArgument("expected " + std::to_string(width) + " values per row");
  }
  // Grow-once scratch per thread: no allocation per request.
  thread_local std::vector<double> encoded;
  thread_local std::vector<double> squared;
  encoded.resize(static_cast<size_t>(pipeline_.EncodedWidth()));
  squared.resize(cluster_sizes_.size());
  for (size_t row_idx = 0; row_idx < out.size(); ++row_idx) {
    EncodeRow(rows.data() + row_idx * width, row_idx, encoded.data(), notes);
    SquaredDistances(encoded.data(), squared.data());
    out[row_idx] = static_cast<double>(std::min_element(squared.begin(), squared.end()) - squared.begin());
  }
  return core::Status::Ok();
}

core::Status KMeansModel::PredictDistances(std::span<const FeatureValue> rows, std::span<double> distances,
                                           PredictionNotes* notes) const {
  const size_t width = signature_.features.size();
  const size_t k = cluster_sizes_.size();
  const size_t row_count = distances.size() / k;
  if (distances.size() % k != 0 || rows.size() != row_count * width) {
    return core::InvalidArgument("expected " + std::to_string(width) + " values and " + std::to_string(k) +
                                 " distances per row");
  }
  thread_local std::vector<double> encoded;
  encoded.resize(static_cast<size_t>(pipeline_.EncodedWidth()));
  for (size_t row_idx = 0; row_idx < row_count; ++row_idx) {
    EncodeRow(rows.data() + row_idx * width, row_idx, encoded.data(), notes);
    double* row_out = distances.data() + row_idx * k;
    SquaredDistances(encoded.data(), row_out);
    for (size_t cluster = 0; cluster < k; ++cluster) row_out[cluster] = std::sqrt(row_out[cluster]);
  }
  return core::Status::Ok();
}

std::vector<std::pair<std::string, double>> KMeansModel::Parameters() const {
  std::vector<std::pair<std::string, double>> parameters;
  parameters.emplace_back("clusters", static_cast<double>(cluster_sizes_.size()));
  const std::vector<std::string> names = pipeline_.EncodedNames();
  for (size_t cluster = 0; cluster < cluster_sizes_.size(); ++cluster) {
    const std::string id = std::to_string(cluster);
    parameters.emplace_back("size(" + id + ")", static_cast<double>(cluster_sizes_[cluster]));
    for (size_t column = 0; column < names.size(); ++column) {
      parameters.emplace_back("center(" + id + "," + names[column] + ")", centers_[cluster * names.size() + column]);
    }
  }
  return parameters;
}

std::vector<std::pair<std::string, double>> KMeansModel::FeatureImportance() const {
  const auto width = static_cast<size_t>(pipeline_.EncodedWidth());
  double total_rows = 0.0;
  for (int64_t size : cluster_sizes_) total_rows += static_cast<double>(size);
  std::vector<double> between(width, 0.0);
  if (total_rows > 0.0) {
    for (size_t column = 0; column < width; ++column) {
      double mean = 0.0;
      for (size_t cluster = 0; cluster < cluster_sizes_.size(); ++cluster) {
        mean += static_cast<double>(cluster_sizes_[cluster]) * centers_[cluster * width + column];
      }
      mean /= total_rows;
      for (size_t cluster = 0; cluster < cluster_sizes_.size(); ++cluster) {
        const double diff = centers_[cluster * width + column] - mean;
        between[column] += static_cast<double>(cluster_sizes_[cluster]) * diff * diff / total_rows;
      }
    }
  }
  double sum = 0.0;
  for (double value : between) sum += value;
  if (sum > 0.0) {
    for (double& value : between) value /= sum;
  }
  return ImportanceByFeature(pipeline_, between);
}

std::string KMeansModel::SerializePayload() const {
  const auto width = static_cast<size_t>(pipeline_.EncodedWidth());
  std::string payload = "{\"pipeline\":" + pipeline_.ToJson() + ",\"centers\":[";
  for (size_t cluster = 0; cluster < cluster_sizes_.size(); ++cluster) {
    payload += cluster > 0 ? ",[" : "[";
    for (size_t column = 0; column < width; ++column) {
      if (column > 0) payload += ',';
      payload += FormatNumber(centers_[cluster * width + column]);
    }
    payload += ']';
  }
  payload += "],\"cluster_sizes\":[";
  for (size_t cluster = 0; cluster < cluster_sizes_.size(); ++cluster) {
    if (cluster > 0) payload += ',';
    payload += std::to_string(cluster_sizes_[cluster]);
  }
  payload += "]}";
  return payload;
}

core::Result<std::shared_ptr<const KMeansModel>> KMeansModel::FromPayload(ModelSignature signature,
                                                                          std::string_view payload) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(payload.data(), payload.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("pipeline") || !doc["pipeline"].IsObject() ||
      !doc.HasMember("centers") || !doc["centers"].IsArray() || !doc.HasMember("cluster_sizes") ||
      !doc["cluster_sizes"].IsArray()) {
    return core::DataLoss("malformed k-means model payload");
  }
  rapidjson::StringBuffer pipeline_text;
  rapidjson::Writer<rapidjson::StringBuffer> writer(pipeline_text);
  doc["pipeline"].Accept(writer);
  AMP_ASSIGN_OR_RETURN(Pipeline pipeline, Pipeline::FromJson(pipeline_text.GetString()));
  std::vector<double> centers;
  for (const auto& center : doc["centers"].GetArray()) {
    if (!center.IsArray() || center.Size() != static_cast<rapidjson::SizeType>(pipeline.EncodedWidth())) {
      return core::DataLoss("malformed k-means centres");
    }
    for (const auto& value : center.GetArray()) {
      if (!value.IsNumber()) return core::DataLoss("malformed k-means centres");
      centers.push_back(value.GetDouble());
    }
  }
  std::vector<int64_t> sizes;
  for (const auto& size : doc["cluster_sizes"].GetArray()) {
    if (!size.IsInt64()) return core::DataLoss("malformed k-means cluster sizes");
    sizes.push_back(size.GetInt64());
  }
  auto model = Create(std::move(signature), std::move(pipeline), std::move(centers), std::move(sizes));
  if (!model.ok()) return core::DataLoss(model.status().message());
  return model;
}

int64_t KMeansModel::MemoryBytes() const {
  int64_t pipeline_bytes = 0;
  for (const FeatureTransform& transform : pipeline_.transforms()) {
    pipeline_bytes += static_cast<int64_t>(sizeof(transform) + transform.feature.name.capacity() +
                                           transform.category_means.capacity() * sizeof(double));
    for (const std::string& category : transform.categories) {
      pipeline_bytes += static_cast<int64_t>(sizeof(category) + category.capacity());
    }
  }
  return static_cast<int64_t>(sizeof(*this) + centers_.capacity() * sizeof(double) +
                              cluster_sizes_.capacity() * sizeof(int64_t)) +
         pipeline_bytes;
}

}  // namespace amp::ml
