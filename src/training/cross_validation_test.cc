#include "training/cross_validation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <vector>

namespace amp::training {
namespace {

std::vector<int64_t> FoldSizes(const std::vector<int>& fold_of, int folds) {
  std::vector<int64_t> sizes(static_cast<size_t>(folds), 0);
  for (int fold : fold_of) ++sizes[static_cast<size_t>(fold)];
  return sizes;
}

struct FoldCase {
  int64_t rows;
  int folds;
  std::vector<int32_t> labels;  // empty: not stratified
};

TEST(AssignFoldsTest, EveryRowInOneFoldAndSizesBalanced) {
  const std::vector<FoldCase> cases = {
      {10, 2, {}},
      {11, 5, {}},
      {5, 5, {}},
      {103, 7, {}},
      {12, 3, {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1}},
      {10, 3, {2, 0, 1, 0, 2, 0, 1, 0, 0, 0}},
      {7, 2, {1, 1, 1, 1, 1, 1, 0}},
  };
  for (const FoldCase& test : cases) {
    SCOPED_TRACE(std::to_string(test.rows) + " rows, " + std::to_string(test.folds) + " folds");
    const std::vector<int> fold_of = AssignFolds(test.rows, test.folds, 42, test.labels);
    ASSERT_EQ(fold_of.size(), static_cast<size_t>(test.rows));
    for (int fold : fold_of) {
      EXPECT_GE(fold, 0);
      EXPECT_LT(fold, test.folds);
    }
    const std::vector<int64_t> sizes = FoldSizes(fold_of, test.folds);
    EXPECT_LE(*std::max_element(sizes.begin(), sizes.end()) - *std::min_element(sizes.begin(), sizes.end()), 1);
  }
}

TEST(AssignFoldsTest, StratifiedKeepsEachClassSpreadEvenly) {
  // 30 of class 0, 9 of class 1, 4 of class 2, interleaved.
  std::vector<int32_t> labels;
  for (int idx = 0; idx < 43; ++idx) labels.push_back(idx < 30 ? 0 : idx < 39 ? 1 : 2);
  std::rotate(labels.begin(), labels.begin() + 17, labels.end());
  const int folds = 4;
  const std::vector<int> fold_of = AssignFolds(static_cast<int64_t>(labels.size()), folds, 7, labels);
  std::map<int32_t, std::vector<int>> per_class;
  for (size_t row = 0; row < labels.size(); ++row) {
    auto& counts = per_class[labels[row]];
    counts.resize(folds, 0);
    ++counts[static_cast<size_t>(fold_of[row])];
  }
  for (const auto& [label, counts] : per_class) {
    SCOPED_TRACE("class " + std::to_string(label));
    EXPECT_LE(*std::max_element(counts.begin(), counts.end()) - *std::min_element(counts.begin(), counts.end()), 1);
  }
}

TEST(AssignFoldsTest, SeededAndDeterministic) {
  const std::vector<int> first = AssignFolds(50, 5, 1);
  EXPECT_EQ(first, AssignFolds(50, 5, 1));
  EXPECT_NE(first, AssignFolds(50, 5, 2));
  // Shuffled, not dealt in row order.
  std::vector<int> in_order;
  for (int row = 0; row < 50; ++row) in_order.push_back(row % 5);
  EXPECT_NE(first, in_order);
}

TEST(AssignFoldsTest, DegenerateInputs) {
  EXPECT_TRUE(AssignFolds(0, 5, 1).empty());
  EXPECT_EQ(AssignFolds(3, 1, 1), std::vector<int>({0, 0, 0}));
}

}  // namespace
}  // namespace amp::training
