#include "api/scored_batch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ml/linear/linear_model.h"

namespace amp::api {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// y = 2 + 3 * (x - 10) / 4 + 5 * [c == "b"] - 1 * [c == "a"]; x imputes 6, c imputes "b"; in training x has mean
// 10 and c is "a" in 25% of the rows. Base value 2 + (-0.25 + 3.75) = 5.5.
std::shared_ptr<const ml::Model> HandModel() {
  ml::FeatureTransform x;
  x.feature = {"x", data::ColumnType::kNumeric};
  x.impute_value = 6.0;
  x.center = 10.0;
  x.scale = 4.0;
  ml::FeatureTransform c;
  c.feature = {"c", data::ColumnType::kCategorical};
  c.categories = {"a", "b"};
  c.impute_category = 1;
  c.category_means = {0.25, 0.75};
  ml::ModelSignature signature{ml::Task::kRegression, "y", {x.feature, c.feature}, {}};
  auto model = ml::LinearModel::Create(signature, ml::Pipeline({x, c}), ml::LinearSolution{{3.0, -1.0, 5.0}, 2.0});
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return *model;
}

// A model type that cannot explain (Explain left to Model's default).
class OpaqueModel final : public ml::Model {
 public:
  std::string_view algorithm() const override { return "opaque"; }
  const ml::ModelSignature& signature() const override { return signature_; }
  core::Status Predict(std::span<const ml::FeatureValue>, std::span<double> out, ml::PredictionNotes*) const override {
    for (double& prediction : out) prediction = 1.0;
    return core::Status::Ok();
  }
  std::vector<std::pair<std::string, double>> Parameters() const override { return {}; }
  std::string SerializePayload() const override { return "{}"; }
  int64_t MemoryBytes() const override { return 0; }

 private:
  ml::ModelSignature signature_{ml::Task::kRegression, "y", {{"x", data::ColumnType::kNumeric}}, {}};
};

const std::vector<ml::FeatureValue> kRows = {
    ml::FeatureValue::Number(14.0), ml::FeatureValue::Text("a"),    // 4 = 5.5 + 3 - 4.5
    ml::FeatureValue::Missing(), ml::FeatureValue::Text("unseen"),  // -1 = 5.5 - 3 - 3.5 (x imputed as 6)
};

TEST(ScoredBatchTest, ScoresWithoutExplanations) {
  std::shared_ptr<const ml::Model> model = HandModel();
  ScoredBatch scored;
  ASSERT_TRUE(scored.Score(*model, kRows, 2, false).ok());
  EXPECT_THAT(scored.predictions, ElementsAre(4.0, -1.0));
  EXPECT_FALSE(scored.explained);
  EXPECT_THAT(scored.contributions, IsEmpty());
  EXPECT_THAT(scored.notes.warnings, SizeIs(2));  // the missing x and the unseen category, once each
}

TEST(ScoredBatchTest, ScoresWithExplanations) {
  std::shared_ptr<const ml::Model> model = HandModel();
  ScoredBatch scored;
  ASSERT_TRUE(scored.Score(*model, kRows, 2, true).ok());
  EXPECT_TRUE(scored.explained);
  EXPECT_THAT(scored.contributions, ElementsAre(3.0, -4.5, -3.0, -3.5));
  EXPECT_THAT(scored.base_values, ElementsAre(5.5, 5.5));
  EXPECT_THAT(scored.notes.warnings, SizeIs(2));  // not repeated by Explain

  // Reused for a smaller request without explanations: nothing left over.
  ASSERT_TRUE(scored.Score(*model, std::span(kRows).first(2), 1, false).ok());
  EXPECT_THAT(scored.predictions, ElementsAre(4.0));
  EXPECT_THAT(scored.notes.warnings, IsEmpty());
  EXPECT_FALSE(scored.explained);
}

TEST(ScoredBatchTest, ModelThatCannotExplain) {
  OpaqueModel model;
  const std::vector<ml::FeatureValue> rows = {ml::FeatureValue::Number(1.0)};
  ScoredBatch scored;
  EXPECT_TRUE(scored.Score(model, rows, 1, false).ok());
  core::Status status = scored.Score(model, rows, 1, true);
  EXPECT_EQ(status.code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "model type opaque does not support explanations");
}

serving::Servable ServableOf(std::shared_ptr<const ml::Model> model) {
  serving::Servable served;
  served.model.id = "mdl_1";
  served.model.name = "houses";
  served.version.version = 3;
  served.version.target = "y";
  served.predictor = std::move(model);
  return served;
}

TEST(ScoredBatchTest, JsonAnswer) {
  serving::Servable served = ServableOf(HandModel());
  ScoredBatch scored;
  ASSERT_TRUE(scored.Score(*served.predictor, kRows, 2, true).ok());
  const std::string json = RenderScoredBatchJson(served, scored);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(json).get(root), simdjson::SUCCESS) << json;
  EXPECT_EQ(root["model_id"].get_string().value(), "mdl_1");
  EXPECT_EQ(root["model"].get_string().value(), "houses");
  EXPECT_EQ(root["version"].get_int64().value(), 3);
  EXPECT_EQ(root["target"].get_string().value(), "y");
  simdjson::dom::array predictions = root["predictions"].get_array().value();
  ASSERT_EQ(predictions.size(), 2u);
  EXPECT_EQ(predictions.at(1).get_double().value(), -1.0);
  simdjson::dom::array explanations = root["explanations"].get_array().value();
  ASSERT_EQ(explanations.size(), 2u);
  simdjson::dom::element second = explanations.at(1).value();
  EXPECT_EQ(second["base_value"].get_double().value(), 5.5);
  EXPECT_EQ(second["contributions"]["x"].get_double().value(), -3.0);
  EXPECT_EQ(second["contributions"]["c"].get_double().value(), -3.5);
  EXPECT_EQ(root["warnings"].get_array().size(), 2u);

  ASSERT_TRUE(scored.Score(*served.predictor, kRows, 2, false).ok());
  const std::string plain = RenderScoredBatchJson(served, scored);
  EXPECT_THAT(plain, ::testing::Not(HasSubstr("explanations")));
  EXPECT_THAT(plain, HasSubstr(R"("predictions":[4.0,-1.0])"));
}

TEST(ScoredBatchTest, CsvAnswer) {
  std::shared_ptr<const ml::Model> model = HandModel();
  ScoredBatch scored;
  ASSERT_TRUE(scored.Score(*model, kRows, 2, false).ok());
  EXPECT_EQ(RenderScoredBatchCsv(model->signature(), scored), "y\r\n4\r\n-1\r\n");
  ASSERT_TRUE(scored.Score(*model, kRows, 2, true).ok());
  EXPECT_EQ(RenderScoredBatchCsv(model->signature(), scored),
            "y,x_contribution,c_contribution,base_value\r\n"
            "4,3,-4.5,5.5\r\n"
            "-1,-3,-3.5,5.5\r\n");
}

TEST(ScoredBatchTest, CsvNumbersReadBackExactlyAndNamesAreQuoted) {
  ml::ModelSignature signature{ml::Task::kRegression, "price, \"net\"", {{"a,b", data::ColumnType::kNumeric}}, {}};
  ScoredBatch scored;
  scored.predictions = {0.1,
                        1.0 / 3.0,
                        -1e21,
                        5e-324,
                        123456789.125,
                        std::numeric_limits<double>::quiet_NaN(),
                        std::numeric_limits<double>::infinity()};
  const std::string csv = RenderScoredBatchCsv(signature, scored);
  EXPECT_EQ(csv,
            "\"price, \"\"net\"\"\"\r\n0.1\r\n0.3333333333333333\r\n-1e+21\r\n5e-324\r\n123456789.125\r\nNA\r\nNA\r\n");
  // Every finite number reads back bit for bit.
  size_t pos = csv.find("\r\n") + 2;
  for (size_t row_idx = 0; row_idx < 5; ++row_idx) {
    const size_t end = csv.find("\r\n", pos);
    double parsed = 0.0;
    std::from_chars(csv.data() + pos, csv.data() + end, parsed);
    EXPECT_EQ(parsed, scored.predictions[row_idx]) << csv.substr(pos, end - pos);
    pos = end + 2;
  }

  scored.explained = true;
  scored.predictions = {1.0};
  scored.contributions = {0.5};
  scored.base_values = {0.5};
  EXPECT_EQ(RenderScoredBatchCsv(signature, scored),
            "\"price, \"\"net\"\"\",\"a,b_contribution\",base_value\r\n1,0.5,0.5\r\n");
}

}  // namespace
}  // namespace amp::api
