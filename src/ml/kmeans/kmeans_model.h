// KMeansModel: clustering of a table without a target. A fitted preprocessing pipeline (median imputation and
// standardization of numbers, one-hot categories) plus k centres in its encoded space. Predict gives the index of
// the nearest centre (the first of equals) and PredictDistances the Euclidean distance to every centre, in the
// encoded (standardized) space, computed in double. Immutable; thread-safe.
// Feature importance is each feature's share of the between-cluster variance: for an encoded column, the variance of
// the cluster centres weighted by cluster size (what the clustering separates on that column), summed over a
// feature's one-hot columns and divided by the total over all features, so the importances sum to 1.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ml/kmeans/kmeans_solver.h"
#include "ml/model.h"
#include "ml/pipeline.h"

namespace amp::ml {

inline constexpr std::string_view kKMeansAlgorithm = "kmeans";
// What a clustering model "predicts": the name its signature gives as the target.
inline constexpr std::string_view kClusterTarget = "cluster";

class KMeansModel final : public Model {
 public:
  // `signature` is a clustering signature (no classes) whose features are the pipeline's; `centers` holds
  // cluster_sizes.size() rows of EncodedWidth() values (row-major). InvalidArgument if not, or if a value is not
  // finite.
  static core::Result<std::shared_ptr<const KMeansModel>> Create(ModelSignature signature, Pipeline pipeline,
                                                                 std::vector<double> centers,
                                                                 std::vector<int64_t> cluster_sizes);
  // The inverse of SerializePayload. DataLoss on malformed input.
  static core::Result<std::shared_ptr<const KMeansModel>> FromPayload(ModelSignature signature,
                                                                      std::string_view payload);

  std::string_view algorithm() const override { return kKMeansAlgorithm; }
  const ModelSignature& signature() const override { return signature_; }
  core::Status Predict(std::span<const FeatureValue> rows, std::span<double> out,
                       PredictionNotes* notes) const override;
  size_t ClusterCount() const override { return cluster_sizes_.size(); }
  core::Status PredictDistances(std::span<const FeatureValue> rows, std::span<double> distances,
                                PredictionNotes* notes) const override;
  // "clusters", each cluster's "size(<c>)" and its centre as "center(<c>,<encoded column>)" (standardized scale).
  std::vector<std::pair<std::string, double>> Parameters() const override;
  std::vector<std::pair<std::string, double>> FeatureImportance() const override;
  // {"pipeline": {...}, "centers": [[...], ...], "cluster_sizes": [...]}.
  std::string SerializePayload() const override;
  int64_t MemoryBytes() const override;

  const Pipeline& pipeline() const { return pipeline_; }
  const std::vector<double>& centers() const { return centers_; }
  const std::vector<int64_t>& cluster_sizes() const { return cluster_sizes_; }

 private:
  KMeansModel(ModelSignature signature, Pipeline pipeline, std::vector<double> centers,
              std::vector<int64_t> cluster_sizes);

  // Encodes row `row_idx` into `encoded` (EncodedWidth() doubles), as Pipeline::Encode does a table row.
  void EncodeRow(const FeatureValue* row, size_t row_idx, double* encoded, PredictionNotes* notes) const;
  // The squared distance of `encoded` to every centre into `squared` (ClusterCount() values).
  void SquaredDistances(const double* encoded, double* squared) const;

  ModelSignature signature_;
  Pipeline pipeline_;
  std::vector<double> centers_;
  std::vector<int64_t> cluster_sizes_;
};

}  // namespace amp::ml
