// amp_tree_bench: AMP's flattened tree predictor (ml::FlatForest) against XGBoost's own C API prediction, for a
// 100-tree, depth-6 regression model on 10 features (trained here, or loaded from --model), one thread each.
//   single row: FlatForest::PredictRow vs XGBoosterPredictFromDense on a 1 x 10 matrix (its config string and array
//               interface built once, as a careful caller would), plus XgboostModel::Predict from request values
//               (imputation and encoding included), as serving calls it
//   batch:      100,000 rows through FlatForest::PredictRows vs one XGBoosterPredictFromDense call (nthread=1)
// Usage: amp_tree_bench [--model FILE] [--rows N] [--callgrind single-flat|single-xgboost|batch-flat|batch-xgboost]
//   --model FILE  load the booster (UBJSON) from FILE if it exists, else train it and write it there
//   --callgrind   run only that path, a fixed number of times, with callgrind collecting only around it (run under
//                 valgrind --tool=callgrind --collect-atstart=no; bench/trees_callgrind.sh does)
#include <xgboost/c_api.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT
#endif

#include "ml/xgboost/booster.h"
#include "ml/xgboost/booster_trainer.h"
#include "ml/xgboost/flat_forest.h"
#include "ml/xgboost/xgboost_model.h"

namespace {

using amp::ml::Booster;
using amp::ml::DenseRows;
using amp::ml::FeatureValue;
using amp::ml::FlatForest;
using Clock = std::chrono::steady_clock;

constexpr size_t kFeatures = 10;
constexpr size_t kTrainRows = 20000;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "amp_tree_bench: %s\n", what.c_str());
  std::exit(1);
}

template <typename T>
T Check(amp::core::Result<T> result, const char* what) {
  if (!result.ok()) Fail(std::string(what) + ": " + result.status().ToString());
  return std::move(result).value();
}

void Check(const amp::core::Status& status, const char* what) {
  if (!status.ok()) Fail(std::string(what) + ": " + status.ToString());
}

// Row-major rows with mixed scales and about 5% missing values.
std::vector<float> RandomRows(size_t rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  std::vector<float> values(rows * kFeatures);
  for (size_t idx = 0; idx < values.size(); ++idx) {
    values[idx] = unit(rng) < 0.05f ? NAN : normal(rng) * static_cast<float>(1 + idx % kFeatures);
  }
  return values;
}

std::string TrainModel() {
  const std::vector<float> rows = RandomRows(kTrainRows, 1);
  std::vector<float> labels;
  for (size_t row = 0; row < kTrainRows; ++row) {
    const float* x = rows.data() + row * kFeatures;
    float y = 0.0f;
    for (size_t feature = 0; feature < kFeatures; ++feature) {
      const float value = std::isnan(x[feature]) ? 0.0f : x[feature];
      y += std::sin(value * static_cast<float>(feature + 1)) + (feature % 3 == 0 ? value * value : value);
    }
    labels.push_back(y);
  }
  amp::ml::BoosterParams params;  // 100 trees, depth 6, hist
  params.seed = 7;
  return Check(amp::ml::TrainBooster({rows.data(), kTrainRows, kFeatures}, labels, nullptr, {}, params), "training")
      .model_ubj;
}

std::string LoadOrTrain(const std::string& path) {
  if (!path.empty() && std::filesystem::exists(path)) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
  }
  std::string model = TrainModel();
  if (!path.empty()) std::ofstream(path, std::ios::binary) << model;
  return model;
}

// One XGBoosterPredictFromDense call, config and array interface prepared once for a fixed buffer.
struct XgboostDense {
  BoosterHandle booster;
  std::string interface;
  const char* config =
      R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false, )"
      R"("missing": NaN, "cache_id": 0})";
  float Predict() const {
    const bst_ulong* shape = nullptr;
    bst_ulong dim = 0;
    const float* result = nullptr;
    if (XGBoosterPredictFromDense(booster, interface.c_str(), config, nullptr, &shape, &dim, &result) != 0) {
      Fail(std::string("XGBoosterPredictFromDense: ") + XGBGetLastError());
    }
    return result[0];
  }
  const float* PredictAll() const {
    const bst_ulong* shape = nullptr;
    bst_ulong dim = 0;
    const float* result = nullptr;
    if (XGBoosterPredictFromDense(booster, interface.c_str(), config, nullptr, &shape, &dim, &result) != 0) {
      Fail(std::string("XGBoosterPredictFromDense: ") + XGBGetLastError());
    }
    return result;
  }
};

struct Latency {
  double median_ns = 0.0;
  double p99_ns = 0.0;
  double mean_ns = 0.0;  // from a tight loop, without per-call timer reads
};

// Times `call(i)` one call at a time (median, p99) and in a tight loop (mean), after a warm-up.
template <typename Call>
Latency MeasureSingle(size_t calls, Call call) {
  for (size_t idx = 0; idx < calls / 10; ++idx) call(idx);
  std::vector<double> samples;
  samples.reserve(calls);
  for (size_t idx = 0; idx < calls; ++idx) {
    const auto start = Clock::now();
    call(idx);
    samples.push_back(std::chrono::duration<double, std::nano>(Clock::now() - start).count());
  }
  std::sort(samples.begin(), samples.end());
  Latency latency;
  latency.median_ns = samples[samples.size() / 2];
  latency.p99_ns = samples[samples.size() * 99 / 100];
  const auto start = Clock::now();
  for (size_t idx = 0; idx < calls; ++idx) call(idx);
  latency.mean_ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count() / static_cast<double>(calls);
  return latency;
}

// The best of `repeats` runs of `run()`, in seconds (the least disturbed by other load on the machine).
template <typename Run>
double BestSeconds(int repeats, Run run) {
  double best = 1e30;
  for (int repeat = 0; repeat < repeats; ++repeat) {
    const auto start = Clock::now();
    run();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return best;
}

volatile float sink = 0.0f;  // keeps results observable so no call is optimized away

}  // namespace

int main(int argc, char** argv) {
  std::string model_path;
  std::string callgrind;
  size_t batch_rows = 100000;
  for (int arg = 1; arg < argc; ++arg) {
    const std::string name = argv[arg];
    if (arg + 1 >= argc) Fail("usage: amp_tree_bench [--model FILE] [--rows N] [--callgrind PATH]");
    const std::string value = argv[++arg];
    if (name == "--model") {
      model_path = value;
    } else if (name == "--rows") {
      batch_rows = std::stoul(value);
    } else if (name == "--callgrind") {
      callgrind = value;
    } else {
      Fail("unknown option " + name);
    }
  }

  const std::string model_ubj = LoadOrTrain(model_path);
  Booster reader = Check(Booster::Load(model_ubj), "loading the booster");
  const FlatForest forest = Check(FlatForest::FromXgboostJson(Check(reader.Save("json"), "saving JSON")), "flattening");
  Booster booster = Check(Booster::Load(model_ubj), "loading the booster");
  Check(booster.SetParam("nthread", "1"), "nthread");

  const std::vector<float> rows = RandomRows(batch_rows, 2);
  std::vector<float> one_row(kFeatures);
  XgboostDense single{booster.handle(), amp::ml::DenseArrayInterface({one_row.data(), 1, kFeatures})};
  XgboostDense batch{booster.handle(), amp::ml::DenseArrayInterface({rows.data(), batch_rows, kFeatures})};
  std::vector<float> flat_out(batch_rows);

  // The two agree before anything is timed.
  forest.PredictRows(rows.data(), batch_rows, kFeatures, flat_out.data());
  const float* xgboost_out = batch.PredictAll();
  for (size_t row = 0; row < batch_rows; ++row) {
    if (std::bit_cast<uint32_t>(flat_out[row]) != std::bit_cast<uint32_t>(xgboost_out[row])) {
      Fail("row " + std::to_string(row) + ": FlatForest " + std::to_string(flat_out[row]) + " != XGBoost " +
           std::to_string(xgboost_out[row]));
    }
  }

  if (!callgrind.empty()) {
    constexpr size_t kSingleCalls = 10000;
    size_t count = 0;
    if (callgrind == "single-flat" || callgrind == "single-xgboost") {
      for (size_t idx = 0; idx < 100; ++idx) sink = forest.PredictRow(rows.data());  // warm-up
      for (size_t idx = 0; idx < 100; ++idx) sink = single.Predict();
      const bool flat = callgrind == "single-flat";
      CALLGRIND_TOGGLE_COLLECT;
      for (size_t idx = 0; idx < kSingleCalls; ++idx) {
        const float* row = rows.data() + (idx % batch_rows) * kFeatures;
        if (flat) {
          sink = forest.PredictRow(row);
        } else {
          std::memcpy(one_row.data(), row, kFeatures * sizeof(float));
          sink = single.Predict();
        }
      }
      CALLGRIND_TOGGLE_COLLECT;
      count = kSingleCalls;
    } else if (callgrind == "batch-flat" || callgrind == "batch-xgboost") {
      const bool flat = callgrind == "batch-flat";
      CALLGRIND_TOGGLE_COLLECT;
      if (flat) {
        forest.PredictRows(rows.data(), batch_rows, kFeatures, flat_out.data());
      } else {
        sink = batch.PredictAll()[0];
      }
      CALLGRIND_TOGGLE_COLLECT;
      count = batch_rows;
    } else {
      Fail("--callgrind takes single-flat, single-xgboost, batch-flat or batch-xgboost");
    }
    std::printf("callgrind %s: %zu rows measured\n", callgrind.c_str(), count);
    return 0;
  }

  // A whole model over the same trees, for the serving path: request values in, pipeline, flat forest.
  std::vector<amp::ml::FeatureTransform> transforms;
  amp::ml::ModelSignature signature;
  signature.target = "y";
  for (size_t feature = 0; feature < kFeatures; ++feature) {
    amp::ml::FeatureTransform transform;
    transform.feature = {"f" + std::to_string(feature), amp::data::ColumnType::kNumeric};
    signature.features.push_back(transform.feature);
    transforms.push_back(transform);
  }
  const auto model = Check(amp::ml::XgboostModel::Create(signature, amp::ml::Pipeline(transforms), model_ubj), "model");
  std::vector<FeatureValue> values;
  for (float value : rows) values.push_back(std::isnan(value) ? FeatureValue::Missing() : FeatureValue::Number(value));

  std::printf("model: %zu trees, %zu nodes, max depth %d, %d features; %zu-row batch; 1 thread\n", forest.tree_count(),
              forest.node_count(), forest.max_depth(), forest.feature_count(), batch_rows);

  const size_t calls = 100000;
  const Latency flat_single =
      MeasureSingle(calls, [&](size_t idx) { sink = forest.PredictRow(rows.data() + (idx % batch_rows) * kFeatures); });
  const Latency model_single = MeasureSingle(calls, [&](size_t idx) {
    double out = 0.0;
    Check(model->Predict(std::span(values).subspan((idx % batch_rows) * kFeatures, kFeatures), {&out, 1}, nullptr),
          "Predict");
    sink = static_cast<float>(out);
  });
  const Latency xgboost_single = MeasureSingle(calls / 10, [&](size_t idx) {
    std::memcpy(one_row.data(), rows.data() + (idx % batch_rows) * kFeatures, kFeatures * sizeof(float));
    sink = single.Predict();
  });
  std::printf("\nsingle row (ns per call)          median      p99     mean\n");
  std::printf("  FlatForest::PredictRow        %8.0f %8.0f %8.0f\n", flat_single.median_ns, flat_single.p99_ns,
              flat_single.mean_ns);
  std::printf("  XgboostModel::Predict         %8.0f %8.0f %8.0f   (request values -> pipeline -> flat)\n",
              model_single.median_ns, model_single.p99_ns, model_single.mean_ns);
  std::printf("  XGBoosterPredictFromDense     %8.0f %8.0f %8.0f\n", xgboost_single.median_ns, xgboost_single.p99_ns,
              xgboost_single.mean_ns);
  std::printf("  XGBoost / FlatForest: %.1fx (median), %.1fx (mean)\n",
              xgboost_single.median_ns / flat_single.median_ns, xgboost_single.mean_ns / flat_single.mean_ns);

  const double flat_seconds =
      BestSeconds(5, [&] { forest.PredictRows(rows.data(), batch_rows, kFeatures, flat_out.data()); });
  const double flat_by_row_seconds = BestSeconds(5, [&] {
    for (size_t row = 0; row < batch_rows; ++row) flat_out[row] = forest.PredictRow(rows.data() + row * kFeatures);
  });
  std::vector<double> model_out(batch_rows);
  const double model_seconds = BestSeconds(5, [&] { Check(model->Predict(values, model_out, nullptr), "Predict"); });
  const double xgboost_seconds = BestSeconds(5, [&] { sink = batch.PredictAll()[0]; });
  auto rate = [&](double seconds) { return static_cast<double>(batch_rows) / seconds / 1e6; };
  std::printf("\n%zu-row batch (million rows/s, best of 5)\n", batch_rows);
  std::printf("  FlatForest::PredictRows       %8.2f\n", rate(flat_seconds));
  std::printf("  FlatForest::PredictRow loop   %8.2f\n", rate(flat_by_row_seconds));
  std::printf("  XgboostModel::Predict         %8.2f   (request values -> pipeline -> flat)\n", rate(model_seconds));
  std::printf("  XGBoosterPredictFromDense     %8.2f\n", rate(xgboost_seconds));
  std::printf("  FlatForest / XGBoost: %.2fx\n", xgboost_seconds / flat_seconds);
  return 0;
}
