// KServeV2Codec: the KServe V2 / Open Inference Protocol tensor codec for AMP's tabular models. It decodes the
// "inputs" of an inference request (one column tensor per feature, or one [N, F] number tensor) into the
// FeatureValues a model takes, row-major in signature order, and renders the response. Used by KServeV2Handlers.
// The free functions are pure and thread-safe; a KServeV2Codec keeps scratch buffers between requests, so use one
// per thread (ThreadKServeV2Codec).
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "data/column_type.h"
#include "ml/model.h"

namespace amp::api {

// The tensor element types of the protocol ("Tensor Data Types").
enum class V2Datatype : unsigned char {
  kBool,
  kUint8,
  kUint16,
  kUint32,
  kUint64,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kFp16,
  kFp32,
  kFp64,
  kBytes,
};

// "BOOL", "UINT8", ..., "BYTES" exactly as the protocol spells them (upper case); nullopt for anything else.
std::optional<V2Datatype> ParseV2Datatype(std::string_view name);
std::string_view V2DatatypeName(V2Datatype datatype);

// The datatype model metadata advertises for a feature: FP64 numeric, INT64 integer, BOOL boolean, BYTES categorical.
V2Datatype AdvertisedV2Datatype(data::ColumnType type);

// Whether a tensor of `datatype` may feed a feature of `type`. Number-like features take every number type (a
// boolean feature only the values 0 and 1); BOOL feeds boolean features only; categorical features take BYTES and
// the integer types (an integer is matched as its decimal text, as the v1 API does).
bool V2DatatypeFeeds(V2Datatype datatype, data::ColumnType type);

// The top-level fields of an inference request, as views into the parsed JSON document.
struct V2InferRequest {
  std::optional<std::string_view> id;
  simdjson::dom::array inputs;
  std::optional<simdjson::dom::array> outputs;  // absent: every output
};

// Reads the request object. "parameters" (request-level) is accepted and ignored. InvalidArgument naming the field
// when the body is not an object, "inputs" is missing, not an array or empty, "id" is not a string, "outputs" is
// not an array or "parameters" not an object.
core::Status ParseV2InferRequest(simdjson::dom::element root, V2InferRequest* request);

// Checks the requested outputs against the outputs an AMP model produces: one named after its target, and for a
// classifier also `probability_output` (V2ProbabilityOutputName; empty for other models). An empty list means every
// output, and every output is answered either way. InvalidArgument for an entry that is not an object with a string
// "name", or that names another output.
core::Status CheckV2RequestedOutputs(const V2InferRequest& request, std::string_view target,
                                     std::string_view probability_output = {});

// A classifier's second output: "<target>_probabilities".
std::string V2ProbabilityOutputName(std::string_view target);

inline constexpr size_t kMaxV2Rows = 100000;

class KServeV2Codec {
 public:
  // Decodes `inputs` for `signature`. Two layouts are accepted:
  //  - one tensor per feature, named after it, in any order, shape [N] or [N, 1];
  //  - a single tensor whose name is not a feature's, shape [N, F] ([N] when F is 1), holding the features in
  //    signature order; only for models whose features are all number-like, and only with a number datatype.
  // "data" is flat or nested exactly as the shape says, row-major; null is a missing value (imputed by the model).
  // Per-input "parameters" are ignored. On success values() holds row_count() * F values, row-major in signature
  // order. InvalidArgument naming the tensor for: a malformed input object, an unknown datatype, a bad shape, a
  // data length or nesting that disagrees with the shape, a datatype that cannot feed the feature, an element of
  // the wrong JSON type or out of the datatype's range, an unknown, duplicate or missing feature tensor, tensors
  // with different row counts, binary (non-JSON) tensor data. ResourceExhausted for more than kMaxV2Rows rows.
  // Text values borrow the JSON document's strings and this codec's storage: valid until the next DecodeInputs on
  // this codec and the next parse of the document's parser.
  core::Status DecodeInputs(const ml::ModelSignature& signature, simdjson::dom::array inputs);

  size_t row_count() const { return row_count_; }
  std::vector<ml::FeatureValue>& values() { return values_; }

 private:
  struct Tensor {
    std::string_view name;
    V2Datatype datatype = V2Datatype::kFp64;
    size_t rank = 0;
    uint64_t dims[2] = {0, 0};
    simdjson::dom::array shape;  // as sent, for messages
    simdjson::dom::array data;
    int feature_idx = -1;  // the feature a column tensor feeds; -1 for the single all-features tensor
  };

  core::Status ParseTensor(simdjson::dom::element input, size_t input_idx, Tensor* tensor) const;
  core::Status CheckColumns(const ml::ModelSignature& signature);
  core::Status CheckMatrix(const ml::ModelSignature& signature);
  // Walks the tensor's data in row-major order, checking its length and nesting against the shape, and decodes
  // each element into values_.
  core::Status DecodeData(const ml::ModelSignature& signature, const Tensor& tensor);
  core::Status DecodeElement(const Tensor& tensor, const ml::FeatureSpec& feature, simdjson::dom::element element,
                             size_t element_idx, ml::FeatureValue* slot);

  std::vector<Tensor> tensors_;
  std::vector<int> tensor_for_feature_;  // index into tensors_, or -1
  std::vector<ml::FeatureValue> values_;
  std::deque<std::string> text_storage_;  // category text made from integers; stable addresses
  size_t row_count_ = 0;
};

// The per-thread codec.
KServeV2Codec& ThreadKServeV2Codec();

// What an inference response says; views that must outlive EncodeV2InferResponse.
struct V2InferResult {
  std::optional<std::string_view> id;
  std::string_view model_name;
  int64_t model_version = 0;
  std::string_view output_name;
  std::span<const double> predictions;  // a classifier's: class indices into `classes`
  std::span<const std::string> warnings;
  int64_t more_warnings = 0;  // counted but not kept (see ml::PredictionNotes)
  // A classifier's class labels and probabilities (row-major, rows x classes), answered as a second output.
  std::span<const std::string> classes;
  std::span<const double> probabilities;
  std::string_view probability_output_name;
};

inline constexpr size_t kMaxV2Warnings = 100;

// Renders {"id" (when given), "model_name", "model_version" (a string), "parameters": {"warnings": [...]} (only when
// there are warnings; at most kMaxV2Warnings, then a line counting the rest), "outputs": [{"name", "datatype":
// "FP64", "shape": [N, 1], "data": [...]}]}. Non-finite predictions are written as null. A classifier's outputs are
// its labels ({"name": target, "datatype": "BYTES", "shape": [N, 1], "data": ["label", ...]}) and its probabilities
// ({"name": probability_output_name, "datatype": "FP64", "shape": [N, classes], "data": [row-major],
// "parameters": {"classes": [label, ...]}}).
std::string EncodeV2InferResponse(const V2InferResult& result);

}  // namespace amp::api
