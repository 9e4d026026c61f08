#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cmath>
#include <fstream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "core/temp_dir.h"
#include "data/table.h"
#include "ml/kmeans/kmeans_model.h"
#include "ml/kmeans/kmeans_solver.h"
#include "ml/model_codec.h"
#include "ml/parity_script.h"
#include "ml/pipeline.h"

namespace amp::ml {
namespace {

using ::testing::HasSubstr;

// `rows` points around four overlapping centres in 3 dimensions, row-major.
std::vector<double> Blobs(int64_t rows, double spread, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, spread);
  const double centres[4][3] = {{0, 0, 0}, {3, 0, 1}, {0, 3, -1}, {3, 3, 2}};
  std::vector<double> x;
  for (int64_t row = 0; row < rows; ++row) {
    for (int col = 0; col < 3; ++col) x.push_back(centres[row % 4][col] + noise(rng));
  }
  return x;
}

void WriteRows(const std::filesystem::path& path, const std::vector<double>& values, int64_t cols) {
  std::ofstream out(path);
  out.precision(17);
  for (size_t at = 0; at < values.size(); ++at) {
    out << values[at] << ((static_cast<int64_t>(at) + 1) % cols == 0 ? "\n" : ",");
  }
}

TEST(KMeansParityTest, LloydFromTheSameInitialCentresMatchesScikitLearn) {
  const int64_t rows = 400;
  const int64_t cols = 3;
  const std::vector<double> x = Blobs(rows, 1.2, 11);  // overlapping: Lloyd needs several steps
  core::Result<std::vector<double>> init = KMeansPlusPlus(x, rows, cols, 4, 99);
  ASSERT_TRUE(init.ok()) << init.status().ToString();
  core::TempDir out_dir("amp_kmeans_parity");
  WriteRows(out_dir.path() / "points.csv", x, cols);
  WriteRows(out_dir.path() / "init.csv", *init, cols);
  const ParityScriptRun run = RunParityScript("kmeans_fit.py", out_dir.path());
  if (run.Skipped()) GTEST_SKIP() << run.Explain("python3-sklearn");
  ASSERT_EQ(run.outcome, ParityScriptRun::Outcome::kOk) << run.Explain("python3-sklearn");
  // The CSV round trip is exact (17 significant digits), so both sides start from the same doubles.
  core::Result<KMeansSolution> ours = RunLloyd(x, rows, cols, *init, 300, 0.0);
  ASSERT_TRUE(ours.ok()) << ours.status().ToString();

  const std::string json = ReadParityFile(out_dir.path() / "kmeans.json");
  rapidjson::Document reference;
  reference.Parse<rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
  ASSERT_FALSE(reference.HasParseError()) << json;
  ASSERT_EQ(reference["labels"].Size(), static_cast<rapidjson::SizeType>(rows));
  for (int64_t row = 0; row < rows; ++row) {
    ASSERT_EQ(ours->labels[static_cast<size_t>(row)], reference["labels"][static_cast<rapidjson::SizeType>(row)].GetInt())
        << "row " << row;
  }
  EXPECT_NEAR(ours->inertia, reference["inertia"].GetDouble(), 1e-9 * reference["inertia"].GetDouble());
  for (rapidjson::SizeType cluster = 0; cluster < 4; ++cluster) {
    for (rapidjson::SizeType col = 0; col < 3; ++col) {
      EXPECT_NEAR(ours->centers[cluster * 3 + col], reference["centers"][cluster][col].GetDouble(), 1e-9);
    }
  }
  EXPECT_GT(ours->iterations, 2);
}

TEST(KMeansSolverTest, SeparatedBlobsAreFoundAndRunsAreDeterministic) {
  const std::vector<double> x = Blobs(200, 0.1, 3);
  KMeansParams params;
  params.k = 4;
  params.seed = 7;
  core::Result<KMeansSolution> first = FitKMeans(x, 200, 3, params);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  // Each blob is one cluster: rows i and i + 4 always agree, rows of different blobs never do.
  for (size_t row = 0; row + 4 < 200; ++row) EXPECT_EQ(first->labels[row], first->labels[row + 4]);
  for (size_t a = 0; a < 4; ++a) {
    for (size_t b = a + 1; b < 4; ++b) EXPECT_NE(first->labels[a], first->labels[b]);
  }
  EXPECT_EQ(std::accumulate(first->cluster_sizes.begin(), first->cluster_sizes.end(), int64_t{0}), 200);
  core::Result<KMeansSolution> second = FitKMeans(x, 200, 3, params);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->centers, second->centers);
  EXPECT_EQ(first->labels, second->labels);
}

TEST(KMeansSolverTest, RefusesImpossibleRequests) {
  const std::vector<double> x = Blobs(5, 1.0, 1);
  KMeansParams params;
  params.k = 6;
  core::Result<KMeansSolution> fit = FitKMeans(x, 5, 3, params);
  ASSERT_FALSE(fit.ok());
  EXPECT_THAT(fit.status().message(), HasSubstr("k (6) must be between 1 and the number of rows (5)"));
  params.k = 2;
  std::vector<double> bad = x;
  bad[4] = std::nan("");
  EXPECT_EQ(FitKMeans(bad, 5, 3, params).status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(FitKMeans(x, 4, 3, params).status().code(), core::StatusCode::kInvalidArgument);
}

// A fitted model on two numeric features and a categorical one, with hand-set centres.
std::shared_ptr<const KMeansModel> HandModel() {
  data::Column a{"a", data::ColumnType::kNumeric, {0.0, 2.0, 4.0, 6.0}, {}, {}};
  data::Column b{"b", data::ColumnType::kNumeric, {1.0, 1.0, 1.0, 1.0}, {}, {}};
  data::Column kind{"kind", data::ColumnType::kCategorical, {}, {0, 0, 1, 1}, {"x", "y"}};
  data::Table table(4, {a, b, kind});
  std::vector<int64_t> rows = {0, 1, 2, 3};
  auto pipeline = Pipeline::Fit(table, {0, 1, 2}, rows);
  EXPECT_TRUE(pipeline.ok());
  ModelSignature signature;
  signature.task = Task::kClustering;
  signature.target = "cluster";
  signature.features = {{"a", data::ColumnType::kNumeric},
                        {"b", data::ColumnType::kNumeric},
                        {"kind", data::ColumnType::kCategorical}};
  // Encoded columns: a (standardized), b (constant), kind=x, kind=y. Two centres that differ only in a and kind.
  std::vector<double> centers = {-1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0};
  auto model = KMeansModel::Create(signature, std::move(pipeline).value(), centers, {2, 2});
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return *model;
}

TEST(KMeansModelTest, PredictsTheNearestCentreAndItsDistances) {
  auto model = HandModel();
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->ClusterCount(), 2u);
  const std::vector<FeatureValue> rows = {FeatureValue::Number(0.5), FeatureValue::Number(1.0), FeatureValue::Text("x"),
                                          FeatureValue::Number(5.5), FeatureValue::Missing(), FeatureValue::Text("y")};
  std::vector<double> clusters(2);
  ASSERT_TRUE(model->Predict(rows, clusters, nullptr).ok());
  EXPECT_EQ(clusters[0], 0.0);
  EXPECT_EQ(clusters[1], 1.0);
  std::vector<double> distances(4);
  PredictionNotes notes;
  ASSERT_TRUE(model->PredictDistances(rows, distances, &notes).ok());
  const Pipeline& pipeline = model->pipeline();
  const double z = (0.5 - pipeline.transforms()[0].center) / pipeline.transforms()[0].scale;
  EXPECT_DOUBLE_EQ(distances[0], std::sqrt((z + 1.0) * (z + 1.0)));
  EXPECT_DOUBLE_EQ(distances[1], std::sqrt((z - 1.0) * (z - 1.0) + 2.0));
  EXPECT_LT(distances[3], distances[2]);
  EXPECT_EQ(notes.WarningCount(), 1);  // the missing b
  std::vector<double> wrong(3);
  EXPECT_EQ(model->PredictDistances(rows, wrong, nullptr).code(), core::StatusCode::kInvalidArgument);
}

TEST(KMeansModelTest, FeatureImportanceIsTheShareOfBetweenClusterVariance) {
  auto model = HandModel();
  ASSERT_NE(model, nullptr);
  const auto importance = model->FeatureImportance();
  ASSERT_EQ(importance.size(), 3u);
  // Between-cluster variance per encoded column: a 1, b 0, kind=x 0.25, kind=y 0.25; total 1.5.
  EXPECT_EQ(importance[0].first, "a");
  EXPECT_NEAR(importance[0].second, 1.0 / 1.5, 1e-12);
  EXPECT_EQ(importance[1].first, "kind");
  EXPECT_NEAR(importance[1].second, 0.5 / 1.5, 1e-12);
  EXPECT_EQ(importance[2].first, "b");
  EXPECT_EQ(importance[2].second, 0.0);
}

TEST(KMeansModelTest, RoundTripsThroughTheCodec) {
  auto model = HandModel();
  ASSERT_NE(model, nullptr);
  auto reloaded = DeserializeModel(SerializeModel(*model));
  ASSERT_TRUE(reloaded.ok()) << reloaded.status().ToString();
  EXPECT_EQ((*reloaded)->algorithm(), "kmeans");
  EXPECT_EQ((*reloaded)->signature(), model->signature());
  EXPECT_EQ(SerializeModel(**reloaded), SerializeModel(*model));
  // Centres that do not fit the pipeline are refused.
  ModelSignature signature = model->signature();
  EXPECT_EQ(KMeansModel::Create(signature, model->pipeline(), {1.0, 2.0}, {1}).status().code(),
            core::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace amp::ml
