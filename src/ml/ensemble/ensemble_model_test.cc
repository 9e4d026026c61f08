#include "ml/ensemble/ensemble_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "ml/linear/linear_model.h"
#include "ml/logistic/logistic_model.h"
#include "ml/model_codec.h"

namespace amp::ml {
namespace {

using ::testing::HasSubstr;

Pipeline OneNumber() {
  FeatureTransform transform;
  transform.feature = {"x", data::ColumnType::kNumeric};
  transform.impute_value = 1.0;
  return Pipeline({transform});
}

ModelSignature Signature(Task task) {
  ModelSignature signature;
  signature.task = task;
  signature.target = "y";
  signature.features = {{"x", data::ColumnType::kNumeric}};
  if (IsClassification(task)) signature.classes = {"no", "yes"};
  return signature;
}

std::shared_ptr<const Model> Line(double slope, double intercept) {
  auto model = LinearModel::Create(Signature(Task::kRegression), OneNumber(), {{slope}, intercept});
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return *model;
}

std::shared_ptr<const Model> Logistic(double weight, double intercept) {
  LogisticSolution solution;
  solution.weights = {weight};
  solution.intercepts = {intercept};
  auto model = LogisticModel::Create(Signature(Task::kBinaryClassification), OneNumber(), std::move(solution));
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return *model;
}

double Sigmoid(double z) {
  return 1.0 / (1.0 + std::exp(-z));
}

TEST(EnsembleModelTest, RegressionIsTheWeightedSumAndExplainsExactly) {
  auto ensemble = EnsembleModel::Create(Signature(Task::kRegression), {{Line(2, 1), 0.25}, {Line(-1, 4), 0.75}});
  ASSERT_TRUE(ensemble.ok()) << ensemble.status().ToString();
  const std::vector<FeatureValue> rows = {FeatureValue::Number(0.0), FeatureValue::Number(2.0),
                                          FeatureValue::Missing()};
  std::vector<double> predicted(3);
  PredictionNotes notes;
  ASSERT_TRUE((*ensemble)->Predict(rows, predicted, &notes).ok());
  // 0.25 (2x + 1) + 0.75 (4 - x) = 3.25 - 0.25 x; the missing x is imputed as 1, and noted once, not per member.
  EXPECT_DOUBLE_EQ(predicted[0], 3.25);
  EXPECT_DOUBLE_EQ(predicted[1], 2.75);
  EXPECT_DOUBLE_EQ(predicted[2], 3.0);
  EXPECT_EQ(notes.WarningCount(), 1);

  std::vector<double> contributions(3);
  std::vector<double> base_values(3);
  ASSERT_TRUE((*ensemble)->Explain(rows, contributions, base_values, nullptr).ok());
  for (size_t row_idx = 0; row_idx < 3; ++row_idx) {
    EXPECT_NEAR(base_values[row_idx] + contributions[row_idx], predicted[row_idx], 1e-12);
  }
  EXPECT_FALSE((*ensemble)->PredictProba(rows, predicted, nullptr).ok());
  const auto parameters = (*ensemble)->Parameters();
  ASSERT_FALSE(parameters.empty());
  EXPECT_EQ(parameters.front().first, "weight(1:linear_regression)");
  EXPECT_EQ(parameters.front().second, 0.25);
  ASSERT_EQ((*ensemble)->FeatureImportance().size(), 1u);
  EXPECT_NEAR((*ensemble)->FeatureImportance().front().second, 1.0, 1e-12);
}

TEST(EnsembleModelTest, ClassifierAveragesProbabilitiesAndRefusesToExplain) {
  auto ensemble =
      EnsembleModel::Create(Signature(Task::kBinaryClassification), {{Logistic(3, -1), 0.5}, {Logistic(-1, 0.5), 0.5}});
  ASSERT_TRUE(ensemble.ok()) << ensemble.status().ToString();
  const std::vector<FeatureValue> rows = {FeatureValue::Number(-2.0), FeatureValue::Number(3.0)};
  std::vector<double> probabilities(4);
  ASSERT_TRUE((*ensemble)->PredictProba(rows, probabilities, nullptr).ok());
  for (size_t row_idx = 0; row_idx < 2; ++row_idx) {
    const double x = row_idx == 0 ? -2.0 : 3.0;
    const double yes = 0.5 * Sigmoid(3 * x - 1) + 0.5 * Sigmoid(-x + 0.5);
    EXPECT_NEAR(probabilities[row_idx * 2 + 1], yes, 1e-12);
    EXPECT_NEAR(probabilities[row_idx * 2] + probabilities[row_idx * 2 + 1], 1.0, 1e-12);
  }
  std::vector<double> classes(2);
  ASSERT_TRUE((*ensemble)->Predict(rows, classes, nullptr).ok());
  EXPECT_EQ(classes[0], probabilities[1] > probabilities[0] ? 1.0 : 0.0);
  EXPECT_EQ(classes[1], probabilities[3] > probabilities[2] ? 1.0 : 0.0);

  std::vector<double> contributions(2);
  std::vector<double> base_values(2);
  core::Status explained = (*ensemble)->Explain(rows, contributions, base_values, nullptr);
  EXPECT_EQ(explained.code(), core::StatusCode::kFailedPrecondition);
  EXPECT_THAT(explained.message(), HasSubstr("member 1 (logistic_regression)"));
}

TEST(EnsembleModelTest, ArtifactRoundTripIsByteAndBitIdentical) {
  auto ensemble = EnsembleModel::Create(Signature(Task::kBinaryClassification),
                                        {{Logistic(0.3, -0.1), 0.62}, {Logistic(-1.7, 0.25), 0.38}});
  ASSERT_TRUE(ensemble.ok());
  const std::string bytes = SerializeModel(**ensemble);
  auto loaded = DeserializeModel(bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->algorithm(), "ensemble");
  EXPECT_EQ(SerializeModel(**loaded), bytes);
  const std::vector<FeatureValue> rows = {FeatureValue::Number(-0.123456789), FeatureValue::Number(7.5),
                                          FeatureValue::Missing()};
  std::vector<double> before(6);
  std::vector<double> after(6);
  ASSERT_TRUE((*ensemble)->PredictProba(rows, before, nullptr).ok());
  ASSERT_TRUE((*loaded)->PredictProba(rows, after, nullptr).ok());
  EXPECT_EQ(before, after);
}

TEST(EnsembleModelTest, RefusesBadMembersAndNestedArtifacts) {
  const ModelSignature regression = Signature(Task::kRegression);
  EXPECT_FALSE(EnsembleModel::Create(regression, {}).ok());
  EXPECT_THAT(EnsembleModel::Create(regression, {{Line(1, 0), 0.5}, {Line(2, 0), 0.4}}).status().message(),
              HasSubstr("sum to"));
  EXPECT_THAT(EnsembleModel::Create(regression, {{Line(1, 0), 1.5}, {Line(2, 0), -0.5}}).status().message(),
              HasSubstr("weights must be > 0"));
  EXPECT_THAT(EnsembleModel::Create(regression, {{Logistic(1, 0), 1.0}}).status().message(),
              HasSubstr("another signature"));
  auto inner = EnsembleModel::Create(regression, {{Line(1, 0), 1.0}});
  ASSERT_TRUE(inner.ok());
  EXPECT_THAT(EnsembleModel::Create(regression, {{*inner, 1.0}}).status().message(), HasSubstr("do not nest"));

  // A crafted artifact that nests an ensemble inside an ensemble is refused before the inner one is decoded.
  std::string nested = SerializeModel(**inner);
  const std::string marker = "\"payload\":";
  const size_t at = nested.find(marker) + marker.size();
  const std::string inner_bytes = SerializeModel(**inner);
  nested = nested.substr(0, at) + "{\"members\":[{\"weight\":1,\"model\":" + inner_bytes + "}]}}";
  auto loaded = DeserializeModel(nested);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), core::StatusCode::kDataLoss);
  EXPECT_THAT(loaded.status().message(), HasSubstr("do not nest"));
}

}  // namespace
}  // namespace amp::ml
