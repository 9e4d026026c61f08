#include "ml/logistic/logistic_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "ml/model_codec.h"

namespace amp::ml {
namespace {

using ::testing::HasSubstr;

// Two numeric features and a categorical one; the class is mostly decided by x + color.
struct Fixture {
  data::Table table;
  Pipeline pipeline;
  std::vector<int32_t> labels;
};

Fixture MakeSetup(int class_count, uint64_t seed) {
  Fixture setup;
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  const int64_t rows = 300;
  data::Column x{"x", data::ColumnType::kNumeric, {}, {}, {}};
  data::Column z{"z", data::ColumnType::kInteger, {}, {}, {}};
  data::Column color{"color", data::ColumnType::kCategorical, {}, {}, {"red", "green", "blue"}};
  for (int64_t row_idx = 0; row_idx < rows; ++row_idx) {
    const double value = 10.0 + 3.0 * normal(rng);
    const auto code = static_cast<int32_t>(rng() % 3);
    x.numbers.push_back(row_idx % 17 == 0 ? std::nan("") : value);
    z.numbers.push_back(std::round(5.0 * normal(rng)));
    color.codes.push_back(code);
    const double score = (value - 10.0) / 3.0 + (code == 0 ? 1.0 : 0.0) + 0.7 * normal(rng);
    const int label = class_count == 2 ? (score > 0.3 ? 1 : 0) : (score < -0.5 ? 0 : score < 0.8 ? 1 : 2);
    setup.labels.push_back(label);
  }
  setup.table = data::Table(rows, {x, z, color});
  std::vector<int64_t> all(static_cast<size_t>(rows));
  std::iota(all.begin(), all.end(), 0);
  setup.pipeline = *Pipeline::Fit(setup.table, {0, 1, 2}, all);
  return setup;
}

ModelSignature ClassifierSignature(const Pipeline& pipeline, int class_count) {
  ModelSignature signature;
  signature.task = class_count == 2 ? Task::kBinaryClassification : Task::kMulticlassClassification;
  signature.target = "label";
  for (const FeatureTransform& transform : pipeline.transforms()) signature.features.push_back(transform.feature);
  for (int class_idx = 0; class_idx < class_count; ++class_idx) {
    signature.classes.push_back("c" + std::to_string(class_idx));
  }
  return signature;
}

std::shared_ptr<const LogisticModel> Fit(const Fixture& setup, int class_count, const LogisticParams& params = {}) {
  std::vector<int64_t> all(static_cast<size_t>(setup.table.row_count()));
  std::iota(all.begin(), all.end(), 0);
  std::vector<double> design;
  setup.pipeline.Encode(setup.table, {0, 1, 2}, all, &design);
  auto solution =
      SolveLogistic(design, setup.table.row_count(), setup.pipeline.EncodedWidth(), setup.labels, class_count, params);
  EXPECT_TRUE(solution.ok()) << solution.status().ToString();
  auto model = LogisticModel::Create(ClassifierSignature(setup.pipeline, class_count), setup.pipeline, *solution);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return *model;
}

std::vector<FeatureValue> Rows() {
  return {FeatureValue::Number(14.0), FeatureValue::Number(1.0),  FeatureValue::Text("red"),
          FeatureValue::Number(6.0),  FeatureValue::Number(-2.0), FeatureValue::Text("blue"),
          FeatureValue::Missing(),    FeatureValue::Number(0.0),  FeatureValue::Text("mauve")};
}

TEST(LogisticModelTest, ProbabilitiesSumToOneAndPredictIsTheirArgmax) {
  for (int class_count : {2, 3}) {
    SCOPED_TRACE(class_count);
    Fixture setup = MakeSetup(class_count, 5);
    auto model = Fit(setup, class_count);
    const std::vector<FeatureValue> rows = Rows();
    std::vector<double> probabilities(3 * static_cast<size_t>(class_count));
    PredictionNotes notes;
    ASSERT_TRUE(model->PredictProba(rows, probabilities, &notes).ok());
    EXPECT_EQ(notes.warnings.size(), 2u);  // the missing x and the unseen color, noted once each
    std::vector<double> predicted(3);
    ASSERT_TRUE(model->Predict(rows, predicted, nullptr).ok());
    for (size_t row_idx = 0; row_idx < 3; ++row_idx) {
      const double* row = probabilities.data() + row_idx * static_cast<size_t>(class_count);
      EXPECT_NEAR(std::accumulate(row, row + class_count, 0.0), 1.0, 1e-12);
      const auto best = static_cast<double>(std::max_element(row, row + class_count) - row);
      EXPECT_EQ(predicted[row_idx], best) << row_idx;
    }
    // A high x on red is the top class, a low x on blue the bottom one.
    EXPECT_EQ(predicted[0], class_count - 1.0);
    EXPECT_EQ(predicted[1], 0.0);
  }
}

TEST(LogisticModelTest, RoundTripsThroughTheCodecBitForBit) {
  for (int class_count : {2, 3}) {
    Fixture setup = MakeSetup(class_count, 9);
    LogisticParams params;
    params.c = 0.3;
    params.balanced = true;
    auto model = Fit(setup, class_count, params);
    auto loaded = DeserializeModel(SerializeModel(*model));
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    EXPECT_EQ((*loaded)->algorithm(), kLogisticRegressionAlgorithm);
    EXPECT_EQ((*loaded)->signature(), model->signature());
    const std::vector<FeatureValue> rows = Rows();
    std::vector<double> want(3 * static_cast<size_t>(class_count));
    std::vector<double> got(want.size());
    ASSERT_TRUE(model->PredictProba(rows, want, nullptr).ok());
    ASSERT_TRUE((*loaded)->PredictProba(rows, got, nullptr).ok());
    EXPECT_EQ(got, want);
  }
}

TEST(LogisticModelTest, RejectsSignaturesAndSolutionsThatDisagree) {
  Fixture setup = MakeSetup(2, 1);
  auto model = Fit(setup, 2);
  ModelSignature regression = model->signature();
  regression.task = Task::kRegression;
  regression.classes.clear();
  EXPECT_FALSE(LogisticModel::Create(regression, setup.pipeline, model->solution()).ok());
  ModelSignature three = ClassifierSignature(setup.pipeline, 3);
  auto status = LogisticModel::Create(three, setup.pipeline, model->solution()).status();
  EXPECT_THAT(status.message(), HasSubstr("do not match"));
  std::vector<double> probabilities(5);  // not a multiple of 2
  EXPECT_FALSE(model->PredictProba(Rows(), probabilities, nullptr).ok());
}

TEST(LogisticSolverTest, RefusesBadInput) {
  const std::vector<double> x = {0.0, 1.0, 2.0, 3.0};
  const std::vector<int32_t> labels = {0, 1, 0, 1};
  LogisticParams params;
  struct Case {
    const char* what;
    int64_t rows;
    int class_count;
    std::vector<int32_t> labels;
    double c;
  } cases[] = {
      {"no rows", 0, 2, {}, 1.0},
      {"one class", 4, 1, {0, 0, 0, 0}, 1.0},
      {"label out of range", 4, 2, {0, 1, 2, 1}, 1.0},
      {"a class without rows", 4, 3, {0, 1, 0, 1}, 1.0},
      {"C of zero", 4, 2, labels, 0.0},
      {"infinite C", 4, 2, labels, INFINITY},
  };
  for (const Case& c : cases) {
    params.c = c.c;
    EXPECT_FALSE(
        SolveLogistic(std::span(x).first(static_cast<size_t>(c.rows)), c.rows, 1, c.labels, c.class_count, params).ok())
        << c.what;
  }
}

TEST(LogisticSolverTest, SeparableDataStaysFiniteThanksToThePenalty) {
  const std::vector<double> x = {-2.0, -1.0, 1.0, 2.0};
  const std::vector<int32_t> labels = {0, 0, 1, 1};
  auto solution = SolveLogistic(x, 4, 1, labels, 2, {});
  ASSERT_TRUE(solution.ok()) << solution.status().ToString();
  EXPECT_TRUE(solution->converged) << solution->iterations << " iterations";
  EXPECT_GT(solution->weights[0], 0.0);
  EXPECT_NEAR(solution->intercepts[0], 0.0, 1e-12);  // symmetric data
}

// The passes over the rows run in fixed chunks summed in chunk order: any thread count gives the same bits, here on
// enough rows (40,000, ten blocks) to fill several chunks, binary and multinomial.
TEST(LogisticSolverTest, ThreadCountDoesNotChangeTheSolution) {
  const int64_t rows = 40000;
  const int64_t cols = 3;
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> x(static_cast<size_t>(rows * cols));
  for (double& value : x) value = normal(rng);
  for (int classes : {2, 3}) {
    std::vector<int32_t> labels(static_cast<size_t>(rows));
    for (int64_t row = 0; row < rows; ++row) {
      const double score = x[static_cast<size_t>(row)] - 0.5 * x[static_cast<size_t>(rows + row)] + normal(rng);
      labels[static_cast<size_t>(row)] = score < -0.5 ? 0 : (classes == 2 || score < 0.5 ? 1 : 2);
    }
    LogisticParams params;
    params.threads = 1;
    auto one = SolveLogistic(x, rows, cols, labels, classes, params);
    params.threads = 3;
    auto three = SolveLogistic(x, rows, cols, labels, classes, params);
    ASSERT_TRUE(one.ok()) << one.status().ToString();
    ASSERT_TRUE(three.ok()) << three.status().ToString();
    EXPECT_TRUE(one->converged);
    EXPECT_EQ(one->iterations, three->iterations);
    EXPECT_EQ(one->weights, three->weights) << classes << " classes";  // exact: same bits
    EXPECT_EQ(one->intercepts, three->intercepts) << classes << " classes";
    const size_t last = (one->outputs() - 1) * static_cast<size_t>(cols);  // the highest class's weights
    EXPECT_GT(one->weights[last], 0.5);                                    // the rule's signs
    EXPECT_LT(one->weights[last + 1], -0.2);
  }
}

// From 64 blocks of rows up, the first Newton steps form the Hessian on every 8th block; the last ones use all rows,
// so the answer is still the optimum: the objective's gradient there is zero up to rounding.
TEST(LogisticSolverTest, SampledHessianOnLargeTablesStillReachesTheOptimum) {
  const int64_t rows = 270000;  // 66 blocks of 4096
  const int64_t cols = 3;
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> x(static_cast<size_t>(rows * cols));
  for (double& value : x) value = normal(rng);
  std::vector<int32_t> labels(static_cast<size_t>(rows));
  for (int64_t row = 0; row < rows; ++row) {
    const double score = 2.0 * x[static_cast<size_t>(row)] - x[static_cast<size_t>(rows + row)] + 0.3 * normal(rng);
    labels[static_cast<size_t>(row)] = score > 0.4 ? 1 : 0;
  }
  LogisticParams params;
  auto solution = SolveLogistic(x, rows, cols, labels, 2, params);
  ASSERT_TRUE(solution.ok()) << solution.status().ToString();
  EXPECT_TRUE(solution->converged);
  // Gradient of C * sum log loss + |w|^2 / 2 (C = 1): X' (p - y) + w, and sum (p - y) for the intercept.
  std::vector<double> gradient(static_cast<size_t>(cols + 1), 0.0);
  for (int64_t row = 0; row < rows; ++row) {
    double score = solution->intercepts[0];
    for (int64_t col = 0; col < cols; ++col) {
      score += solution->weights[static_cast<size_t>(col)] * x[static_cast<size_t>(col * rows + row)];
    }
    const double residual = 1.0 / (1.0 + std::exp(-score)) - labels[static_cast<size_t>(row)];
    for (int64_t col = 0; col < cols; ++col) {
      gradient[static_cast<size_t>(col)] += residual * x[static_cast<size_t>(col * rows + row)];
    }
    gradient[static_cast<size_t>(cols)] += residual;
  }
  for (int64_t col = 0; col < cols; ++col)
    gradient[static_cast<size_t>(col)] += solution->weights[static_cast<size_t>(col)];
  for (double component : gradient) EXPECT_LT(std::fabs(component), 1e-6) << "gradient at the solution";
  EXPECT_GT(solution->weights[0], 3.0);  // the rule, sharpened by the small noise
  EXPECT_LT(solution->weights[1], -1.5);
}

}  // namespace
}  // namespace amp::ml
