// Parity with Debian's python3-xgboost: the pipeline (unscaled) plus TrainBooster must build the model that
// xgboost.XGBRegressor(tree_method="hist", n_jobs=1, random_state=seed) builds from the same encoded diabetes data,
// with and without early stopping: XgboostModel's predictions must equal Python's exactly (same float32 values).
// tests/parity/xgboost_diabetes.py writes the data and Python's predictions.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "core/temp_dir.h"
#include "data/table.h"
#include "ml/parity_script.h"
#include "ml/pipeline.h"
#include "ml/xgboost/booster_trainer.h"
#include "ml/xgboost/xgboost_model.h"

namespace amp::ml {
namespace {

const std::vector<std::string> kFeatures = {"age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"};

BoosterParams ParamsOf(const rapidjson::Value& c) {
  BoosterParams params;
  params.seed = c["seed"].GetUint64();
  for (const auto& member : c["params"].GetObject()) {
    const std::string name = member.name.GetString();
    const double value = member.value.GetDouble();
    if (name == "n_estimators") params.n_estimators = static_cast<int>(value);
    if (name == "max_depth") params.max_depth = static_cast<int>(value);
    if (name == "learning_rate") params.learning_rate = value;
    if (name == "subsample") params.subsample = value;
    if (name == "colsample_bytree") params.colsample_bytree = value;
    if (name == "min_child_weight") params.min_child_weight = value;
    if (name == "reg_lambda") params.reg_lambda = value;
    if (name == "num_parallel_tree") params.num_parallel_tree = static_cast<int>(value);
    if (name == "colsample_bynode") params.colsample_bynode = value;
    if (name == "early_stopping_rounds") params.early_stopping_rounds = static_cast<int>(value);
  }
  return params;
}

TEST(XgboostParityTest, DiabetesPredictionsMatchPythonXgboostExactly) {
  core::TempDir out_dir("amp_xgboost_parity");
  ASSERT_FALSE(out_dir.path().empty());
  const ParityScriptRun run = RunParityScript("xgboost_diabetes.py", out_dir.path());
  if (run.Skipped()) GTEST_SKIP() << run.Explain("python3-xgboost python3-sklearn");
  ASSERT_EQ(run.outcome, ParityScriptRun::Outcome::kOk) << run.Explain("python3-xgboost python3-sklearn");

  std::vector<data::ColumnSpec> specs;
  for (const std::string& name : kFeatures) {
    specs.push_back({name, name == "sex" ? data::ColumnType::kCategorical : data::ColumnType::kNumeric});
  }
  specs.push_back({"target", data::ColumnType::kNumeric});
  std::ifstream csv(out_dir.path() / "diabetes.csv", std::ios::binary);
  ASSERT_TRUE(csv.good());
  core::Result<data::Table> table = data::LoadCsvTable(csv, specs);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  ASSERT_EQ(table->row_count(), 442);

  const std::string json = ReadParityFile(out_dir.path() / "xgboost.json");
  rapidjson::Document reference;
  reference.Parse<rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
  ASSERT_FALSE(reference.HasParseError()) << json.substr(0, 200);
  ASSERT_EQ(std::string(reference["xgboost_version"].GetString()), "1.7.4");

  // The script's split: row % 5 == 0 tests, == 1 validates, the rest trains; the pipeline fits on both of the latter.
  std::vector<int64_t> train_rows;
  std::vector<int64_t> validation_rows;
  std::vector<int64_t> fit_rows;
  for (int64_t row_idx = 0; row_idx < table->row_count(); ++row_idx) {
    if (row_idx % 5 >= 2) train_rows.push_back(row_idx);
    if (row_idx % 5 == 1) validation_rows.push_back(row_idx);
    if (row_idx % 5 >= 1) fit_rows.push_back(row_idx);
  }
  std::vector<int> feature_columns(kFeatures.size());
  std::iota(feature_columns.begin(), feature_columns.end(), 0);
  core::Result<Pipeline> pipeline = Pipeline::Fit(*table, feature_columns, fit_rows, NumberScaling::kNone);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  ASSERT_EQ(pipeline->EncodedWidth(), 11);  // sex is two one-hot columns
  const auto width = static_cast<size_t>(pipeline->EncodedWidth());
  const std::vector<double>& target = table->column(kFeatures.size()).numbers;
  std::vector<float> train_x;
  std::vector<float> validation_x;
  pipeline->EncodeRowMajor(*table, feature_columns, train_rows, &train_x);
  pipeline->EncodeRowMajor(*table, feature_columns, validation_rows, &validation_x);
  std::vector<float> train_y;
  std::vector<float> validation_y;
  for (int64_t row_idx : train_rows) train_y.push_back(static_cast<float>(target[static_cast<size_t>(row_idx)]));
  for (int64_t row_idx : validation_rows) {
    validation_y.push_back(static_cast<float>(target[static_cast<size_t>(row_idx)]));
  }
  const DenseRows validation{validation_x.data(), validation_rows.size(), width};

  // Every row, as serving sees it (missing cells missing, so the model imputes them).
  std::vector<FeatureValue> inputs;
  for (int64_t row_idx = 0; row_idx < table->row_count(); ++row_idx) {
    for (int column_idx : feature_columns) {
      const data::Column& column = table->column(static_cast<size_t>(column_idx));
      if (column.IsMissing(row_idx)) {
        inputs.push_back(FeatureValue::Missing());
      } else if (data::IsNumberLike(column.type)) {
        inputs.push_back(FeatureValue::Number(column.numbers[static_cast<size_t>(row_idx)]));
      } else {
        inputs.push_back(FeatureValue::Text(column.categories[static_cast<size_t>(column.codes[row_idx])]));
      }
    }
  }
  ModelSignature signature;
  signature.target = "target";
  for (const FeatureTransform& transform : pipeline->transforms()) signature.features.push_back(transform.feature);

  for (const auto& c : reference["cases"].GetArray()) {
    SCOPED_TRACE(c["name"].GetString());
    const BoosterParams params = ParamsOf(c);
    core::Result<TrainedBooster> trained =
        TrainBooster({train_x.data(), train_rows.size(), width}, train_y,
                     params.early_stopping_rounds > 0 ? &validation : nullptr, validation_y, params);
    ASSERT_TRUE(trained.ok()) << trained.status().ToString();
    EXPECT_EQ(trained->best_iteration, c["best_iteration"].GetInt());
    if (params.early_stopping_rounds > 0) {
      EXPECT_EQ(trained->rounds, trained->best_iteration + 1);
      EXPECT_LT(trained->rounds, params.n_estimators);  // it did stop early
    } else {
      EXPECT_EQ(trained->rounds, params.n_estimators);
    }
    core::Result<std::shared_ptr<const XgboostModel>> model =
        XgboostModel::Create(signature, *pipeline, trained->model_ubj);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    std::vector<double> predicted(static_cast<size_t>(table->row_count()));
    ASSERT_TRUE((*model)->Predict(inputs, predicted, nullptr).ok());
    std::vector<double> by_xgboost(predicted.size());
    ASSERT_TRUE((*model)->PredictWithXgboost(inputs, by_xgboost).ok());
    const auto& want = c["predictions"];
    ASSERT_EQ(want.Size(), predicted.size());
    int mismatches = 0;
    for (rapidjson::SizeType row_idx = 0; row_idx < want.Size(); ++row_idx) {
      const double python = want[row_idx].GetDouble();
      if (std::bit_cast<uint64_t>(predicted[row_idx]) != std::bit_cast<uint64_t>(python) ||
          std::bit_cast<uint64_t>(by_xgboost[row_idx]) != std::bit_cast<uint64_t>(python)) {
        if (++mismatches <= 5) {
          ADD_FAILURE() << "row " << row_idx << ": AMP " << predicted[row_idx] << ", XGBoost C API "
                        << by_xgboost[row_idx] << ", python3-xgboost " << python;
        }
      }
    }
    EXPECT_EQ(mismatches, 0);
  }
}

// The classifiers: XgboostModel::PredictProba must equal XGBClassifier.predict_proba (float32, widened) exactly on
// breast_cancer (binary:logistic), iris (multi:softprob, early stopping on mlogloss) and wine (multi:softprob): the
// same trees, the same float margins and the same float sigmoid / softmax.
TEST(XgboostParityTest, ClassifierProbabilitiesMatchPythonXgboost) {
  core::TempDir out_dir("amp_xgboost_classification_parity");
  ASSERT_FALSE(out_dir.path().empty());
  const ParityScriptRun run = RunParityScript("xgboost_classification.py", out_dir.path());
  if (run.Skipped()) GTEST_SKIP() << run.Explain("python3-xgboost python3-sklearn");
  ASSERT_EQ(run.outcome, ParityScriptRun::Outcome::kOk) << run.Explain("python3-xgboost python3-sklearn");
  const std::string json = ReadParityFile(out_dir.path() / "xgboost.json");
  rapidjson::Document reference;
  reference.Parse<rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
  ASSERT_FALSE(reference.HasParseError()) << json.substr(0, 200);
  ASSERT_EQ(reference["cases"].Size(), 3u);
  for (const auto& c : reference["cases"].GetArray()) {
    const std::string name = c["name"].GetString();
    SCOPED_TRACE(name);
    const int feature_count = c["features"].GetInt();
    const auto class_count = static_cast<size_t>(c["classes"].GetInt());
    core::Result<data::Table> table = LoadNumberedCsv(out_dir.path() / (name + ".csv"), feature_count);
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    const auto row_count = static_cast<size_t>(table->row_count());

    std::vector<int> feature_columns(static_cast<size_t>(feature_count));
    std::iota(feature_columns.begin(), feature_columns.end(), 0);
    std::vector<int64_t> train_rows;
    std::vector<int64_t> validation_rows;
    for (int64_t row_idx = 0; row_idx < table->row_count(); ++row_idx) {
      if (row_idx % 5 >= 2) train_rows.push_back(row_idx);
      if (row_idx % 5 == 1) validation_rows.push_back(row_idx);
    }
    core::Result<Pipeline> pipeline = Pipeline::Fit(*table, feature_columns, train_rows, NumberScaling::kNone);
    ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
    const auto width = static_cast<size_t>(pipeline->EncodedWidth());
    std::vector<float> train_x;
    std::vector<float> validation_x;
    pipeline->EncodeRowMajor(*table, feature_columns, train_rows, &train_x);
    pipeline->EncodeRowMajor(*table, feature_columns, validation_rows, &validation_x);
    const std::vector<double>& target = table->column(static_cast<size_t>(feature_count)).numbers;
    std::vector<float> train_y;
    std::vector<float> validation_y;
    for (int64_t row_idx : train_rows) train_y.push_back(static_cast<float>(target[static_cast<size_t>(row_idx)]));
    for (int64_t row_idx : validation_rows) {
      validation_y.push_back(static_cast<float>(target[static_cast<size_t>(row_idx)]));
    }

    BoosterParams params = ParamsOf(c);
    params.objective = class_count == 2 ? "binary:logistic" : "multi:softprob";
    params.num_class = static_cast<int>(class_count);
    const DenseRows validation{validation_x.data(), validation_rows.size(), width};
    core::Result<TrainedBooster> trained =
        TrainBooster({train_x.data(), train_rows.size(), width}, train_y,
                     params.early_stopping_rounds > 0 ? &validation : nullptr, validation_y, params);
    ASSERT_TRUE(trained.ok()) << trained.status().ToString();
    EXPECT_EQ(trained->best_iteration, c["best_iteration"].GetInt());

    ModelSignature signature;
    signature.task = class_count == 2 ? Task::kBinaryClassification : Task::kMulticlassClassification;
    signature.target = "target";
    for (const FeatureTransform& transform : pipeline->transforms()) signature.features.push_back(transform.feature);
    for (size_t class_idx = 0; class_idx < class_count; ++class_idx) {
      signature.classes.push_back(std::to_string(class_idx));
    }
    core::Result<std::shared_ptr<const XgboostModel>> model =
        XgboostModel::Create(signature, *pipeline, trained->model_ubj);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    std::vector<FeatureValue> inputs;
    for (size_t row_idx = 0; row_idx < row_count; ++row_idx) {
      for (int column_idx : feature_columns) {
        inputs.push_back(FeatureValue::Number(table->column(static_cast<size_t>(column_idx)).numbers[row_idx]));
      }
    }
    std::vector<double> probabilities(row_count * class_count);
    ASSERT_TRUE((*model)->PredictProba(inputs, probabilities, nullptr).ok());
    const auto& want = c["probabilities"];
    ASSERT_EQ(want.Size(), probabilities.size());
    double worst = 0.0;
    for (rapidjson::SizeType idx = 0; idx < want.Size(); ++idx) {
      worst = std::max(worst, std::fabs(probabilities[idx] - want[idx].GetDouble()));
    }
    EXPECT_EQ(worst, 0.0) << "the same trees and float link functions as python3-xgboost";
  }
}

}  // namespace
}  // namespace amp::ml
