#include "ml/model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace amp::ml {
namespace {

using ::testing::HasSubstr;

// A model that implements only what every model must: Explain is left to the default.
class ConstantModel final : public Model {
 public:
  std::string_view algorithm() const override { return "constant"; }
  const ModelSignature& signature() const override { return signature_; }
  core::Status Predict(std::span<const FeatureValue>, std::span<double> out, PredictionNotes*) const override {
    for (double& prediction : out) prediction = 1.0;
    return core::Status::Ok();
  }
  std::vector<std::pair<std::string, double>> Parameters() const override { return {}; }
  std::string SerializePayload() const override { return "{}"; }
  int64_t MemoryBytes() const override { return 0; }

 private:
  ModelSignature signature_{Task::kRegression, "y", {{"x", data::ColumnType::kNumeric}}, {}};
};

TEST(ModelTest, ExplainIsUnsupportedByDefault) {
  ConstantModel model;
  const std::vector<FeatureValue> rows = {FeatureValue::Number(1.0)};
  std::vector<double> contributions(1);
  std::vector<double> base_values(1);
  core::Status status = model.Explain(rows, contributions, base_values, nullptr);
  EXPECT_EQ(status.code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "model type constant does not support explanations");
}

TEST(ModelTest, FindFeature) {
  ModelSignature signature{
      Task::kRegression, "y", {{"a", data::ColumnType::kNumeric}, {"b", data::ColumnType::kCategorical}}, {}};
  EXPECT_EQ(signature.FindFeature("a"), 0);
  EXPECT_EQ(signature.FindFeature("b"), 1);
  EXPECT_EQ(signature.FindFeature("c"), -1);
  EXPECT_THAT(std::string(TaskName(Task::kRegression)), HasSubstr("regression"));
}

}  // namespace
}  // namespace amp::ml

namespace amp::ml {
namespace {

TEST(PredictionNotesTest, KeepsTheFirstWarningsAndCountsTheRest) {
  PredictionNotes notes;
  int made = 0;
  for (size_t idx = 0; idx < PredictionNotes::kMaxWarnings + 7; ++idx) {
    notes.Warn([&] {
      ++made;
      return "warning " + std::to_string(idx);
    });
  }
  EXPECT_EQ(notes.warnings.size(), PredictionNotes::kMaxWarnings);
  EXPECT_EQ(notes.warnings.back(), "warning " + std::to_string(PredictionNotes::kMaxWarnings - 1));
  EXPECT_EQ(notes.more_warnings, 7);
  EXPECT_EQ(notes.WarningCount(), static_cast<int64_t>(PredictionNotes::kMaxWarnings) + 7);
  EXPECT_EQ(made, static_cast<int>(PredictionNotes::kMaxWarnings));  // the counted ones are never built
  notes.Clear();
  EXPECT_EQ(notes.WarningCount(), 0);
}

TEST(MostProbableClassesTest, PicksTheFirstOfTheLargest) {
  const std::vector<double> probabilities = {0.2, 0.5, 0.3,  // 1
                                             0.4, 0.4, 0.2,  // a tie: the first
                                             0.1, 0.1, 0.8,  // 2
                                             1.0, 0.0, 0.0};
  std::vector<double> classes(4);
  MostProbableClasses(probabilities, 3, classes);
  EXPECT_EQ(classes, (std::vector<double>{1.0, 0.0, 2.0, 0.0}));
}

}  // namespace
}  // namespace amp::ml
