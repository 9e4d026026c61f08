// libFuzzer target: the KServe V2 tensor decoder (ParseV2InferRequest, CheckV2RequestedOutputs,
// KServeV2Codec::DecodeInputs) and the response encoder on arbitrary bodies. The first byte picks the model
// signature: one feature of every type (column tensors) or number-only features (the [N, F] matrix layout too).
// Any input must decode or be refused with an error, never crash, and a decoded batch must hold rows x features
// values.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "api/kserve_v2_codec.h"

namespace {

const amp::ml::ModelSignature& MixedSignature() {
  static const amp::ml::ModelSignature signature = [] {
    amp::ml::ModelSignature built;
    built.target = "price";
    built.features = {{"area", amp::data::ColumnType::kNumeric},
                      {"rooms", amp::data::ColumnType::kInteger},
                      {"garden", amp::data::ColumnType::kBoolean},
                      {"city", amp::data::ColumnType::kCategorical}};
    return built;
  }();
  return signature;
}

const amp::ml::ModelSignature& NumericSignature() {
  static const amp::ml::ModelSignature signature = [] {
    amp::ml::ModelSignature built;
    built.target = "y";
    built.features = {{"x1", amp::data::ColumnType::kNumeric},
                      {"x2", amp::data::ColumnType::kInteger},
                      {"x3", amp::data::ColumnType::kBoolean}};
    return built;
  }();
  return signature;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const amp::ml::ModelSignature& signature = (data[0] & 1) ? NumericSignature() : MixedSignature();
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);

  static simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body).get(root) != simdjson::SUCCESS) return 0;
  amp::api::V2InferRequest request;
  if (!amp::api::ParseV2InferRequest(root, &request).ok()) return 0;
  (void)amp::api::CheckV2RequestedOutputs(request, signature.target,
                                          amp::api::V2ProbabilityOutputName(signature.target));

  amp::api::KServeV2Codec& codec = amp::api::ThreadKServeV2Codec();
  if (!codec.DecodeInputs(signature, request.inputs).ok()) return 0;
  const size_t rows = codec.row_count();
  if (codec.values().size() != rows * signature.features.size()) std::abort();

  // Render an answer for the decoded batch, as the handler does.
  std::vector<double> predictions(rows);
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
    const amp::ml::FeatureValue& first = codec.values()[row_idx * signature.features.size()];
    predictions[row_idx] = first.kind == amp::ml::FeatureValue::Kind::kNumber ? first.number : 0.0;
  }
  amp::api::V2InferResult result;
  result.id = request.id;
  result.model_name = "fuzz";
  result.model_version = 1;
  result.output_name = signature.target;
  result.predictions = predictions;
  const std::string encoded = amp::api::EncodeV2InferResponse(result);
  simdjson::dom::parser check;
  simdjson::dom::element reparsed;
  if (check.parse(encoded).get(reparsed) != simdjson::SUCCESS) std::abort();
  return 0;
}
