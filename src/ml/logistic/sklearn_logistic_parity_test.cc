// Parity with scikit-learn: the preprocessing pipeline plus SolveLogistic must give the coefficients and intercepts
// of Pipeline(SimpleImputer(median), StandardScaler(), LogisticRegression(C, class_weight)) on breast_cancer (binary,
// with and without balanced class weights), iris (multinomial) and wine (multinomial, balanced) to 1e-6 relative,
// stricter than the 1e-4. The reference is sklearn solved to convergence (newton-cholesky / newton-cg):
// its lbfgs stops at scipy's default ftol, up to 1e-2 relative from the optimum on these data (the test prints how
// far), so it cannot be the bar. tests/parity/export_logistic.py writes the data and sklearn's fits.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

#include "core/temp_dir.h"
#include "data/table.h"
#include "ml/logistic/logistic_solver.h"
#include "ml/parity_script.h"
#include "ml/pipeline.h"

namespace amp::ml {
namespace {

void ExpectRelativelyNear(double got, double want, const std::string& what) {
  EXPECT_LE(std::fabs(got - want), 1e-6 * std::fabs(want) + 1e-9) << what << ": AMP " << got << ", sklearn " << want;
}

TEST(SklearnLogisticParityTest, CoefficientsMatchScikitLearn) {
  core::TempDir out_dir("amp_logistic_parity");
  ASSERT_FALSE(out_dir.path().empty());
  const ParityScriptRun run = RunParityScript("export_logistic.py", out_dir.path());
  if (run.Skipped()) GTEST_SKIP() << run.Explain("python3-sklearn");
  ASSERT_EQ(run.outcome, ParityScriptRun::Outcome::kOk) << run.Explain("python3-sklearn");

  const std::string json = ReadParityFile(out_dir.path() / "sklearn.json");
  rapidjson::Document reference;
  reference.Parse<rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
  ASSERT_FALSE(reference.HasParseError()) << json.substr(0, 200);
  ASSERT_EQ(reference["cases"].Size(), 4u);
  for (const auto& c : reference["cases"].GetArray()) {
    const std::string name = c["name"].GetString();
    SCOPED_TRACE(name);
    const int feature_count = c["features"].GetInt();
    const int class_count = c["classes"].GetInt();
    core::Result<data::Table> table = LoadNumberedCsv(out_dir.path() / (name + ".csv"), feature_count);
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    ASSERT_EQ(table->row_count(), c["rows"].GetInt64());

    std::vector<int> feature_columns(static_cast<size_t>(feature_count));
    std::iota(feature_columns.begin(), feature_columns.end(), 0);
    std::vector<int64_t> rows(static_cast<size_t>(table->row_count()));
    std::iota(rows.begin(), rows.end(), 0);
    core::Result<Pipeline> pipeline = Pipeline::Fit(*table, feature_columns, rows);
    ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
    std::vector<double> design;
    pipeline->Encode(*table, feature_columns, rows, &design);
    std::vector<int32_t> labels;
    for (double value : table->column(static_cast<size_t>(feature_count)).numbers) {
      labels.push_back(static_cast<int32_t>(value));
    }

    LogisticParams params;
    params.c = c["C"].GetDouble();
    params.balanced = c["balanced"].GetBool();
    core::Result<LogisticSolution> solution =
        SolveLogistic(design, table->row_count(), feature_count, labels, class_count, params);
    ASSERT_TRUE(solution.ok()) << solution.status().ToString();
    EXPECT_TRUE(solution->converged) << solution->iterations << " iterations";
    const rapidjson::Value& coef = c["coef"];
    ASSERT_EQ(solution->outputs(), coef.Size());
    for (rapidjson::SizeType output = 0; output < coef.Size(); ++output) {
      ASSERT_EQ(coef[output].Size(), static_cast<rapidjson::SizeType>(feature_count));
      for (rapidjson::SizeType col = 0; col < coef[output].Size(); ++col) {
        ExpectRelativelyNear(solution->weights[output * static_cast<size_t>(feature_count) + col],
                             coef[output][col].GetDouble(),
                             "output " + std::to_string(output) + " coefficient " + std::to_string(col));
      }
      ExpectRelativelyNear(solution->intercepts[output], c["intercept"][output].GetDouble(),
                           "output " + std::to_string(output) + " intercept");
    }
    double lbfgs_gap = 0.0;  // for the record: how far sklearn's lbfgs stopped from the optimum
    for (rapidjson::SizeType output = 0; output < coef.Size(); ++output) {
      for (rapidjson::SizeType col = 0; col < coef[output].Size(); ++col) {
        const double want = coef[output][col].GetDouble();
        lbfgs_gap =
            std::max(lbfgs_gap, std::fabs(c["lbfgs"]["coef"][output][col].GetDouble() - want) / std::fabs(want));
      }
    }
    std::printf("%s: %d Newton steps; sklearn's lbfgs is up to %.1e relative from the optimum\n", name.c_str(),
                solution->iterations, lbfgs_gap);
  }
}

}  // namespace
}  // namespace amp::ml
