#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "ml/pipeline.h"
#include "ml/pipeline_test_fixtures.h"

// One-hot levels: which levels get a column (ChooseOneHotLevels) and the shared "other" column.
namespace amp::ml {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ChooseOneHotLevelsTest, Table) {
  struct LevelCase {
    std::vector<int64_t> counts;
    int64_t rows;
    int max_levels;
    std::vector<bool> keep;
  };
  const LevelCase cases[] = {
      {{5, 3, 2}, 10, 30, {true, true, true}},                    // few rows: nothing is rare by share
      {{500, 300, 4, 196}, 1000, 30, {true, true, false, true}},  // 4 rows, 0.4%: rare
      {{500, 300, 10, 190}, 1000, 30, {true, true, true, true}},  // 10 rows: not rare (>= 5 rows)
      {{1, 1, 1}, 1000, 30, {true, false, false}},                // all rare: the first most frequent stays
      {{4, 9, 9, 7}, 29, 2, {false, true, true, false}},          // the cap: the two most frequent
      {{9, 9, 9}, 27, 2, {true, true, false}},                    // ties go to the lower index
      {{3}, 3, 0, {true}},                                        // a cap below one still keeps one
  };
  for (const LevelCase& test_case : cases) {
    EXPECT_EQ(ChooseOneHotLevels(test_case.counts, test_case.rows, test_case.max_levels), test_case.keep);
  }
}

TEST(PipelineTest, RareAndCappedLevelsShareTheOtherColumn) {
  // Levels a (5 rows), b (3), c (1), d (1): with a cap of 2, c and d go to "other"; "zz" was never seen.
  data::Table table(11, {CategoryColumn("c", {"a", "b", "c", "d", "zz"}, {0, 0, 0, 0, 0, 1, 1, 1, 2, 3, -1})});
  FitOptions options;
  options.max_levels = 2;
  auto pipeline = Pipeline::Fit(table, {0}, AllRows(11), options);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  const FeatureTransform& transform = pipeline->transforms()[0];
  EXPECT_THAT(transform.categories, ElementsAre("a", "b"));
  EXPECT_TRUE(transform.other_bucket);
  EXPECT_DOUBLE_EQ(transform.other_mean, 2.0 / 11.0);
  EXPECT_DOUBLE_EQ(transform.category_means[0], 6.0 / 11.0);  // the missing row is imputed as "a"
  EXPECT_EQ(pipeline->EncodedWidth(), 3);
  EXPECT_THAT(pipeline->EncodedNames(), ElementsAre("c=a", "c=b", "c=(other)"));
  EXPECT_THAT(pipeline->EncodedMeans(0), ElementsAre(6.0 / 11.0, 3.0 / 11.0, 2.0 / 11.0));
  std::vector<double> encoded;
  pipeline->Encode(table, {0}, std::vector<int64_t>{0, 5, 8, 9, 10}, &encoded);
  // Column-major: a, then b, then other.
  EXPECT_THAT(encoded, ElementsAre(1, 0, 0, 0, 1, /**/ 0, 1, 0, 0, 0, /**/ 0, 0, 1, 1, 0));
  std::vector<float> row(3);
  PredictionNotes notes;
  pipeline->EncodeRow(std::vector<FeatureValue>{FeatureValue::Text("zz")}, 0, row, &notes);
  EXPECT_THAT(row, ElementsAre(0.0f, 0.0f, 1.0f));
  ASSERT_EQ(notes.warnings.size(), 1u);
  EXPECT_THAT(notes.warnings[0], HasSubstr("encoded as other"));
  // Without the cap every level has a column and there is no other column.
  auto uncapped = Pipeline::Fit(table, {0}, AllRows(11));
  ASSERT_TRUE(uncapped.ok());
  EXPECT_FALSE(uncapped->transforms()[0].other_bucket);
  EXPECT_EQ(uncapped->EncodedWidth(), 4);
}

}  // namespace
}  // namespace amp::ml
