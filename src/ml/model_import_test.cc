#include "ml/model_import.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "ml/linear/linear_model.h"
#include "ml/model_codec.h"
#include "ml/onnx/onnx_export.h"
#include "ml/xgboost/booster.h"
#include "ml/xgboost/booster_trainer.h"
#include "ml/xgboost/xgboost_model.h"

namespace amp::ml {
namespace {

using ::testing::HasSubstr;

ModelSignature Signature(Task task, std::vector<FeatureSpec> features, std::vector<std::string> classes = {}) {
  ModelSignature signature;
  signature.task = task;
  signature.target = "y";
  signature.features = std::move(features);
  signature.classes = std::move(classes);
  return signature;
}

// A booster (UBJSON) trained outside any pipeline on three raw columns, some values missing.
std::string TrainRawBooster(const std::string& objective) {
  std::mt19937_64 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> rows;
  std::vector<float> labels;
  for (int row_idx = 0; row_idx < 200; ++row_idx) {
    const float a = normal(rng);
    const float b = normal(rng);
    const float c = normal(rng);
    rows.insert(rows.end(), {a, row_idx % 7 == 0 ? std::nanf("") : b, c});
    const float y = 2.0f * a + b * b - c;
    labels.push_back(objective == "binary:logistic" ? (y > 1.0f ? 1.0f : 0.0f) : y);
  }
  BoosterParams params;
  params.objective = objective;
  params.n_estimators = 10;
  params.max_depth = 3;
  auto trained = TrainBooster({rows.data(), 200, 3}, labels, nullptr, {}, params);
  EXPECT_TRUE(trained.ok()) << trained.status().ToString();
  return trained->model_ubj;
}

const std::vector<FeatureSpec> kThreeNumbers = {
    {"a", data::ColumnType::kNumeric}, {"b", data::ColumnType::kNumeric}, {"c", data::ColumnType::kInteger}};

TEST(ModelImportTest, XgboostJsonAndUbjsonPredictAsXgboostAndSurviveTheCodec) {
  const std::string ubj = TrainRawBooster("reg:squarederror");
  auto booster = Booster::Load(ubj);
  ASSERT_TRUE(booster.ok());
  auto json = booster->Save("json");
  ASSERT_TRUE(json.ok());
  for (const auto& [format, bytes] :
       {std::pair{ImportFormat::kXgboostUbj, ubj}, std::pair{ImportFormat::kXgboostJson, *json}}) {
    auto model = ImportModel({format, bytes, Signature(Task::kRegression, kThreeNumbers), ""});
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    EXPECT_EQ((*model)->algorithm(), "xgboost_regressor");
    // Stored and read back (a missing value's NaN "imputation" included), then scored on rows with missing values.
    auto restored = DeserializeModel(SerializeModel(**model));
    ASSERT_TRUE(restored.ok()) << restored.status().ToString();
    const std::vector<FeatureValue> rows = {FeatureValue::Number(0.5), FeatureValue::Missing(),
                                            FeatureValue::Number(1),   FeatureValue::Missing(),
                                            FeatureValue::Number(-2),  FeatureValue::Missing()};
    std::vector<double> got(2);
    std::vector<double> want(2);
    ASSERT_TRUE((*restored)->Predict(rows, got, nullptr).ok());
    ASSERT_TRUE(dynamic_cast<const XgboostModel&>(**restored).PredictWithXgboost(rows, want).ok());
    EXPECT_EQ(got, want);
  }
}

TEST(ModelImportTest, RefusesWhatDoesNotFit) {
  const std::string ubj = TrainRawBooster("reg:squarederror");
  auto refused = [](ImportSpec spec) { return ImportModel(std::move(spec)).status(); };
  EXPECT_THAT(refused({ImportFormat::kXgboostJson, ubj, Signature(Task::kRegression, kThreeNumbers), ""}).message(),
              HasSubstr("xgboost_ubj"));
  std::vector<FeatureSpec> with_category = kThreeNumbers;
  with_category[1].type = data::ColumnType::kCategorical;
  EXPECT_THAT(refused({ImportFormat::kXgboostUbj, ubj, Signature(Task::kRegression, with_category), ""}).message(),
              HasSubstr("categorical"));
  std::vector<FeatureSpec> two(kThreeNumbers.begin(), kThreeNumbers.begin() + 2);
  EXPECT_FALSE(ImportModel({ImportFormat::kXgboostUbj, ubj, Signature(Task::kRegression, two), ""}).ok());
  EXPECT_FALSE(ImportModel({ImportFormat::kXgboostUbj, ubj,
                            Signature(Task::kBinaryClassification, kThreeNumbers, {"no", "yes"}), ""})
                   .ok());  // a regression objective is no classifier
  EXPECT_THAT(refused({ImportFormat::kXgboostUbj, ubj,
                       Signature(Task::kBinaryClassification, kThreeNumbers, {"same", "same"}), ""})
                  .message(),
              HasSubstr("twice"));
  std::vector<FeatureSpec> duplicate = {kThreeNumbers[0], kThreeNumbers[0]};
  EXPECT_THAT(refused({ImportFormat::kOnnx, "x", Signature(Task::kRegression, duplicate), ""}).message(),
              HasSubstr("twice"));
  EXPECT_EQ(refused({ImportFormat::kOnnx, "garbage", Signature(Task::kRegression, kThreeNumbers), ""}).code(),
            core::StatusCode::kInvalidArgument);
  EXPECT_FALSE(ParseImportFormat("pmml").ok());
}

TEST(ModelImportTest, AnExportedOnnxModelImportsBackAndChecksItsInputs) {
  FeatureTransform number;
  number.feature = {"size", data::ColumnType::kNumeric};
  number.impute_value = 10.0;
  number.center = 12.0;
  number.scale = 4.0;
  FeatureTransform city;
  city.feature = {"city", data::ColumnType::kCategorical};
  city.categories = {"Oslo", "Rome"};
  city.impute_category = 0;
  Pipeline pipeline({number, city});
  ModelSignature signature = Signature(Task::kRegression, {number.feature, city.feature});
  auto linear = LinearModel::Create(signature, pipeline, LinearSolution{{1.5, 2.0, -1.0}, 3.0});
  ASSERT_TRUE(linear.ok());
  auto onnx = ExportOnnx(**linear);
  ASSERT_TRUE(onnx.ok());
  auto imported = ImportModel({ImportFormat::kOnnx, *onnx, signature, ""});
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  EXPECT_EQ((*imported)->algorithm(), "onnx");
  auto restored = DeserializeModel(SerializeModel(**imported));
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  const std::vector<FeatureValue> rows = {FeatureValue::Number(20), FeatureValue::Text("Rome"),
                                          FeatureValue::Missing(),  FeatureValue::Missing(),
                                          FeatureValue::Number(5),  FeatureValue::Text("Paris")};
  std::vector<double> want(3);
  std::vector<double> got(3);
  ASSERT_TRUE((*linear)->Predict(rows, want, nullptr).ok());
  ASSERT_TRUE((*restored)->Predict(rows, got, nullptr).ok());
  for (size_t row_idx = 0; row_idx < 3; ++row_idx)
    EXPECT_NEAR(got[row_idx], want[row_idx], 1e-5 * std::abs(want[row_idx]));

  // The city input is a string: a numeric feature of that name does not fit; nor do unknown names or outputs.
  ModelSignature numeric_city = signature;
  numeric_city.features[1].type = data::ColumnType::kNumeric;
  EXPECT_THAT(ImportModel({ImportFormat::kOnnx, *onnx, numeric_city, ""}).status().message(), HasSubstr("'city'"));
  ModelSignature renamed = signature;
  renamed.features[0].name = "area";
  EXPECT_THAT(ImportModel({ImportFormat::kOnnx, *onnx, renamed, ""}).status().message(),
              HasSubstr("neither one per feature"));
  EXPECT_THAT(ImportModel({ImportFormat::kOnnx, *onnx, signature, "nope"}).status().message(), HasSubstr("'nope'"));
  ModelSignature classifier = signature;
  classifier.task = Task::kBinaryClassification;
  classifier.classes = {"a", "b"};
  EXPECT_THAT(ImportModel({ImportFormat::kOnnx, *onnx, classifier, ""}).status().message(), HasSubstr("probabilities"));
}

}  // namespace
}  // namespace amp::ml
