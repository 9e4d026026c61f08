#include "ml/xgboost/xgboost_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <limits>
#include <new>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/base64.h"
#include "ml/model_codec.h"
#include "ml/xgboost/booster_trainer.h"

// mallinfo2 does not see the sanitizer's allocator; under ASan (g++ defines __SANITIZE_ADDRESS__, clang has
// __has_feature) the heap test asks that allocator instead: `make test` runs the unit tests in its sanitizer build.
#if defined(__SANITIZE_ADDRESS__)
#define AMP_HEAP_IS_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AMP_HEAP_IS_SANITIZED 1
#endif
#endif
#if defined(AMP_HEAP_IS_SANITIZED)
#include <sanitizer/allocator_interface.h>
#endif

// Counts heap allocations made by the current thread while enabled, to show that Predict allocates nothing.
// GCC 12 at -O2 sees these malloc/free-based replacements inlined into new/delete pairs and warns falsely.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
namespace {
thread_local bool count_allocations = false;
thread_local int64_t allocations = 0;
}  // namespace

void* operator new(size_t size) {
  if (count_allocations) ++allocations;
  if (void* block = std::malloc(size == 0 ? 1 : size)) return block;
  throw std::bad_alloc();
}
void operator delete(void* block) noexcept {
  std::free(block);
}
void operator delete(void* block, size_t) noexcept {
  std::free(block);
}
// The nothrow forms too (std::stable_sort's temporary buffer uses them): every plain new and delete of this test
// binary then agrees on malloc/free, which AddressSanitizer checks.
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  if (count_allocations) ++allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void operator delete(void* block, const std::nothrow_t&) noexcept { std::free(block); }

namespace amp::ml {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

ModelSignature SignatureOf(const Pipeline& pipeline) {
  ModelSignature signature;
  signature.target = "y";
  for (const FeatureTransform& transform : pipeline.transforms()) signature.features.push_back(transform.feature);
  return signature;
}

const std::vector<std::string> kColors = {"red", "green", "blue", "violet"};
const std::vector<std::string> kShapes = {"circle", "square", "triangle"};

// A table with every column type and missing values; y depends on all of them.
data::Table MakeTable(int64_t rows, uint64_t seed, std::vector<double>* y) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::bernoulli_distribution missing(0.1);
  data::Column num{"num", data::ColumnType::kNumeric, {}, {}, {}};
  data::Column count{"count", data::ColumnType::kInteger, {}, {}, {}};
  data::Column flag{"flag", data::ColumnType::kBoolean, {}, {}, {}};
  data::Column color{"color", data::ColumnType::kCategorical, {}, {}, kColors};
  data::Column shape{"shape", data::ColumnType::kCategorical, {}, {}, kShapes};
  for (int64_t row_idx = 0; row_idx < rows; ++row_idx) {
    const double v_num = 500.0 + 40.0 * normal(rng);
    const double v_count = std::round(3.0 + 2.0 * normal(rng));
    const double v_flag = normal(rng) > 0.3 ? 1.0 : 0.0;
    const auto v_color = static_cast<int32_t>(rng() % kColors.size());
    const auto v_shape = static_cast<int32_t>(rng() % kShapes.size());
    num.numbers.push_back(missing(rng) ? kNaN : v_num);
    count.numbers.push_back(missing(rng) ? kNaN : v_count);
    flag.numbers.push_back(missing(rng) ? kNaN : v_flag);
    color.codes.push_back(missing(rng) ? -1 : v_color);
    shape.codes.push_back(missing(rng) ? -1 : v_shape);
    y->push_back(0.05 * v_num * v_num / 100.0 + 7.0 * v_count + 20.0 * v_flag + 15.0 * v_color - 10.0 * (v_shape == 1) +
                 normal(rng));
  }
  return data::Table(rows, {num, count, flag, color, shape});
}

struct TrainedSetup {
  Pipeline pipeline;
  std::string booster_ubj;
};

// Trains on MakeTable(600, table_seed) with labels_of(y) as the labels.
TrainedSetup TrainOnTable(uint64_t table_seed, const BoosterParams& params,
                          const std::function<std::vector<float>(const std::vector<double>&)>& labels_of) {
  std::vector<double> y;
  const data::Table table = MakeTable(600, table_seed, &y);
  std::vector<int64_t> rows(static_cast<size_t>(table.row_count()));
  std::iota(rows.begin(), rows.end(), 0);
  const std::vector<int> columns = {0, 1, 2, 3, 4};
  core::Result<Pipeline> pipeline = Pipeline::Fit(table, columns, rows, NumberScaling::kNone);
  EXPECT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  std::vector<float> encoded;
  pipeline->EncodeRowMajor(table, columns, rows, &encoded);
  core::Result<TrainedBooster> trained = TrainBooster(
      {encoded.data(), rows.size(), static_cast<size_t>(pipeline->EncodedWidth())}, labels_of(y), nullptr, {}, params);
  EXPECT_TRUE(trained.ok()) << trained.status().ToString();
  return {*pipeline, trained.ok() ? trained->model_ubj : std::string()};
}

TrainedSetup Train(int n_estimators = 50, int max_depth = 4) {
  BoosterParams params;
  params.n_estimators = n_estimators;
  params.max_depth = max_depth;
  params.seed = 3;
  return TrainOnTable(21, params, [](const std::vector<double>& y) { return std::vector<float>(y.begin(), y.end()); });
}

std::shared_ptr<const XgboostModel> MakeModel(const TrainedSetup& setup) {
  core::Result<std::shared_ptr<const XgboostModel>> model =
      XgboostModel::Create(SignatureOf(setup.pipeline), setup.pipeline, setup.booster_ubj);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return model.ok() ? *model : nullptr;
}

// Serving rows with missing values, known, unseen and odd categories.
std::vector<FeatureValue> ServingRows(size_t rows, uint64_t seed, std::vector<std::string>* texts) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::bernoulli_distribution missing(0.15);
  texts->clear();
  texts->reserve(rows * 2);  // the FeatureValues point into it
  std::vector<FeatureValue> values;
  const std::vector<std::string> colors = {"red", "green", "blue", "violet", "mauve", "RED", ""};
  const std::vector<std::string> shapes = {"circle", "square", "triangle", "hexagon"};
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
    auto number = [&](double value) { return missing(rng) ? FeatureValue::Missing() : FeatureValue::Number(value); };
    values.push_back(number(500.0 + 60.0 * normal(rng)));
    values.push_back(number(std::round(3.0 + 3.0 * normal(rng))));
    values.push_back(number(normal(rng) > 0.0 ? 1.0 : 0.0));
    for (const auto* choices : {&colors, &shapes}) {
      if (missing(rng)) {
        values.push_back(FeatureValue::Missing());
      } else {
        texts->push_back((*choices)[rng() % choices->size()]);
        values.push_back(FeatureValue::Text(texts->back()));
      }
    }
  }
  return values;
}

TEST(XgboostModelTest, PredictEqualsXgboostBitForBit) {
  const TrainedSetup setup = Train();
  auto model = MakeModel(setup);
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->algorithm(), "xgboost_regressor");
  EXPECT_EQ(model->forest().tree_count(), 50u);
  std::vector<std::string> texts;
  const std::vector<FeatureValue> rows = ServingRows(2000, 5, &texts);
  std::vector<double> flat(2000);
  std::vector<double> xgboost(2000);
  ASSERT_TRUE(model->Predict(rows, flat, nullptr).ok());
  ASSERT_TRUE(model->PredictWithXgboost(rows, xgboost).ok());
  for (size_t row_idx = 0; row_idx < flat.size(); ++row_idx) {
    ASSERT_EQ(std::bit_cast<uint64_t>(flat[row_idx]), std::bit_cast<uint64_t>(xgboost[row_idx])) << row_idx;
    ASSERT_EQ(static_cast<double>(static_cast<float>(flat[row_idx])), flat[row_idx]);  // a float, widened
  }
  // Row by row gives the same as the batch.
  for (size_t row_idx = 0; row_idx < 100; ++row_idx) {
    double one = 0.0;
    ASSERT_TRUE(model->Predict(std::span(rows).subspan(row_idx * 5, 5), {&one, 1}, nullptr).ok());
    EXPECT_EQ(one, flat[row_idx]);
  }
}

// A classifier of y's quantiles (2 or 3 classes) on the same table.
std::shared_ptr<const XgboostModel> MakeClassifier(int class_count) {
  BoosterParams params;
  params.objective = class_count == 2 ? "binary:logistic" : "multi:softprob";
  params.num_class = class_count;
  params.n_estimators = 30;
  params.max_depth = 4;
  params.subsample = 0.8;
  params.seed = 4;
  const TrainedSetup setup = TrainOnTable(22, params, [class_count](const std::vector<double>& y) {
    std::vector<double> sorted = y;
    std::sort(sorted.begin(), sorted.end());
    std::vector<float> labels;
    for (double value : y) {
      int label = 0;
      for (int cut = 1; cut < class_count; ++cut) label += value > sorted[sorted.size() * cut / class_count] ? 1 : 0;
      labels.push_back(static_cast<float>(label));
    }
    return labels;
  });
  ModelSignature signature = SignatureOf(setup.pipeline);
  signature.task = class_count == 2 ? Task::kBinaryClassification : Task::kMulticlassClassification;
  for (int class_idx = 0; class_idx < class_count; ++class_idx)
    signature.classes.push_back("q" + std::to_string(class_idx));
  auto model = XgboostModel::Create(signature, setup.pipeline, setup.booster_ubj);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return model.ok() ? *model : nullptr;
}

TEST(XgboostModelTest, ClassifierProbabilitiesEqualXgboostBitForBit) {
  for (int class_count : {2, 3}) {
    SCOPED_TRACE(class_count);
    auto model = MakeClassifier(class_count);
    ASSERT_NE(model, nullptr);
    EXPECT_EQ(model->algorithm(), "xgboost_classifier");
    EXPECT_EQ(model->forest().tree_count(), 30u * (class_count == 2 ? 1 : 3));
    std::vector<std::string> texts;
    const size_t row_count = 1000;
    const std::vector<FeatureValue> rows = ServingRows(row_count, 6, &texts);
    const auto classes = static_cast<size_t>(class_count);
    std::vector<double> probabilities(row_count * classes);
    ASSERT_TRUE(model->PredictProba(rows, probabilities, nullptr).ok());
    const size_t outputs = class_count == 2 ? 1 : classes;  // binary: XGBoost gives P(second class)
    std::vector<double> xgboost(row_count * outputs);
    ASSERT_TRUE(model->PredictWithXgboost(rows, xgboost).ok());
    std::vector<double> predicted(row_count);
    ASSERT_TRUE(model->Predict(rows, predicted, nullptr).ok());
    double worst = 0.0;
    for (size_t row_idx = 0; row_idx < row_count; ++row_idx) {
      const double* row = probabilities.data() + row_idx * classes;
      for (size_t output = 0; output < outputs; ++output) {
        const double want = xgboost[row_idx * outputs + output];
        const double got = row[class_count == 2 ? 1 : output];
        worst = std::max(worst, std::fabs(got - want));
      }
      EXPECT_NEAR(std::accumulate(row, row + classes, 0.0), 1.0, 1e-6);
      EXPECT_EQ(predicted[row_idx], static_cast<double>(std::max_element(row, row + classes) - row));
    }
    EXPECT_EQ(worst, 0.0) << "the same float link functions as XGBoost";
    // No explanations for classifiers; the codec keeps the algorithm and the classes.
    std::vector<double> contributions(5);
    std::vector<double> base(1);
    EXPECT_EQ(model->Explain(std::span(rows).first(5), contributions, base, nullptr).code(),
              core::StatusCode::kFailedPrecondition);
    auto loaded = DeserializeModel(SerializeModel(*model));
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    EXPECT_EQ((*loaded)->algorithm(), "xgboost_classifier");
    EXPECT_EQ((*loaded)->signature(), model->signature());
    std::vector<double> again(probabilities.size());
    ASSERT_TRUE((*loaded)->PredictProba(rows, again, nullptr).ok());
    EXPECT_EQ(again, probabilities);
  }
}

TEST(XgboostModelTest, ClassifierPredictAllocatesNothing) {
  auto model = MakeClassifier(3);
  ASSERT_NE(model, nullptr);
  std::vector<std::string> texts;
  const std::vector<FeatureValue> rows = ServingRows(100, 8, &texts);
  std::vector<double> probabilities(300);
  std::vector<double> predicted(100);
  ASSERT_TRUE(model->PredictProba(rows, probabilities, nullptr).ok());  // warms the thread's scratch
  ASSERT_TRUE(model->Predict(rows, predicted, nullptr).ok());
  allocations = 0;
  count_allocations = true;
  core::Status proba = model->PredictProba(rows, probabilities, nullptr);
  core::Status predict = model->Predict(rows, predicted, nullptr);
  count_allocations = false;
  ASSERT_TRUE(proba.ok());
  ASSERT_TRUE(predict.ok());
  EXPECT_EQ(allocations, 0);
}

TEST(XgboostModelTest, NotesMissingValuesAndUnseenCategories) {
  auto model = MakeModel(Train(10, 3));
  ASSERT_NE(model, nullptr);
  const std::vector<FeatureValue> rows = {
      FeatureValue::Number(510.0),  FeatureValue::Number(3.0), FeatureValue::Number(1.0), FeatureValue::Text("red"),
      FeatureValue::Text("circle"),  // row 0: clean
      FeatureValue::Missing(),      FeatureValue::Number(3.0), FeatureValue::Number(1.0), FeatureValue::Text("mauve"),
      FeatureValue::Missing(),  // row 1
  };
  std::vector<double> out(2);
  PredictionNotes notes;
  ASSERT_TRUE(model->Predict(rows, out, &notes).ok());
  EXPECT_THAT(notes.warnings, ElementsAre("row 1: feature 'num' is missing; imputed as in training",
                                          "row 1: feature 'color' has a category unseen in training ('mauve'); "
                                          "encoded as all zeros",
                                          "row 1: feature 'shape' is missing; imputed as in training"));
  // A missing number scores as its imputed (median) value.
  std::vector<FeatureValue> imputed = rows;
  imputed[5] = FeatureValue::Number(model->pipeline().transforms()[0].impute_value);
  std::vector<double> out_imputed(2);
  ASSERT_TRUE(model->Predict(imputed, out_imputed, nullptr).ok());
  EXPECT_EQ(out_imputed[1], out[1]);

  std::vector<double> wrong(3);
  core::Status status = model->Predict(rows, wrong, nullptr);
  EXPECT_EQ(status.code(), core::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("5 values per row"));
}

TEST(XgboostModelTest, PredictAllocatesNothing) {
  auto model = MakeModel(Train(20, 4));
  ASSERT_NE(model, nullptr);
  std::vector<std::string> texts;
  const std::vector<FeatureValue> rows = ServingRows(300, 8, &texts);
  std::vector<double> out(300);
  ASSERT_TRUE(model->Predict(rows, out, nullptr).ok());  // the thread's scratch rows are allocated here
  count_allocations = true;
  allocations = 0;
  for (int round = 0; round < 10; ++round) {
    core::Status status = model->Predict(rows, out, nullptr);
    if (!status.ok()) break;
    status = model->Predict(std::span(rows).subspan(0, 5), std::span(out).subspan(0, 1), nullptr);
  }
  count_allocations = false;
  EXPECT_EQ(allocations, 0);
}

TEST(XgboostModelTest, RoundTripIsBitIdentical) {
  const TrainedSetup setup = Train();
  auto model = MakeModel(setup);
  ASSERT_NE(model, nullptr);
  const std::string artifact = SerializeModel(*model);
  core::Result<std::shared_ptr<const Model>> decoded = DeserializeModel(artifact);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ((*decoded)->algorithm(), "xgboost_regressor");
  EXPECT_EQ((*decoded)->signature(), model->signature());
  EXPECT_EQ(SerializeModel(**decoded), artifact);
  const auto& reloaded = dynamic_cast<const XgboostModel&>(**decoded);
  EXPECT_EQ(reloaded.booster_ubj(), setup.booster_ubj);
  EXPECT_EQ(reloaded.pipeline().transforms(), model->pipeline().transforms());

  std::vector<std::string> texts;
  const std::vector<FeatureValue> rows = ServingRows(1000, 6, &texts);
  std::vector<double> before(1000);
  std::vector<double> after(1000);
  ASSERT_TRUE(model->Predict(rows, before, nullptr).ok());
  ASSERT_TRUE((*decoded)->Predict(rows, after, nullptr).ok());
  for (size_t row_idx = 0; row_idx < before.size(); ++row_idx) {
    ASSERT_EQ(std::bit_cast<uint64_t>(before[row_idx]), std::bit_cast<uint64_t>(after[row_idx])) << row_idx;
  }
}

TEST(XgboostModelTest, ExplanationsAddUpToThePrediction) {
  auto model = MakeModel(Train());
  ASSERT_NE(model, nullptr);
  std::vector<std::string> texts;
  const size_t row_count = 500;
  const std::vector<FeatureValue> rows = ServingRows(row_count, 7, &texts);
  std::vector<double> predicted(row_count);
  ASSERT_TRUE(model->Predict(rows, predicted, nullptr).ok());
  std::vector<double> contributions(row_count * 5);
  std::vector<double> base_values(row_count);
  PredictionNotes notes;
  ASSERT_TRUE(model->Explain(rows, contributions, base_values, &notes).ok());
  EXPECT_FALSE(notes.warnings.empty());
  double spread = 0.0;
  double worst_error = 0.0;
  for (size_t row_idx = 0; row_idx < row_count; ++row_idx) {
    EXPECT_EQ(base_values[row_idx], base_values[0]);  // the expected prediction
    double total = base_values[row_idx];
    for (size_t feature_idx = 0; feature_idx < 5; ++feature_idx) total += contributions[row_idx * 5 + feature_idx];
    // XGBoost computes SHAP values in float: tolerate float rounding relative to the magnitudes involved.
    const double error =
        std::fabs(total - predicted[row_idx]) / (std::fabs(predicted[row_idx]) + std::fabs(base_values[0]));
    worst_error = std::max(worst_error, error);
    spread += std::fabs(contributions[row_idx * 5 + 3]);
  }
  EXPECT_LT(worst_error, 1e-6);  // float epsilon is 6e-8; a few dozen roundings
  std::cout << "worst |base + contributions - prediction| / (|prediction| + |base|): " << worst_error << "\n";
  EXPECT_GT(spread, 0.0);  // color matters, and its one-hot columns were summed into one contribution

  // The mean prediction over training-like rows is near the base value (SHAP's expected value).
  double mean = 0.0;
  for (double value : predicted) mean += value / static_cast<double>(row_count);
  EXPECT_NEAR(mean, base_values[0], 0.25 * std::fabs(base_values[0]));

  std::vector<double> too_few(row_count * 5 - 1);
  EXPECT_EQ(model->Explain(rows, too_few, base_values, nullptr).code(), core::StatusCode::kInvalidArgument);
  EXPECT_TRUE(model->Explain({}, {}, {}, nullptr).ok());
}

TEST(XgboostModelTest, ConcurrentPredictAndExplainAgree) {
  auto model = MakeModel(Train());
  ASSERT_NE(model, nullptr);
  std::vector<std::string> texts;
  const size_t row_count = 200;
  const std::vector<FeatureValue> rows = ServingRows(row_count, 9, &texts);
  std::vector<double> want(row_count);
  std::vector<double> want_contributions(row_count * 5);
  std::vector<double> want_base(row_count);
  ASSERT_TRUE(model->Predict(rows, want, nullptr).ok());
  ASSERT_TRUE(model->Explain(rows, want_contributions, want_base, nullptr).ok());
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < 4; ++thread_idx) {
    threads.emplace_back([&] {
      for (int round = 0; round < 20; ++round) {
        std::vector<double> got(row_count);
        std::vector<double> contributions(row_count * 5);
        std::vector<double> base(row_count);
        if (!model->Predict(rows, got, nullptr).ok() || got != want) ++mismatches;
        if (!model->Explain(rows, contributions, base, nullptr).ok() || contributions != want_contributions ||
            base != want_base) {
          ++mismatches;
        }
        std::vector<double> xgboost(row_count);
        if (!model->PredictWithXgboost(rows, xgboost).ok() || xgboost != want) ++mismatches;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(XgboostModelTest, ParametersAndMemory) {
  auto model = MakeModel(Train());
  ASSERT_NE(model, nullptr);
  const auto parameters = model->Parameters();
  EXPECT_THAT(parameters, Contains(Pair("trees", 50.0)));
  EXPECT_THAT(parameters, Contains(Pair("base_score", 0.5)));
  EXPECT_THAT(parameters, Contains(Pair("max_depth", 4.0)));
  double gain = 0.0;
  for (const auto& [name, value] : parameters) {
    if (name.rfind("gain(", 0) == 0) gain += value;
  }
  EXPECT_GT(gain, 0.0);
  EXPECT_THAT(parameters, Contains(Pair("gain(color=red)", ::testing::Ge(0.0))));
  const int64_t bytes = model->MemoryBytes();
  EXPECT_GT(bytes, static_cast<int64_t>(model->booster_ubj().size() + model->forest().node_count() * 16));
}

// The bytes the application holds on the heap (see the includes for the sanitizer's case).
size_t HeapBytesInUse() {
#if defined(AMP_HEAP_IS_SANITIZED)
  return __sanitizer_get_current_allocated_bytes();
#else
  return mallinfo2().uordblks;
#endif
}

// MemoryBytes feeds the model cache budget; check it against what loading models really takes from the heap.
TEST(XgboostModelTest, MemoryBytesTracksTheHeap) {
  const TrainedSetup setup = Train(100, 6);
  const std::string artifact = SerializeModel(*MakeModel(setup));
  std::vector<std::shared_ptr<const Model>> models;
  int64_t estimated = 0;
  const size_t before = HeapBytesInUse();
  for (int copy = 0; copy < 20; ++copy) {
    core::Result<std::shared_ptr<const Model>> model = DeserializeModel(artifact);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    estimated += (*model)->MemoryBytes();
    models.push_back(*model);
  }
  const auto measured = static_cast<int64_t>(HeapBytesInUse() - before);
  std::cout << "20 models: MemoryBytes " << estimated << ", heap " << measured << "\n";
  EXPECT_GT(static_cast<double>(estimated), 0.75 * static_cast<double>(measured));
  EXPECT_LT(static_cast<double>(estimated), 1.5 * static_cast<double>(measured));
}

TEST(XgboostModelTest, CreateErrors) {
  const TrainedSetup setup = Train(5, 2);
  ModelSignature renamed = SignatureOf(setup.pipeline);
  renamed.features[1].name = "other";
  core::Result<std::shared_ptr<const XgboostModel>> model =
      XgboostModel::Create(renamed, setup.pipeline, setup.booster_ubj);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), core::StatusCode::kInvalidArgument);

  model = XgboostModel::Create(SignatureOf(setup.pipeline), setup.pipeline, "not a model");
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_THAT(model.status().message(), HasSubstr("XGBoost"));

  // A pipeline with one feature fewer encodes fewer columns than the booster reads.
  std::vector<FeatureTransform> fewer = setup.pipeline.transforms();
  fewer.pop_back();
  const Pipeline narrow(fewer);
  model = XgboostModel::Create(SignatureOf(narrow), narrow, setup.booster_ubj);
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("the booster reads 10 columns but the pipeline encodes 7"));

  // A regression booster cannot serve a classification signature, nor a classifier a regression.
  ModelSignature classes = SignatureOf(setup.pipeline);
  classes.task = Task::kBinaryClassification;
  classes.classes = {"no", "yes"};
  model = XgboostModel::Create(classes, setup.pipeline, setup.booster_ubj);
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("does not fit a binary_classification of 2 classes"));
  auto classifier = MakeClassifier(3);
  ASSERT_NE(classifier, nullptr);
  model = XgboostModel::Create(SignatureOf(classifier->pipeline()), classifier->pipeline(), classifier->booster_ubj());
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("does not fit a regression"));
}

TEST(XgboostModelTest, MalformedPayloadsAreDataLoss) {
  const TrainedSetup setup = Train(5, 2);
  auto model = MakeModel(setup);
  ASSERT_NE(model, nullptr);
  const std::string pipeline = setup.pipeline.ToJson();
  const std::string booster = core::Base64Encode(setup.booster_ubj);
  const std::string truncated = core::Base64Encode(setup.booster_ubj.substr(0, setup.booster_ubj.size() / 2));
  const std::vector<std::string> payloads = {
      "{}",
      "[]",
      R"({"pipeline": )" + pipeline + R"(, "booster_format": "ubj"})",
      R"({"pipeline": )" + pipeline + R"(, "booster_format": "json", "booster": ")" + booster + "\"}",
      R"({"pipeline": )" + pipeline + R"(, "booster_format": "ubj", "booster": "not base64!"})",
      R"({"pipeline": )" + pipeline + R"(, "booster_format": "ubj", "booster": ")" + truncated + "\"}",
      R"({"pipeline": {"transforms": 3}, "booster_format": "ubj", "booster": ")" + booster + "\"}",
  };
  for (const std::string& payload : payloads) {
    core::Result<std::shared_ptr<const XgboostModel>> decoded =
        XgboostModel::FromPayload(SignatureOf(setup.pipeline), payload);
    ASSERT_FALSE(decoded.ok()) << payload.substr(0, 200);
    EXPECT_EQ(decoded.status().code(), core::StatusCode::kDataLoss) << decoded.status().ToString();
  }
  EXPECT_TRUE(XgboostModel::FromPayload(SignatureOf(setup.pipeline), model->SerializePayload()).ok());
}

}  // namespace
}  // namespace amp::ml
