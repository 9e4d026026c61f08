#include "training/task_detection.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace amp::training {
namespace {

using data::ColumnType;
using ::testing::HasSubstr;

data::ColumnSummary Target(ColumnType type, int64_t distinct, bool capped = false) {
  data::ColumnSummary summary;
  summary.name = "y";
  summary.type = type;
  summary.distinct_count = distinct;
  summary.distinct_capped = capped;
  return summary;
}

TEST(TaskDetectionTest, DecidesFromTheTargetAndTheRequest) {
  const ml::Task kRegression = ml::Task::kRegression;
  const ml::Task kBinary = ml::Task::kBinaryClassification;
  const ml::Task kMulticlass = ml::Task::kMulticlassClassification;
  struct Case {
    ColumnType type;
    int64_t distinct;
    bool capped;
    const char* requested;
    ml::Task want;
  } cases[] = {
      // Detected.
      {ColumnType::kNumeric, 400, false, "", kRegression},
      {ColumnType::kNumeric, 2, false, "", kRegression},  // 0.5 / 1.5: a measurement, not labels
      {ColumnType::kInteger, 214, false, "", kRegression},
      {ColumnType::kInteger, 11, false, "", kRegression},
      {ColumnType::kInteger, 10, false, "", kMulticlass},
      {ColumnType::kInteger, 3, false, "", kMulticlass},
      {ColumnType::kInteger, 2, false, "", kBinary},
      {ColumnType::kInteger, 1, false, "", kRegression},  // a constant count
      {ColumnType::kInteger, 10000, true, "", kRegression},
      {ColumnType::kBoolean, 2, false, "", kBinary},
      {ColumnType::kCategorical, 2, false, "", kBinary},
      {ColumnType::kCategorical, 3, false, "", kMulticlass},
      {ColumnType::kCategorical, 100, false, "", kMulticlass},
      // Requested.
      {ColumnType::kInteger, 3, false, "regression", kRegression},
      {ColumnType::kNumeric, 1, false, "regression", kRegression},
      {ColumnType::kInteger, 50, false, "classification", kMulticlass},
      {ColumnType::kNumeric, 2, false, "classification", kBinary},
      {ColumnType::kInteger, 2, false, "binary_classification", kBinary},
      {ColumnType::kCategorical, 2, false, "multiclass_classification", kBinary},
      {ColumnType::kCategorical, 5, false, "multiclass_classification", kMulticlass},
  };
  for (const Case& c : cases) {
    core::Result<ml::Task> task = DetectTask(Target(c.type, c.distinct, c.capped), c.requested);
    ASSERT_TRUE(task.ok()) << data::ColumnTypeName(c.type) << " " << c.distinct << " '" << c.requested
                           << "': " << task.status().ToString();
    EXPECT_EQ(*task, c.want) << data::ColumnTypeName(c.type) << " " << c.distinct << " '" << c.requested << "'";
  }
}

TEST(TaskDetectionTest, RefusesWhatCannotBeTrainedWithAMessageNamingIt) {
  struct Case {
    ColumnType type;
    int64_t distinct;
    bool capped;
    const char* requested;
    const char* message;
  } cases[] = {
      {ColumnType::kCategorical, 1, false, "", "only one class"},
      {ColumnType::kBoolean, 1, false, "", "only one class"},
      {ColumnType::kCategorical, 0, false, "", "no values"},
      {ColumnType::kInteger, 1, false, "classification", "only one class"},
      {ColumnType::kCategorical, 101, false, "", "at most 100 classes"},
      {ColumnType::kCategorical, 10000, true, "", "10000 or more distinct values"},
      {ColumnType::kNumeric, 5000, false, "classification", "at most 100 classes"},
      {ColumnType::kCategorical, 4, false, "regression", "is categorical; regression needs a numeric target"},
      {ColumnType::kBoolean, 2, false, "regression", "is boolean; regression needs a numeric target"},
      {ColumnType::kCategorical, 3, false, "binary_classification", "3 classes; binary classification needs exactly 2"},
      {ColumnType::kNumeric, 10, false, "clustering", "unknown task 'clustering'"},
  };
  for (const Case& c : cases) {
    core::Result<ml::Task> task = DetectTask(Target(c.type, c.distinct, c.capped), c.requested);
    ASSERT_FALSE(task.ok()) << data::ColumnTypeName(c.type) << " " << c.distinct << " '" << c.requested << "'";
    EXPECT_EQ(task.status().code(), core::StatusCode::kFailedPrecondition);
    EXPECT_THAT(task.status().message(), HasSubstr(c.message));
    if (std::string_view(c.message).find("unknown") == std::string_view::npos) {
      EXPECT_THAT(task.status().message(), HasSubstr("column 'y'"));
    }
  }
}

}  // namespace
}  // namespace amp::training
