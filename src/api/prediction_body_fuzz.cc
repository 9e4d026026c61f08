// libFuzzer target: the JSON prediction decoders (classic rows, v1 batch formats and the KServe V2 tensor decoder)
// on arbitrary bodies, for a model with a number, a boolean and a categorical feature. Any input must decode or be
// refused with an error, never crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/batch_decoder.h"
#include "api/json_body.h"
#include "api/kserve_v2_codec.h"
#include "api/row_decoder.h"

namespace {

const amp::ml::ModelSignature& Signature() {
  static const amp::ml::ModelSignature signature = [] {
    amp::ml::ModelSignature built;
    built.target = "price";
    built.features = {{"sqft", amp::data::ColumnType::kNumeric},
                      {"garage", amp::data::ColumnType::kBoolean},
                      {"city", amp::data::ColumnType::kCategorical}};
    return built;
  }();
  return signature;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  // Bodies that do not start like JSON go down the CSV path too.
  const bool as_csv = size > 0 && data[0] != '{' && data[0] != '[' && data[0] != ' ';
  amp::api::Request request;
  request.method = amp::api::Method::kPost;
  request.content_type = as_csv ? "text/csv" : "application/json";
  request.body = body;

  // The v1 batch path (rows, columns or CSV).
  amp::api::BatchBody batch_body;
  if (!amp::api::ReadBatchBody(request, &batch_body)) {
    amp::api::DecodedBatch batch;
    (void)amp::api::DecodeBatch(batch_body, Signature(), &batch);
  }
  if (as_csv) return 0;

  // The classic path: a row object or an array of them.
  simdjson::dom::element root;
  if (amp::api::ParseJsonBody(request, &root)) return 0;
  amp::api::RowDecoder& decoder = amp::api::ThreadRowDecoder();
  simdjson::dom::array rows;
  if (root.get_array().get(rows) == simdjson::SUCCESS) {
    decoder.Reset(Signature(), rows.size());
    size_t row_idx = 0;
    for (simdjson::dom::element row : rows) {
      if (!decoder.DecodeRow(row, row_idx++).ok()) break;
    }
  } else {
    decoder.Reset(Signature(), 1);
    (void)decoder.DecodeRow(root, 0);
  }

  // The KServe V2 tensor decoder.
  amp::api::V2InferRequest infer;
  if (amp::api::ParseV2InferRequest(root, &infer).ok()) {
    (void)amp::api::CheckV2RequestedOutputs(infer, "price");
    (void)amp::api::ThreadKServeV2Codec().DecodeInputs(Signature(), infer.inputs);
  }
  return 0;
}
