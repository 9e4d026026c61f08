#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ml/pipeline.h"
#include "ml/pipeline_test_fixtures.h"

// Missing-indicator columns: a 0/1 column beside an imputed number.
namespace amp::ml {
namespace {

using ::testing::ElementsAre;

TEST(PipelineTest, MissingIndicatorColumn) {
  data::Table table(4, {NumberColumn("x", {1.0, kNaN, 3.0, kNaN})});
  FitOptions options;
  options.features = {{.date = false, .missing_indicator = true}};
  auto pipeline = Pipeline::Fit(table, {0}, AllRows(4), options);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_TRUE(pipeline->transforms()[0].missing_indicator);
  EXPECT_DOUBLE_EQ(pipeline->transforms()[0].missing_share, 0.5);
  EXPECT_THAT(pipeline->EncodedNames(), ElementsAre("x", "x.missing"));
  std::vector<double> encoded;
  pipeline->Encode(table, {0}, AllRows(4), &encoded);
  // Imputed with the median 2, standardized by mean 2 and std sqrt(0.5); then the indicator column.
  const double z = 1.0 / std::sqrt(0.5);
  EXPECT_THAT(encoded, ElementsAre(-z, 0.0, z, 0.0, 0.0, 1.0, 0.0, 1.0));
  EXPECT_THAT(pipeline->EncodedMeans(0), ElementsAre(0.0, 0.5));
}

}  // namespace
}  // namespace amp::ml
