#include "ml/linear/linear_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace amp::ml {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::SizeIs;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

ModelSignature SignatureOf(const Pipeline& pipeline) {
  ModelSignature signature;
  signature.target = "y";
  for (const FeatureTransform& transform : pipeline.transforms()) signature.features.push_back(transform.feature);
  return signature;
}

// True if `text` is well-formed UTF-8 (what a JSON response must carry).
bool IsValidUtf8(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    const auto lead = static_cast<unsigned char>(text[pos]);
    size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || pos + length > text.size()) return false;
    for (size_t idx = 1; idx < length; ++idx) {
      if ((static_cast<unsigned char>(text[pos + idx]) & 0xC0) != 0x80) return false;
    }
    pos += length;
  }
  return true;
}

// The features of the random tests: every column type, two categorical features.
struct RandomSetup {
  data::Table train;
  Pipeline pipeline;
  LinearSolution solution;
  std::vector<std::string> colors = {"red", "green", "blue", "violet"};
  std::vector<std::string> shapes = {"circle", "square", "triangle"};
};

RandomSetup MakeRandomSetup(uint64_t seed) {
  RandomSetup setup;
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::bernoulli_distribution missing(0.1);
  const int64_t rows = 200;
  data::Column num{"num", data::ColumnType::kNumeric, {}, {}, {}};
  data::Column count{"count", data::ColumnType::kInteger, {}, {}, {}};
  data::Column flag{"flag", data::ColumnType::kBoolean, {}, {}, {}};
  data::Column color{"color", data::ColumnType::kCategorical, {}, {}, setup.colors};
  data::Column shape{"shape", data::ColumnType::kCategorical, {}, {}, setup.shapes};
  for (int64_t row_idx = 0; row_idx < rows; ++row_idx) {
    num.numbers.push_back(missing(rng) ? kNaN : 500.0 + 40.0 * normal(rng));
    count.numbers.push_back(missing(rng) ? kNaN : std::round(3.0 + 2.0 * normal(rng)));
    flag.numbers.push_back(missing(rng) ? kNaN : (normal(rng) > 0.3 ? 1.0 : 0.0));
    color.codes.push_back(missing(rng) ? -1 : static_cast<int32_t>(rng() % setup.colors.size()));
    shape.codes.push_back(missing(rng) ? -1 : static_cast<int32_t>(rng() % setup.shapes.size()));
  }
  setup.train = data::Table(rows, {num, count, flag, color, shape});
  std::vector<int64_t> train_rows(static_cast<size_t>(rows));
  std::iota(train_rows.begin(), train_rows.end(), 0);
  core::Result<Pipeline> pipeline = Pipeline::Fit(setup.train, {0, 1, 2, 3, 4}, train_rows);
  EXPECT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  setup.pipeline = *pipeline;
  for (int col = 0; col < setup.pipeline.EncodedWidth(); ++col) setup.solution.weights.push_back(3.0 * normal(rng));
  setup.solution.intercept = 1000.0 + normal(rng);
  return setup;
}

TEST(LinearModelTest, FoldedPredictEqualsPipelineEncodeAndDotProduct) {
  RandomSetup setup = MakeRandomSetup(11);
  core::Result<std::shared_ptr<const LinearModel>> model =
      LinearModel::Create(SignatureOf(setup.pipeline), setup.pipeline, setup.solution);
  ASSERT_TRUE(model.ok()) << model.status().ToString();

  // Prediction rows with missing values, known and unseen categories. The same rows as a Table, for Encode.
  std::vector<std::string> color_texts = setup.colors;
  color_texts.insert(color_texts.end(), {"mauve", "RED", ""});
  std::vector<std::string> shape_texts = setup.shapes;
  shape_texts.push_back("hexagon");
  const int64_t rows = 1000;
  std::mt19937_64 rng(12);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::bernoulli_distribution missing(0.15);
  data::Column num{"num", data::ColumnType::kNumeric, {}, {}, {}};
  data::Column count{"count", data::ColumnType::kInteger, {}, {}, {}};
  data::Column flag{"flag", data::ColumnType::kBoolean, {}, {}, {}};
  data::Column color{"color", data::ColumnType::kCategorical, {}, {}, color_texts};
  data::Column shape{"shape", data::ColumnType::kCategorical, {}, {}, shape_texts};
  std::vector<FeatureValue> inputs;
  auto add_number = [&](data::Column& column, double value) {
    if (missing(rng)) {
      column.numbers.push_back(kNaN);
      inputs.push_back(FeatureValue::Missing());
    } else {
      column.numbers.push_back(value);
      inputs.push_back(FeatureValue::Number(value));
    }
  };
  auto add_category = [&](data::Column& column) {
    if (missing(rng)) {
      column.codes.push_back(-1);
      inputs.push_back(FeatureValue::Missing());
    } else {
      const auto code = static_cast<int32_t>(rng() % column.categories.size());
      column.codes.push_back(code);
      inputs.push_back(FeatureValue::Text(column.categories[static_cast<size_t>(code)]));
    }
  };
  for (int64_t row_idx = 0; row_idx < rows; ++row_idx) {
    add_number(num, 500.0 + 80.0 * normal(rng));
    add_number(count, std::round(3.0 + 4.0 * normal(rng)));
    add_number(flag, (rng() & 1) != 0 ? 1.0 : 0.0);
    add_category(color);
    add_category(shape);
  }
  data::Table table(rows, {num, count, flag, color, shape});

  std::vector<double> predicted(static_cast<size_t>(rows));
  PredictionNotes notes;
  ASSERT_TRUE((*model)->Predict(inputs, predicted, &notes).ok());

  std::vector<int64_t> all_rows(static_cast<size_t>(rows));
  std::iota(all_rows.begin(), all_rows.end(), 0);
  std::vector<double> encoded;
  setup.pipeline.Encode(table, {0, 1, 2, 3, 4}, all_rows, &encoded);
  const size_t width = static_cast<size_t>(setup.pipeline.EncodedWidth());
  ASSERT_EQ(encoded.size(), width * all_rows.size());
  for (size_t row_idx = 0; row_idx < all_rows.size(); ++row_idx) {
    double want = setup.solution.intercept;
    for (size_t col = 0; col < width; ++col)
      want += setup.solution.weights[col] * encoded[col * all_rows.size() + row_idx];
    EXPECT_LE(std::fabs(predicted[row_idx] - want), 1e-12 * std::fabs(want))
        << "row " << row_idx << ": folded " << predicted[row_idx] << ", unfolded " << want;
  }
  EXPECT_FALSE(notes.warnings.empty());
}

TEST(LinearModelTest, FoldsByHand) {
  // y = 2 + 3 * (x - 10) / 4 + 5 * [c == "b"] - 1 * [c == "a"]; x imputes 6, c imputes "b".
  FeatureTransform x;
  x.feature = {"x", data::ColumnType::kNumeric};
  x.impute_value = 6.0;
  x.center = 10.0;
  x.scale = 4.0;
  FeatureTransform c;
  c.feature = {"c", data::ColumnType::kCategorical};
  c.categories = {"a", "b"};
  c.impute_category = 1;
  Pipeline pipeline({x, c});
  core::Result<std::shared_ptr<const LinearModel>> model =
      LinearModel::Create(SignatureOf(pipeline), pipeline, LinearSolution{{3.0, -1.0, 5.0}, 2.0});
  ASSERT_TRUE(model.ok()) << model.status().ToString();

  const std::vector<FeatureValue> rows = {
      FeatureValue::Number(14.0), FeatureValue::Text("a"),       // 2 + 3 - 1
      FeatureValue::Number(10.0), FeatureValue::Text("b"),       // 2 + 0 + 5
      FeatureValue::Missing(),    FeatureValue::Missing(),       // 2 - 3 + 5
      FeatureValue::Number(2.0),  FeatureValue::Text("unseen"),  // 2 - 6 + 0
  };
  std::vector<double> out(4);
  PredictionNotes notes;
  ASSERT_TRUE((*model)->Predict(rows, out, &notes).ok());
  EXPECT_THAT(out, ElementsAre(4.0, 7.0, 4.0, -4.0));
  EXPECT_THAT(notes.warnings, SizeIs(3));
}

// The rows of `table` (all of its columns, in order) as FeatureValues; they borrow the table's category text.
std::vector<FeatureValue> RowsOf(const data::Table& table) {
  std::vector<FeatureValue> values;
  for (int64_t row_idx = 0; row_idx < table.row_count(); ++row_idx) {
    for (size_t column_idx = 0; column_idx < table.columns().size(); ++column_idx) {
      const data::Column& column = table.column(column_idx);
      const auto row = static_cast<size_t>(row_idx);
      if (column.type == data::ColumnType::kCategorical) {
        values.push_back(column.codes[row] < 0
                             ? FeatureValue::Missing()
                             : FeatureValue::Text(column.categories[static_cast<size_t>(column.codes[row])]));
      } else {
        values.push_back(std::isnan(column.numbers[row]) ? FeatureValue::Missing()
                                                         : FeatureValue::Number(column.numbers[row]));
      }
    }
  }
  return values;
}

// Random prediction rows for the RandomSetup features: missing values, known and unseen categories, and numbers
// far from the training data.
std::vector<FeatureValue> RandomRows(const RandomSetup& setup, int64_t rows, uint64_t seed,
                                     std::vector<std::string>* unseen) {
  *unseen = {"mauve", "RED", "", "hexagon"};
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::bernoulli_distribution missing(0.15);
  std::bernoulli_distribution is_unseen(0.2);
  std::vector<FeatureValue> values;
  for (int64_t row_idx = 0; row_idx < rows; ++row_idx) {
    for (double number :
         {500.0 + 400.0 * normal(rng), std::round(3.0 + 4.0 * normal(rng)), (rng() & 1) != 0 ? 1.0 : 0.0}) {
      values.push_back(missing(rng) ? FeatureValue::Missing() : FeatureValue::Number(number));
    }
    for (const std::vector<std::string>* categories : {&setup.colors, &setup.shapes}) {
      if (missing(rng)) {
        values.push_back(FeatureValue::Missing());
      } else if (is_unseen(rng)) {
        values.push_back(FeatureValue::Text((*unseen)[rng() % unseen->size()]));
      } else {
        values.push_back(FeatureValue::Text((*categories)[rng() % categories->size()]));
      }
    }
  }
  return values;
}

// |base + sum(contributions) - prediction| for every row must be within 1e-9 of the prediction (relative).
void ExpectExplanationsSumToPredictions(const Model& model, std::span<const FeatureValue> rows, size_t row_count) {
  const size_t width = model.signature().features.size();
  std::vector<double> predictions(row_count);
  ASSERT_TRUE(model.Predict(rows, predictions, nullptr).ok());
  std::vector<double> contributions(row_count * width, kNaN);
  std::vector<double> base_values(row_count, kNaN);
  core::Status status = model.Explain(rows, contributions, base_values, nullptr);
  ASSERT_TRUE(status.ok()) << status.ToString();
  for (size_t row_idx = 0; row_idx < row_count; ++row_idx) {
    double sum = base_values[row_idx];
    for (size_t feature_idx = 0; feature_idx < width; ++feature_idx) {
      sum += contributions[row_idx * width + feature_idx];
    }
    EXPECT_LE(std::fabs(sum - predictions[row_idx]), 1e-9 * std::max(1.0, std::fabs(predictions[row_idx])))
        << "row " << row_idx << ": explained " << sum << ", predicted " << predictions[row_idx];
  }
}

TEST(LinearModelExplainTest, ContributionsSumToThePredictionForRandomRows) {
  for (uint64_t seed : {21u, 22u, 23u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    RandomSetup setup = MakeRandomSetup(seed);
    core::Result<std::shared_ptr<const LinearModel>> model =
        LinearModel::Create(SignatureOf(setup.pipeline), setup.pipeline, setup.solution);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    std::vector<std::string> unseen;
    const std::vector<FeatureValue> rows = RandomRows(setup, 2000, seed + 100, &unseen);
    ExpectExplanationsSumToPredictions(**model, rows, 2000);
  }
}

TEST(LinearModelExplainTest, BaseValueIsTheMeanTrainingPrediction) {
  RandomSetup setup = MakeRandomSetup(31);
  core::Result<std::shared_ptr<const LinearModel>> model =
      LinearModel::Create(SignatureOf(setup.pipeline), setup.pipeline, setup.solution);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const std::vector<FeatureValue> rows = RowsOf(setup.train);
  const auto row_count = static_cast<size_t>(setup.train.row_count());
  std::vector<double> predictions(row_count);
  ASSERT_TRUE((*model)->Predict(rows, predictions, nullptr).ok());
  std::vector<double> contributions(rows.size());
  std::vector<double> base_values(row_count);
  ASSERT_TRUE((*model)->Explain(rows, contributions, base_values, nullptr).ok());

  const double mean_prediction =
      std::accumulate(predictions.begin(), predictions.end(), 0.0) / static_cast<double>(row_count);
  for (double base : base_values) EXPECT_NEAR(base, mean_prediction, 1e-9 * std::fabs(mean_prediction));
  // So every feature's contributions average to zero over the training rows.
  const size_t width = setup.pipeline.transforms().size();
  for (size_t feature_idx = 0; feature_idx < width; ++feature_idx) {
    double sum = 0.0;
    for (size_t row_idx = 0; row_idx < row_count; ++row_idx) sum += contributions[row_idx * width + feature_idx];
    EXPECT_NEAR(sum / static_cast<double>(row_count), 0.0, 1e-9 * std::fabs(mean_prediction))
        << setup.pipeline.transforms()[feature_idx].feature.name;
  }
  ExpectExplanationsSumToPredictions(**model, rows, row_count);
}

TEST(LinearModelExplainTest, ExplainsByHand) {
  // y = 2 + 3 * (x - 10) / 4 + 5 * [c == "b"] - 1 * [c == "a"]; x imputes 6, c imputes "b"; in training x has mean
  // 10 and c is "a" in 25% of the rows, "b" in 75%. Base: 2 + 0 + (-1 * 0.25 + 5 * 0.75) = 5.5.
  FeatureTransform x;
  x.feature = {"x", data::ColumnType::kNumeric};
  x.impute_value = 6.0;
  x.center = 10.0;
  x.scale = 4.0;
  FeatureTransform c;
  c.feature = {"c", data::ColumnType::kCategorical};
  c.categories = {"a", "b"};
  c.impute_category = 1;
  c.category_means = {0.25, 0.75};
  Pipeline pipeline({x, c});
  core::Result<std::shared_ptr<const LinearModel>> model =
      LinearModel::Create(SignatureOf(pipeline), pipeline, LinearSolution{{3.0, -1.0, 5.0}, 2.0});
  ASSERT_TRUE(model.ok()) << model.status().ToString();

  const std::vector<FeatureValue> rows = {
      FeatureValue::Number(14.0), FeatureValue::Text("a"),       // 4 = 5.5 + 3 - 4.5
      FeatureValue::Number(10.0), FeatureValue::Text("b"),       // 7 = 5.5 + 0 + 1.5
      FeatureValue::Missing(),    FeatureValue::Missing(),       // 4 = 5.5 - 3 + 1.5
      FeatureValue::Number(2.0),  FeatureValue::Text("unseen"),  // -4 = 5.5 - 6 - 3.5
  };
  std::vector<double> contributions(8);
  std::vector<double> base_values(4);
  PredictionNotes notes;
  ASSERT_TRUE((*model)->Explain(rows, contributions, base_values, &notes).ok());
  EXPECT_THAT(base_values, ElementsAre(5.5, 5.5, 5.5, 5.5));
  EXPECT_THAT(contributions, ElementsAre(3.0, -4.5, 0.0, 1.5, -3.0, 1.5, -6.0, -3.5));
  EXPECT_THAT(notes.warnings, SizeIs(3));  // as Predict notes them
  ExpectExplanationsSumToPredictions(**model, rows, 4);
}

TEST(LinearModelExplainTest, WithoutRecordedCategoryMeansCategoriesCountEqually) {
  // Artifacts written before category means were recorded: each of the two categories counts for half.
  FeatureTransform c;
  c.feature = {"c", data::ColumnType::kCategorical};
  c.categories = {"a", "b"};
  Pipeline pipeline({c});
  core::Result<std::shared_ptr<const LinearModel>> model =
      LinearModel::Create(SignatureOf(pipeline), pipeline, LinearSolution{{-1.0, 5.0}, 2.0});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const std::vector<FeatureValue> rows = {FeatureValue::Text("a"), FeatureValue::Text("b")};
  std::vector<double> contributions(2);
  std::vector<double> base_values(2);
  ASSERT_TRUE((*model)->Explain(rows, contributions, base_values, nullptr).ok());
  EXPECT_THAT(base_values, ElementsAre(4.0, 4.0));
  EXPECT_THAT(contributions, ElementsAre(-3.0, 3.0));
}

TEST(LinearModelExplainTest, SurvivesThePayloadRoundTrip) {
  RandomSetup setup = MakeRandomSetup(41);
  const ModelSignature signature = SignatureOf(setup.pipeline);
  core::Result<std::shared_ptr<const LinearModel>> model =
      LinearModel::Create(signature, setup.pipeline, setup.solution);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  core::Result<std::shared_ptr<const LinearModel>> parsed =
      LinearModel::FromPayload(signature, (*model)->SerializePayload());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  std::vector<std::string> unseen;
  const std::vector<FeatureValue> rows = RandomRows(setup, 50, 42, &unseen);
  std::vector<double> want(rows.size()), got(rows.size()), want_base(50), got_base(50);
  ASSERT_TRUE((*model)->Explain(rows, want, want_base, nullptr).ok());
  ASSERT_TRUE((*parsed)->Explain(rows, got, got_base, nullptr).ok());
  EXPECT_EQ(got, want);
  EXPECT_EQ(got_base, want_base);
}

TEST(LinearModelExplainTest, NoFeaturesExplainsAsTheIntercept) {
  core::Result<std::shared_ptr<const LinearModel>> model =
      LinearModel::Create(ModelSignature{Task::kRegression, "y", {}, {}}, Pipeline(), LinearSolution{{}, 4.5});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  std::vector<double> base_values(2, 0.0);
  ASSERT_TRUE((*model)->Explain({}, {}, base_values, nullptr).ok());
  EXPECT_THAT(base_values, ElementsAre(4.5, 4.5));
}

TEST(LinearModelExplainTest, CategoryMeansMustMatchTheCategories) {
  FeatureTransform c;
  c.feature = {"c", data::ColumnType::kCategorical};
  c.categories = {"a", "b"};
  c.category_means = {1.0};
  Pipeline pipeline({c});
  core::Result<std::shared_ptr<const LinearModel>> model =
      LinearModel::Create(SignatureOf(pipeline), pipeline, LinearSolution{{1.0, 2.0}, 0.0});
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), core::StatusCode::kInvalidArgument);
}

class LinearModelNotesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FeatureTransform x;
    x.feature = {"square_feet", data::ColumnType::kNumeric};
    x.impute_value = 1500.0;
    x.center = 1400.0;
    x.scale = 300.0;
    FeatureTransform flag;
    flag.feature = {"garage", data::ColumnType::kBoolean};
    flag.impute_value = 1.0;
    flag.center = 0.5;
    flag.scale = 0.5;
    FeatureTransform city;
    city.feature = {"city", data::ColumnType::kCategorical};
    city.categories = {"berlin", "paris"};
    Pipeline pipeline({x, flag, city});
    core::Result<std::shared_ptr<const LinearModel>> model =
        LinearModel::Create(SignatureOf(pipeline), pipeline, LinearSolution{{10.0, 1.0, 2.0, 3.0}, 100.0});
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    model_ = *model;
  }

  std::shared_ptr<const LinearModel> model_;
};

TEST_F(LinearModelNotesTest, NoWarningsWhenEverythingIsKnown) {
  const std::vector<FeatureValue> rows = {
      FeatureValue::Number(1000.0), FeatureValue::Number(0.0), FeatureValue::Text("paris"),
      FeatureValue::Number(2500.5), FeatureValue::Number(1.0), FeatureValue::Text("berlin"),
  };
  std::vector<double> out(2);
  PredictionNotes notes;
  ASSERT_TRUE(model_->Predict(rows, out, &notes).ok());
  EXPECT_THAT(notes.warnings, IsEmpty());
}

TEST_F(LinearModelNotesTest, MissingValuesAndUnseenCategoriesAreNoted) {
  const std::vector<FeatureValue> rows = {
      FeatureValue::Number(1000.0), FeatureValue::Number(0.0), FeatureValue::Text("paris"),  // row 0: clean
      FeatureValue::Missing(),      FeatureValue::Number(1.0), FeatureValue::Text("tokyo"),  // row 1: two notes
      FeatureValue::Number(1.0),    FeatureValue::Missing(),   FeatureValue::Missing(),      // row 2: two notes
  };
  std::vector<double> out(3);
  PredictionNotes notes;
  ASSERT_TRUE(model_->Predict(rows, out, &notes).ok());
  ASSERT_THAT(notes.warnings, SizeIs(4));
  EXPECT_THAT(notes.warnings[0], AllOf(HasSubstr("row 1"), HasSubstr("'square_feet'"), HasSubstr("missing")));
  EXPECT_THAT(notes.warnings[1],
              AllOf(HasSubstr("row 1"), HasSubstr("'city'"), HasSubstr("unseen"), HasSubstr("tokyo")));
  EXPECT_THAT(notes.warnings[2], AllOf(HasSubstr("row 2"), HasSubstr("'garage'"), HasSubstr("missing")));
  EXPECT_THAT(notes.warnings[3], AllOf(HasSubstr("row 2"), HasSubstr("'city'"), HasSubstr("missing")));

  // The same rows without notes give the same numbers.
  std::vector<double> without_notes(3);
  ASSERT_TRUE(model_->Predict(rows, without_notes, nullptr).ok());
  EXPECT_EQ(without_notes, out);
  // The missing square_feet is imputed as 1500: 100 + 10 * (1500 - 1400) / 300 + 1 * (1 - 0.5) / 0.5 + 0 (tokyo).
  EXPECT_NEAR(out[1], 100.0 + 10.0 * 100.0 / 300.0 + 1.0, 1e-12);
}

TEST_F(LinearModelNotesTest, LongUnseenCategoryIsShortenedToValidUtf8) {
  // 63 ASCII bytes then multi-byte characters: a cut at byte 64 would land inside the euro sign.
  const std::string category = std::string(63, 'x') + "\xE2\x82\xAC\xE2\x82\xAC" + std::string(100, 'y');
  const std::vector<FeatureValue> rows = {FeatureValue::Number(1.0), FeatureValue::Number(1.0),
                                          FeatureValue::Text(category)};
  std::vector<double> out(1);
  PredictionNotes notes;
  ASSERT_TRUE(model_->Predict(rows, out, &notes).ok());
  ASSERT_THAT(notes.warnings, SizeIs(1));
  EXPECT_TRUE(IsValidUtf8(notes.warnings[0])) << notes.warnings[0];
  EXPECT_THAT(notes.warnings[0], HasSubstr(std::string(63, 'x')));
  EXPECT_THAT(notes.warnings[0], ::testing::Not(HasSubstr("yyy")));
}

TEST_F(LinearModelNotesTest, SizeMismatchIsInvalidArgument) {
  const std::vector<FeatureValue> five(5, FeatureValue::Number(1.0));
  const std::vector<FeatureValue> six(6, FeatureValue::Number(1.0));
  std::vector<double> one(1);
  std::vector<double> three(3);
  struct Case {
    std::string name;
    std::span<const FeatureValue> rows;
    std::span<double> out;
  };
  const std::vector<Case> cases = {
      {"not a whole number of rows", five, std::span<double>(three).first(2)},
      {"more rows than outputs", six, one},
      {"more outputs than rows", six, three},
      {"no rows but an output", {}, one},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    core::Status status = model_->Predict(c.rows, c.out, nullptr);
    EXPECT_EQ(status.code(), core::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr("3 values per row"));
  }
  EXPECT_TRUE(model_->Predict({}, {}, nullptr).ok());
}

TEST_F(LinearModelNotesTest, ExplainSizeMismatchIsInvalidArgument) {
  const std::vector<FeatureValue> six(6, FeatureValue::Number(1.0));
  std::vector<double> contributions(6);
  std::vector<double> base_values(2);
  struct Case {
    std::string name;
    std::span<double> contributions;
    std::span<double> base_values;
  };
  const std::vector<Case> cases = {
      {"too few contributions", std::span<double>(contributions).first(5), base_values},
      {"too few base values", contributions, std::span<double>(base_values).first(1)},
      {"no outputs", {}, {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    core::Status status = model_->Explain(six, c.contributions, c.base_values, nullptr);
    EXPECT_EQ(status.code(), core::StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(model_->Explain(six, contributions, base_values, nullptr).ok());
}

TEST_F(LinearModelNotesTest, ParametersAreNamedByEncodedColumn) {
  EXPECT_THAT(model_->Parameters(),
              ElementsAre(Pair("intercept", 100.0), Pair("square_feet", 10.0), Pair("garage", 1.0),
                          Pair("city=berlin", 2.0), Pair("city=paris", 3.0)));
  EXPECT_EQ(model_->algorithm(), kLinearRegressionAlgorithm);
  EXPECT_EQ(model_->signature().features.size(), 3u);
  EXPECT_GT(model_->MemoryBytes(), 0);
}

TEST(LinearModelTest, NoFeaturesPredictsTheIntercept) {
  core::Result<std::shared_ptr<const LinearModel>> model =
      LinearModel::Create(ModelSignature{Task::kRegression, "y", {}, {}}, Pipeline(), LinearSolution{{}, 4.5});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  std::vector<double> out(3, 0.0);
  ASSERT_TRUE((*model)->Predict({}, out, nullptr).ok());
  EXPECT_THAT(out, ElementsAre(4.5, 4.5, 4.5));
  EXPECT_THAT((*model)->Parameters(), ElementsAre(Pair("intercept", 4.5)));
}

TEST(LinearModelTest, CreateErrors) {
  FeatureTransform x;
  x.feature = {"x", data::ColumnType::kNumeric};
  FeatureTransform c;
  c.feature = {"c", data::ColumnType::kCategorical};
  c.categories = {"a", "b"};
  const Pipeline pipeline({x, c});  // encoded width 3
  const ModelSignature good = SignatureOf(pipeline);
  ModelSignature renamed = good;
  renamed.features[0].name = "z";
  ModelSignature retyped = good;
  retyped.features[1].type = data::ColumnType::kNumeric;
  ModelSignature short_signature = good;
  short_signature.features.pop_back();
  FeatureTransform no_categories;
  no_categories.feature = {"c", data::ColumnType::kCategorical};
  FeatureTransform bad_impute = c;
  bad_impute.impute_category = 2;
  FeatureTransform unsorted = c;
  unsorted.categories = {"b", "a"};
  FeatureTransform repeated = c;
  repeated.categories = {"a", "a"};

  struct Case {
    std::string name;
    ModelSignature signature;
    Pipeline pipeline;
    std::vector<double> weights;
  };
  const std::vector<Case> cases = {
      {"too few weights", good, pipeline, {1.0, 2.0}},
      {"too many weights", good, pipeline, {1.0, 2.0, 3.0, 4.0}},
      {"signature has fewer features", short_signature, pipeline, {1.0, 2.0, 3.0}},
      {"signature names another feature", renamed, pipeline, {1.0, 2.0, 3.0}},
      {"signature types a feature differently", retyped, pipeline, {1.0, 2.0, 3.0}},
      {"categorical feature without categories",
       SignatureOf(Pipeline({x, no_categories})),
       Pipeline({x, no_categories}),
       {1.0}},
      {"impute category out of range", good, Pipeline({x, bad_impute}), {1.0, 2.0, 3.0}},
      {"categories not sorted", good, Pipeline({x, unsorted}), {1.0, 2.0, 3.0}},
      {"categories repeated", good, Pipeline({x, repeated}), {1.0, 2.0, 3.0}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    core::Result<std::shared_ptr<const LinearModel>> model =
        LinearModel::Create(c.signature, c.pipeline, LinearSolution{c.weights, 0.0});
    ASSERT_FALSE(model.ok());
    EXPECT_EQ(model.status().code(), core::StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(LinearModel::Create(good, pipeline, LinearSolution{{1.0, 2.0, 3.0}, 0.0}).ok());
}

TEST(LinearModelTest, PayloadRoundTrip) {
  RandomSetup setup = MakeRandomSetup(13);
  const ModelSignature signature = SignatureOf(setup.pipeline);
  core::Result<std::shared_ptr<const LinearModel>> model =
      LinearModel::Create(signature, setup.pipeline, setup.solution);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  core::Result<std::shared_ptr<const LinearModel>> parsed =
      LinearModel::FromPayload(signature, (*model)->SerializePayload());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ((*parsed)->SerializePayload(), (*model)->SerializePayload());
  EXPECT_EQ((*parsed)->solution().weights, setup.solution.weights);
  EXPECT_EQ((*parsed)->solution().intercept, setup.solution.intercept);

  struct Case {
    std::string name;
    std::string payload;
  };
  const std::string pipeline_json = setup.pipeline.ToJson();
  const std::vector<Case> cases = {
      {"not JSON", "nope"},
      {"array", "[]"},
      {"no pipeline", R"({"intercept":1,"weights":[]})"},
      {"pipeline not an object", R"({"pipeline":[],"intercept":1,"weights":[]})"},
      {"bad pipeline", R"({"pipeline":{},"intercept":1,"weights":[]})"},
      {"no intercept", R"({"pipeline":)" + pipeline_json + R"(,"weights":[]})"},
      {"intercept a string", R"({"pipeline":)" + pipeline_json + R"(,"intercept":"1","weights":[]})"},
      {"no weights", R"({"pipeline":)" + pipeline_json + R"(,"intercept":1})"},
      {"weight not a number", R"({"pipeline":)" + pipeline_json + R"(,"intercept":1,"weights":[null]})"},
      {"wrong number of weights", R"({"pipeline":)" + pipeline_json + R"(,"intercept":1,"weights":[1,2]})"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    core::Result<std::shared_ptr<const LinearModel>> bad = LinearModel::FromPayload(signature, c.payload);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.status().code(), core::StatusCode::kDataLoss);
  }
}

}  // namespace
}  // namespace amp::ml
