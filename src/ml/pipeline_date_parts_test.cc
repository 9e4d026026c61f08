#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "ml/pipeline.h"
#include "ml/pipeline_test_fixtures.h"

// Date features: text dates fitted and encoded as year, month, day, weekday (and hour) numbers.
namespace amp::ml {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(PipelineTest, DatePartsAreFittedAndEncodedAsNumbers) {
  // 2024-03-05 is a Tuesday (1), 2023-12-31 a Sunday (6); "soon" does not parse and counts as missing.
  data::Table table(4, {CategoryColumn("when", {"2024-03-05", "2023-12-31 18:30", "soon"}, {0, 1, 2, -1})});
  FitOptions options;
  options.scaling = NumberScaling::kNone;
  options.features = {{.date = true, .missing_indicator = true}};
  auto pipeline = Pipeline::Fit(table, {0}, AllRows(4), options);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  const FeatureTransform& transform = pipeline->transforms()[0];
  ASSERT_EQ(transform.date_parts.size(), 5u);  // a value has a time, so the hour is a part
  EXPECT_THAT(pipeline->EncodedNames(),
              ElementsAre("when.year", "when.month", "when.day", "when.weekday", "when.hour", "when.missing"));
  std::vector<float> encoded;
  pipeline->EncodeRowMajor(table, {0}, AllRows(4), &encoded);
  // Medians of two values: year 2023.5, month 7.5, day 18, weekday 3.5, hour 9.
  EXPECT_THAT(encoded, ElementsAre(2024, 3, 5, 1, 0, 0,         //
                                   2023, 12, 31, 6, 18, 0,      //
                                   2023.5, 7.5, 18, 3.5, 9, 1,  //
                                   2023.5, 7.5, 18, 3.5, 9, 1));
  // Serving reads the same text the same way, and notes what it could not read.
  std::vector<float> row(6);
  PredictionNotes notes;
  pipeline->EncodeRow(std::vector<FeatureValue>{FeatureValue::Text("2023-12-31 18:30")}, 0, row, &notes);
  EXPECT_THAT(row, ElementsAre(2023, 12, 31, 6, 18, 0));
  EXPECT_TRUE(notes.warnings.empty());
  pipeline->EncodeRow(std::vector<FeatureValue>{FeatureValue::Text("yesterday")}, 3, row, &notes);
  EXPECT_THAT(row, ElementsAre(2023.5, 7.5, 18, 3.5, 9, 1));
  ASSERT_EQ(notes.warnings.size(), 1u);
  EXPECT_THAT(notes.warnings[0], HasSubstr("row 3: feature 'when' is not a date"));
}

TEST(PipelineTest, DateOptionErrors) {
  data::Table table(2, {NumberColumn("x", {1.0, 2.0}), CategoryColumn("when", {"never"}, {0, -1})});
  FitOptions options;
  options.features = {{.date = true, .missing_indicator = false}, {.date = false, .missing_indicator = false}};
  EXPECT_THAT(Pipeline::Fit(table, {0, 1}, AllRows(2), options).status().message(), HasSubstr("not text with dates"));
  options.features = {{.date = false, .missing_indicator = false}, {.date = true, .missing_indicator = false}};
  EXPECT_THAT(Pipeline::Fit(table, {0, 1}, AllRows(2), options).status().message(),
              HasSubstr("date feature 'when' has no date"));
  options.features = {{}};
  EXPECT_EQ(Pipeline::Fit(table, {0, 1}, AllRows(2), options).status().code(), core::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace amp::ml
