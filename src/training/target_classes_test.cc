#include "training/target_classes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace amp::training {
namespace {

using ::testing::ElementsAre;

TEST(TargetClassesTest, LabelsAreSortedByValueAndRowsIndexThem) {
  struct Case {
    const char* what;
    data::Column column;
    std::vector<int64_t> rows;
    std::vector<std::string> want_labels;
    std::vector<int32_t> want_classes;
  } cases[] = {
      {"categories sort by text, not first-seen order",
       {"y", data::ColumnType::kCategorical, {}, {2, 0, 1, 0}, {"Gentoo", "Adelie", "Chinstrap"}},
       {0, 1, 2, 3},
       {"Adelie", "Chinstrap", "Gentoo"},
       {1, 2, 0, 2}},
      {"only the asked rows count",
       {"y", data::ColumnType::kCategorical, {}, {0, 1, -1, 1}, {"b", "a"}},
       {1, 3},
       {"a"},
       {0, 0}},
      {"integers sort numerically",
       {"y", data::ColumnType::kInteger, {10.0, 2.0, 1.0, 2.0}, {}, {}},
       {0, 1, 2, 3},
       {"1", "2", "10"},
       {2, 1, 0, 1}},
      {"numbers in shortest form",
       {"y", data::ColumnType::kNumeric, {2.5, -1.0}, {}, {}},
       {0, 1},
       {"-1", "2.5"},
       {1, 0}},
      {"booleans", {"y", data::ColumnType::kBoolean, {1.0, 0.0, 1.0}, {}, {}}, {0, 1, 2}, {"false", "true"}, {1, 0, 1}},
  };
  for (const Case& c : cases) {
    TargetClasses classes = EncodeTargetClasses(c.column, c.rows);
    EXPECT_EQ(classes.labels, c.want_labels) << c.what;
    EXPECT_EQ(classes.row_classes, c.want_classes) << c.what;
  }
}

}  // namespace
}  // namespace amp::training
