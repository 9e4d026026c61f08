// OnnxModel: a model trained elsewhere and imported as ONNX (POST /v1/models/{m}/import), evaluated by AMP's own
// executor (OnnxGraph). The signature (features, task, classes) is the importer's; the graph must take it in one
// of two layouts: one input per feature, named after it, [N, 1] or [N] (float for number-like features with NaN for
// missing, string for categorical ones with "" for missing), as AMP's own ONNX export writes; or a single float input
// [N, F] over the features in signature order (what torch.onnx.export writes for an MLP), number-like features
// only. A regression reads a float output of one value per row; a classifier a float output [N, classes] of class
// probabilities (index i is signature.classes[i]), and predicts their argmax (the first of equals). Immutable;
// thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ml/model.h"
#include "ml/onnx/onnx_graph.h"

namespace amp::ml {

inline constexpr std::string_view kOnnxAlgorithm = "onnx";

class OnnxModel final : public Model {
 public:
  // `output` names the graph output to read; empty picks the first float output that fits the task.
  // FailedPrecondition for unsupported operators (named) from OnnxGraph::Load; InvalidArgument for a graph that
  // does not fit the signature (inputs, output, classes) or fails on a trial row of the features.
  static core::Result<std::shared_ptr<const OnnxModel>> Create(ModelSignature signature, std::string onnx_bytes,
                                                               std::string output);
  // The inverse of SerializePayload. DataLoss on malformed input.
  static core::Result<std::shared_ptr<const OnnxModel>> FromPayload(ModelSignature signature, std::string_view payload);

  std::string_view algorithm() const override { return kOnnxAlgorithm; }
  const ModelSignature& signature() const override { return signature_; }
  core::Status Predict(std::span<const FeatureValue> rows, std::span<double> out,
                       PredictionNotes* notes) const override;
  core::Status PredictProba(std::span<const FeatureValue> rows, std::span<double> probabilities,
                            PredictionNotes* notes) const override;
  // onnx_nodes, onnx_opset, onnx_ml_opset, onnx_bytes.
  std::vector<std::pair<std::string, double>> Parameters() const override;
  // {"onnx": "<base64 of the ModelProto>", "output": "<name>"}.
  std::string SerializePayload() const override;
  int64_t MemoryBytes() const override;

  const std::string& onnx_bytes() const { return onnx_bytes_; }
  const OnnxGraph& graph() const { return *graph_; }

 private:
  OnnxModel(ModelSignature signature, std::string onnx_bytes, std::shared_ptr<const OnnxGraph> graph, bool matrix_input,
            size_t output_idx);

  // The graph's outputs for `row_count` rows; the chosen output's values (float) come back in `values`.
  core::Status Evaluate(std::span<const FeatureValue> rows, size_t row_count, std::vector<float>* values) const;

  ModelSignature signature_;
  std::string onnx_bytes_;
  std::shared_ptr<const OnnxGraph> graph_;
  bool matrix_input_;  // one [N, F] input rather than one per feature
  size_t output_idx_;
};

}  // namespace amp::ml
