#include "ml/xgboost/booster.h"

#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <mutex>

#include "core/log.h"

namespace amp::ml {
namespace {

// XGBoost's last error on this thread, without its "[time] file:line: " prefix and stack trace.
core::Status XgboostError(std::string_view call) {
  const char* raw = XGBGetLastError();
  std::string_view text = raw == nullptr ? "" : raw;
  if (size_t trace = text.find("\nStack trace:"); trace != std::string_view::npos) text = text.substr(0, trace);
  if (!text.empty() && text.front() == '[') {
    if (size_t end = text.find("] "); end != std::string_view::npos) text.remove_prefix(end + 2);
    // "./src/data/data.cc:461: message": drop the source location when it is there.
    size_t colon = text.find(": ");
    if (colon != std::string_view::npos && colon > 0 && text.substr(0, colon).find(' ') == std::string_view::npos &&
        text[colon - 1] >= '0' && text[colon - 1] <= '9') {
      text.remove_prefix(colon + 2);
    }
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  return core::Internal("XGBoost " + std::string(call) + " failed: " + std::string(text));
}

// XGBoost prints through a callback; send its lines to the process log instead of raw stdout.
void RouteXgboostLog() {
  static std::once_flag once;
  std::call_once(once, [] {
    XGBRegisterLogCallback([](const char* message) { core::LogInfo(std::string("xgboost: ") + message); });
  });
}

constexpr char kPredictValue[] =
    R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false})";
// XGBoost 1.7's in-place prediction reads "cache_id" unconditionally and fails without it.
constexpr char kPredictInPlace[] =
    R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false, )"
    R"("missing": NaN, "cache_id": 0})";
constexpr char kPredictContributions[] =
    R"({"type": 2, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false})";

core::Status CopyPrediction(const bst_ulong* shape, bst_ulong dim, const float* result, std::span<float> out) {
  bst_ulong count = 1;
  for (bst_ulong axis = 0; axis < dim; ++axis) count *= shape[axis];
  if (count != out.size()) {
    return core::Internal("XGBoost returned " + std::to_string(count) + " prediction values, expected " +
                          std::to_string(out.size()));
  }
  std::copy(result, result + count, out.begin());
  return core::Status::Ok();
}

}  // namespace

std::string DenseArrayInterface(DenseRows rows) {
  return R"({"data": [)" + std::to_string(reinterpret_cast<uintptr_t>(rows.values)) + R"(, true], "shape": [)" +
         std::to_string(rows.row_count) + ", " + std::to_string(rows.column_count) +
         R"(], "typestr": "<f4", "version": 3})";
}

core::Result<BoosterMatrix> BoosterMatrix::FromDense(DenseRows rows, int nthread) {
  RouteXgboostLog();
  const std::string config = R"({"missing": NaN, "nthread": )" + std::to_string(nthread) + "}";
  DMatrixHandle handle = nullptr;
  if (XGDMatrixCreateFromDense(DenseArrayInterface(rows).c_str(), config.c_str(), &handle) != 0) {
    return XgboostError("XGDMatrixCreateFromDense");
  }
  return BoosterMatrix(handle);
}

namespace {

// QuantileFromDense's data iterator: one batch, the caller's rows, handed to XGBoost through its proxy matrix.
struct SingleDenseBatch {
  DMatrixHandle proxy = nullptr;
  std::string array_interface;
  std::span<const float> labels;
  std::span<const float> weights;
  bool given = false;
};

}  // namespace

// XGBoost's iterator callbacks (C linkage, as its typedefs declare them).
extern "C" {
static int AmpSingleDenseBatchNext(DataIterHandle handle) {
  auto* batch = static_cast<SingleDenseBatch*>(handle);
  if (batch->given) return 0;
  batch->given = true;
  // A refused batch ends the iteration; XGBoost then fails the construction with its own error.
  if (XGProxyDMatrixSetDataDense(batch->proxy, batch->array_interface.c_str()) != 0 ||
      XGDMatrixSetFloatInfo(batch->proxy, "label", batch->labels.data(), batch->labels.size()) != 0) {
    return 0;
  }
  if (!batch->weights.empty() &&
      XGDMatrixSetFloatInfo(batch->proxy, "weight", batch->weights.data(), batch->weights.size()) != 0) {
    return 0;
  }
  return 1;
}

static void AmpSingleDenseBatchReset(DataIterHandle handle) {
  static_cast<SingleDenseBatch*>(handle)->given = false;
}
}

core::Result<BoosterMatrix> BoosterMatrix::QuantileFromDense(DenseRows rows, std::span<const float> labels,
                                                             std::span<const float> weights, int nthread,
                                                             const BoosterMatrix* reference) {
  RouteXgboostLog();
  // XGBoost's plain DMatrix refuses infinities; its quantile sketch would take one as a value.
  const size_t count = rows.row_count * rows.column_count;
  if (std::any_of(rows.values, rows.values + count, [](float value) { return std::isinf(value); })) {
    return core::Internal(
        "XGBoost XGQuantileDMatrixCreateFromCallback failed: Input data contains `inf` or a value too large");
  }
  SingleDenseBatch batch;
  if (XGProxyDMatrixCreate(&batch.proxy) != 0) return XgboostError("XGProxyDMatrixCreate");
  batch.array_interface = DenseArrayInterface(rows);
  batch.labels = labels;
  batch.weights = weights;
  const std::string config = R"({"missing": NaN, "nthread": )" + std::to_string(nthread) + "}";
  DMatrixHandle handle = nullptr;
  const int failed =
      XGQuantileDMatrixCreateFromCallback(&batch, batch.proxy, reference == nullptr ? nullptr : reference->handle_,
                                          AmpSingleDenseBatchReset, AmpSingleDenseBatchNext, config.c_str(), &handle);
  core::Status error = failed != 0 ? XgboostError("XGQuantileDMatrixCreateFromCallback") : core::Status::Ok();
  XGDMatrixFree(batch.proxy);
  if (!error.ok()) return error;
  return BoosterMatrix(handle);
}

BoosterMatrix::BoosterMatrix(BoosterMatrix&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}

BoosterMatrix& BoosterMatrix::operator=(BoosterMatrix&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) XGDMatrixFree(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

BoosterMatrix::~BoosterMatrix() {
  if (handle_ != nullptr) XGDMatrixFree(handle_);
}

core::Status BoosterMatrix::SetLabels(std::span<const float> labels) {
  if (XGDMatrixSetFloatInfo(handle_, "label", labels.data(), labels.size()) != 0) {
    return XgboostError("XGDMatrixSetFloatInfo(label)");
  }
  return core::Status::Ok();
}

core::Status BoosterMatrix::SetWeights(std::span<const float> weights) {
  if (XGDMatrixSetFloatInfo(handle_, "weight", weights.data(), weights.size()) != 0) {
    return XgboostError("XGDMatrixSetFloatInfo(weight)");
  }
  return core::Status::Ok();
}

core::Result<Booster> Booster::Create(std::span<const BoosterMatrix* const> cache) {
  RouteXgboostLog();
  std::vector<DMatrixHandle> handles;
  for (const BoosterMatrix* matrix : cache) handles.push_back(matrix->handle());
  BoosterHandle handle = nullptr;
  if (XGBoosterCreate(handles.data(), handles.size(), &handle) != 0) return XgboostError("XGBoosterCreate");
  return Booster(handle);
}

core::Result<Booster> Booster::Load(std::string_view model_bytes) {
  RouteXgboostLog();
  BoosterHandle handle = nullptr;
  if (XGBoosterCreate(nullptr, 0, &handle) != 0) return XgboostError("XGBoosterCreate");
  Booster booster(handle);
  if (XGBoosterLoadModelFromBuffer(handle, model_bytes.data(), model_bytes.size()) != 0) {
    return XgboostError("XGBoosterLoadModelFromBuffer");
  }
  return booster;
}

Booster::Booster(Booster&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}

Booster& Booster::operator=(Booster&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) XGBoosterFree(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

Booster::~Booster() {
  if (handle_ != nullptr) XGBoosterFree(handle_);
}

core::Status Booster::SetParam(std::string_view name, std::string_view value) {
  const std::string name_text(name);
  const std::string value_text(value);
  if (XGBoosterSetParam(handle_, name_text.c_str(), value_text.c_str()) != 0) {
    return XgboostError("XGBoosterSetParam(" + name_text + ")");
  }
  return core::Status::Ok();
}

core::Status Booster::UpdateOneIter(int iteration, const BoosterMatrix& train) {
  if (XGBoosterUpdateOneIter(handle_, iteration, train.handle()) != 0) return XgboostError("XGBoosterUpdateOneIter");
  return core::Status::Ok();
}

core::Result<std::string> Booster::EvalOneIter(int iteration, const BoosterMatrix& matrix, const std::string& name) {
  DMatrixHandle matrices[] = {matrix.handle()};
  const char* names[] = {name.c_str()};
  const char* result = nullptr;
  if (XGBoosterEvalOneIter(handle_, iteration, matrices, names, 1, &result) != 0) {
    return XgboostError("XGBoosterEvalOneIter");
  }
  return std::string(result);
}

core::Result<Booster> Booster::Slice(int begin, int end) const {
  BoosterHandle sliced = nullptr;
  if (XGBoosterSlice(handle_, begin, end, 1, &sliced) != 0) return XgboostError("XGBoosterSlice");
  return Booster(sliced);
}

core::Result<int> Booster::BoostedRounds() const {
  int rounds = 0;
  if (XGBoosterBoostedRounds(handle_, &rounds) != 0) return XgboostError("XGBoosterBoostedRounds");
  return rounds;
}

core::Result<std::string> Booster::Save(std::string_view format) const {
  const std::string config = R"({"format": ")" + std::string(format) + R"("})";
  bst_ulong length = 0;
  const char* bytes = nullptr;
  if (XGBoosterSaveModelToBuffer(handle_, config.c_str(), &length, &bytes) != 0) {
    return XgboostError("XGBoosterSaveModelToBuffer");
  }
  return std::string(bytes, length);
}

core::Status Booster::PredictInPlace(DenseRows rows, std::span<float> out) const {
  if (rows.row_count == 0 ? !out.empty() : out.size() % rows.row_count != 0) {
    return core::InvalidArgument("expected the same number of outputs for every row");
  }
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  if (XGBoosterPredictFromDense(handle_, DenseArrayInterface(rows).c_str(), kPredictInPlace, nullptr, &shape, &dim,
                                &result) != 0) {
    return XgboostError("XGBoosterPredictFromDense");
  }
  return CopyPrediction(shape, dim, result, out);
}

core::Status Booster::Predict(const BoosterMatrix& matrix, size_t row_count, std::span<float> out) const {
  if (out.size() != row_count) return core::InvalidArgument("expected one output per row");
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  if (XGBoosterPredictFromDMatrix(handle_, matrix.handle(), kPredictValue, &shape, &dim, &result) != 0) {
    return XgboostError("XGBoosterPredictFromDMatrix");
  }
  return CopyPrediction(shape, dim, result, out);
}

core::Status Booster::PredictContributions(const BoosterMatrix& matrix, size_t row_count, size_t column_count,
                                           std::span<float> out) const {
  if (out.size() != row_count * (column_count + 1)) {
    return core::InvalidArgument("expected columns + 1 contributions per row");
  }
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  if (XGBoosterPredictFromDMatrix(handle_, matrix.handle(), kPredictContributions, &shape, &dim, &result) != 0) {
    return XgboostError("XGBoosterPredictFromDMatrix(contributions)");
  }
  return CopyPrediction(shape, dim, result, out);
}

}  // namespace amp::ml
