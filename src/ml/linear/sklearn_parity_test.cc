// Parity with scikit-learn: the preprocessing pipeline plus SolveRidge must give the coefficients of
// Pipeline(SimpleImputer(median), StandardScaler(), LinearRegression() / Ridge(alpha)) on the diabetes data to 1e-6
// relative (an acceptance bar of the project). tests/parity/export_diabetes.py writes the data and sklearn's fit.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cmath>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "core/temp_dir.h"
#include "data/table.h"
#include "ml/linear/ridge_solver.h"
#include "ml/parity_script.h"
#include "ml/pipeline.h"

namespace amp::ml {
namespace {

const std::vector<std::string> kFeatures = {"age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"};

void ExpectRelativelyNear(double got, double want, const std::string& what) {
  EXPECT_LE(std::fabs(got - want), 1e-6 * std::fabs(want)) << what << ": AMP " << got << ", scikit-learn " << want;
}

void ExpectMatches(const LinearSolution& solution, const rapidjson::Value& reference, const std::string& label) {
  ASSERT_TRUE(reference.IsObject()) << label;
  const rapidjson::Value& coef = reference["coef"];
  ASSERT_TRUE(coef.IsArray()) << label;
  ASSERT_EQ(coef.Size(), kFeatures.size()) << label;
  ASSERT_EQ(solution.weights.size(), kFeatures.size()) << label;
  for (rapidjson::SizeType idx = 0; idx < coef.Size(); ++idx) {
    ExpectRelativelyNear(solution.weights[idx], coef[idx].GetDouble(), label + " coefficient of " + kFeatures[idx]);
  }
  ExpectRelativelyNear(solution.intercept, reference["intercept"].GetDouble(), label + " intercept");
}

TEST(SklearnParityTest, DiabetesCoefficientsMatchScikitLearn) {
  core::TempDir out_dir("amp_sklearn_parity");
  ASSERT_FALSE(out_dir.path().empty());
  const ParityScriptRun run = RunParityScript("export_diabetes.py", out_dir.path());
  if (run.Skipped()) GTEST_SKIP() << run.Explain("python3-sklearn");
  ASSERT_EQ(run.outcome, ParityScriptRun::Outcome::kOk) << run.Explain("python3-sklearn");

  std::vector<data::ColumnSpec> specs;
  for (const std::string& name : kFeatures) specs.push_back({name, data::ColumnType::kNumeric});
  specs.push_back({"target", data::ColumnType::kNumeric});
  std::ifstream csv(out_dir.path() / "diabetes.csv", std::ios::binary);
  ASSERT_TRUE(csv.good());
  core::Result<data::Table> table = data::LoadCsvTable(csv, specs);
  ASSERT_TRUE(table.ok()) << table.status().ToString();

  const std::string json = ReadParityFile(out_dir.path() / "sklearn.json");
  rapidjson::Document reference;
  reference.Parse<rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
  ASSERT_FALSE(reference.HasParseError()) << json;
  ASSERT_EQ(table->row_count(), reference["rows"].GetInt64());
  ASSERT_EQ(table->row_count(), 442);

  std::vector<int> feature_columns(kFeatures.size());
  std::iota(feature_columns.begin(), feature_columns.end(), 0);
  std::vector<int64_t> rows(static_cast<size_t>(table->row_count()));
  std::iota(rows.begin(), rows.end(), 0);
  core::Result<Pipeline> pipeline = Pipeline::Fit(*table, feature_columns, rows);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  ASSERT_EQ(pipeline->EncodedWidth(), static_cast<int>(kFeatures.size()));
  std::vector<double> design;
  pipeline->Encode(*table, feature_columns, rows, &design);
  const std::vector<double>& y = table->column(kFeatures.size()).numbers;

  core::Result<LinearSolution> linear = SolveRidge(design, table->row_count(), pipeline->EncodedWidth(), y, 0.0);
  ASSERT_TRUE(linear.ok()) << linear.status().ToString();
  ExpectMatches(*linear, reference["linear_regression"], "LinearRegression");

  const double alpha = reference["ridge"]["alpha"].GetDouble();
  ASSERT_EQ(alpha, 10.0);
  core::Result<LinearSolution> ridge = SolveRidge(design, table->row_count(), pipeline->EncodedWidth(), y, alpha);
  ASSERT_TRUE(ridge.ok()) << ridge.status().ToString();
  ExpectMatches(*ridge, reference["ridge"], "Ridge(alpha=10)");
}

}  // namespace
}  // namespace amp::ml
