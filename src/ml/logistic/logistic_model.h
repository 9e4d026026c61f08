// LogisticModel: a classifier made of a fitted preprocessing pipeline (median imputation and standardization of
// numbers, one-hot categories) and a LogisticSolution over its encoded columns. Each output's linear score is a
// LinearModel, so the pipeline is folded into the weights and scoring allocates nothing per request (each thread
// reuses a scratch buffer of scores). Binary: P(classes[1]) = sigmoid(score); multinomial: softmax over the classes'
// scores. Predict gives the index of the most probable class. Immutable; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ml/linear/linear_model.h"
#include "ml/logistic/logistic_solver.h"
#include "ml/model.h"
#include "ml/pipeline.h"

namespace amp::ml {

inline constexpr std::string_view kLogisticRegressionAlgorithm = "logistic_regression";

class LogisticModel final : public Model {
 public:
  // `signature` is a classification signature with at least two classes whose features are the pipeline's; the
  // solution has one output for two classes, else one per class, each with a weight per encoded column.
  // InvalidArgument if not.
  static core::Result<std::shared_ptr<const LogisticModel>> Create(ModelSignature signature, Pipeline pipeline,
                                                                   LogisticSolution solution);
  // The inverse of SerializePayload. DataLoss on malformed input.
  static core::Result<std::shared_ptr<const LogisticModel>> FromPayload(ModelSignature signature,
                                                                        std::string_view payload);

  std::string_view algorithm() const override { return kLogisticRegressionAlgorithm; }
  const ModelSignature& signature() const override { return signature_; }
  core::Status Predict(std::span<const FeatureValue> rows, std::span<double> out,
                       PredictionNotes* notes) const override;
  core::Status PredictProba(std::span<const FeatureValue> rows, std::span<double> probabilities,
                            PredictionNotes* notes) const override;
  // Intercepts and coefficients on the standardized scale: "intercept" and each encoded column's name for a binary
  // model (the log-odds of the second class), "<class>:intercept" and "<class>:<column>" for a multinomial one.
  std::vector<std::pair<std::string, double>> Parameters() const override;
  // |coefficient| on the standardized scale (Pipeline::EncodedStdDevs; for a multinomial model the mean over the
  // classes), summed over a feature's one-hot columns.
  std::vector<std::pair<std::string, double>> FeatureImportance() const override;
  // {"pipeline": {...}, "intercepts": [...], "weights": [[...], ...]} (one weight row per output).
  std::string SerializePayload() const override;
  int64_t MemoryBytes() const override;

  const LogisticSolution& solution() const { return solution_; }
  const Pipeline& pipeline() const { return pipeline_; }

 private:
  LogisticModel(ModelSignature signature, Pipeline pipeline, LogisticSolution solution,
                std::vector<std::shared_ptr<const LinearModel>> scores);

  // Each output's linear score of every row into the thread's scratch buffer (output-major: outputs x rows).
  core::Status Scores(std::span<const FeatureValue> rows, size_t row_count, PredictionNotes* notes,
                      std::vector<double>* scores) const;

  ModelSignature signature_;
  Pipeline pipeline_;
  LogisticSolution solution_;
  std::vector<std::shared_ptr<const LinearModel>> scores_;  // one per output
};

}  // namespace amp::ml
