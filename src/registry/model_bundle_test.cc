#include "registry/model_bundle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <vector>

#include "core/clock.h"
#include "ml/linear/linear_model.h"
#include "ml/pipeline.h"
#include "registry/model_registry.h"
#include "storage/in_memory_artifact_store.h"
#include "storage/sqlite_metadata_store.h"

namespace amp::registry {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<const ml::LinearModel> MakeModel() {
  ml::ModelSignature signature;
  signature.task = ml::Task::kRegression;
  signature.target = "price";
  signature.features = {{"area", data::ColumnType::kNumeric}, {"city", data::ColumnType::kCategorical}};
  std::vector<ml::FeatureTransform> transforms(2);
  transforms[0].feature = signature.features[0];
  transforms[0].impute_value = 71.3;
  transforms[0].center = 80.0 / 3.0;
  transforms[0].scale = 0.1;
  transforms[1].feature = signature.features[1];
  transforms[1].categories = {"Lyon", "Paris"};
  transforms[1].impute_category = 1;
  ml::LinearSolution solution;
  solution.weights = {1.0 / 3.0, -2.718281828459045, 1e-9};
  solution.intercept = 0.3;
  auto model = ml::LinearModel::Create(signature, ml::Pipeline(std::move(transforms)), std::move(solution));
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return std::move(model).value();
}

class ModelBundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::SqliteMetadataStore::Open(":memory:");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    metadata_ = std::move(*store);
    registry_ = std::make_unique<ModelRegistry>(*metadata_, artifacts_, clock_);
    VersionDraft draft;
    draft.algorithm = "linear_regression";
    draft.metrics = {{"rmse", 1.25}};
    draft.params = {{"l2", 0.5}};
    draft.dataset_id = "ds_1";
    draft.dataset_sha256 = "abc";
    draft.job_id = "job_1";
    draft.code_version = "0.1.0+test";
    draft.cleaning_report_json = R"({"rows":10,"columns":[{"name":"id","role":"excluded"}],"summary":["x"]})";
    draft.evaluation_curves_json = R"({"residuals":{"rows":2,"predicted":[1.5,2],"actual":[1,2]}})";
    auto version = registry_->PublishVersion("houses", *MakeModel(), draft);
    ASSERT_TRUE(version.ok()) << version.status().ToString();
    version_ = *version;
    auto model = registry_->FindModel("houses");
    ASSERT_TRUE(model.ok());
    model_ = *model;
    auto artifact = registry_->ReadArtifact(version_);
    ASSERT_TRUE(artifact.ok()) << artifact.status().ToString();
    artifact_ = *artifact;
  }

  core::SystemClock& clock_ = core::SystemClock::Get();
  std::unique_ptr<storage::SqliteMetadataStore> metadata_;
  storage::InMemoryArtifactStore artifacts_;
  std::unique_ptr<ModelRegistry> registry_;
  storage::ModelRecord model_;
  storage::VersionRecord version_;
  std::string artifact_;
};

TEST_F(ModelBundleTest, RoundTripKeepsTheManifestAndScoresBitForBit) {
  std::string bundle = EncodeBundle(model_, version_, artifact_);
  auto decoded = DecodeBundle(bundle);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->model_name, "houses");
  storage::VersionRecord expected = version_;
  expected.artifact_key.clear();  // not in any store
  EXPECT_EQ(decoded->version.model_id, expected.model_id);
  EXPECT_EQ(decoded->version.version, expected.version);
  EXPECT_EQ(decoded->version.created_at_micros, expected.created_at_micros);
  EXPECT_EQ(decoded->version.features, expected.features);
  EXPECT_EQ(decoded->version.metrics, expected.metrics);
  EXPECT_EQ(decoded->version.params, expected.params);
  EXPECT_EQ(decoded->version.dataset_id, "ds_1");
  EXPECT_EQ(decoded->version.job_id, "job_1");
  EXPECT_EQ(decoded->version.code_version, "0.1.0+test");
  EXPECT_EQ(decoded->version.cleaning_report_json, expected.cleaning_report_json);
  EXPECT_FALSE(expected.cleaning_report_json.empty());
  EXPECT_EQ(decoded->version.evaluation_curves_json, expected.evaluation_curves_json);
  EXPECT_FALSE(expected.evaluation_curves_json.empty());
  EXPECT_EQ(decoded->version.artifact_sha256, version_.artifact_sha256);

  auto served = registry_->LoadModel(version_);
  ASSERT_TRUE(served.ok());
  const std::vector<ml::FeatureValue> rows = {
      ml::FeatureValue::Number(12.5), ml::FeatureValue::Text("Lyon"),     ml::FeatureValue::Missing(),
      ml::FeatureValue::Text("Oslo"), ml::FeatureValue::Number(-1e300),  ml::FeatureValue::Missing()};
  std::vector<double> from_server(3), from_bundle(3);
  ASSERT_TRUE((*served)->Predict(rows, from_server, nullptr).ok());
  ASSERT_TRUE(decoded->model->Predict(rows, from_bundle, nullptr).ok());
  for (size_t idx = 0; idx < 3; ++idx) {
    EXPECT_EQ(std::bit_cast<uint64_t>(from_bundle[idx]), std::bit_cast<uint64_t>(from_server[idx])) << idx;
  }
}

TEST_F(ModelBundleTest, AlteredModelIsDataLoss) {
  std::string bundle = EncodeBundle(model_, version_, artifact_);
  // Change one digit inside the embedded model (after the manifest).
  size_t model_at = bundle.find("\"model\":");
  ASSERT_NE(model_at, std::string::npos);
  size_t digit = bundle.find_first_of("123456789", model_at + 200);
  ASSERT_NE(digit, std::string::npos);
  bundle[digit] = bundle[digit] == '9' ? '8' : static_cast<char>(bundle[digit] + 1);
  auto decoded = DecodeBundle(bundle);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), core::StatusCode::kDataLoss);
  EXPECT_THAT(decoded.status().message(), HasSubstr("SHA-256"));
}

TEST_F(ModelBundleTest, NotABundleIsInvalidArgument) {
  const std::string inputs[] = {
      "",
      "not json",
      "[]",
      R"({"format":"something.else","format_version":1})",
      R"({"format":"amp.bundle","format_version":99,"manifest":{},"model":""})",
      R"({"format":"amp.bundle","format_version":1,"manifest":{"model_id":"m"},"model":""})",
  };
  for (const std::string& input : inputs) {
    auto decoded = DecodeBundle(input);
    ASSERT_FALSE(decoded.ok()) << input;
    EXPECT_EQ(decoded.status().code(), core::StatusCode::kInvalidArgument) << input;
  }
  // A good bundle with anything after it (two downloads appended to one file) is refused too.
  EXPECT_EQ(DecodeBundle(EncodeBundle(model_, version_, artifact_) + "{}").status().code(),
            core::StatusCode::kInvalidArgument);
  EXPECT_TRUE(DecodeBundle(EncodeBundle(model_, version_, artifact_) + "\n").ok());  // a final newline is fine
  // The raw artifact (what an older download might have been) is not a bundle either.
  EXPECT_EQ(DecodeBundle(artifact_).status().code(), core::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace amp::registry
