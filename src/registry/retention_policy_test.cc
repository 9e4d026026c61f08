#include "registry/retention_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace amp::registry {
namespace {

using ::testing::ElementsAreArray;

struct Case {
  const char* name;
  RetentionInput input;
  std::vector<int64_t> expected;
};

TEST(RetentionPolicyTest, SelectsOldUnaliasedUnusedVersions) {
  const std::vector<Case> cases = {
      {"no policy keeps everything", {{1, 2, 3, 4}, {}, {}, 0}, {}},
      {"negative is no policy", {{1, 2, 3}, {}, {}, -1}, {}},
      {"keep last 2 of 4", {{1, 2, 3, 4}, {}, {}, 2}, {1, 2}},
      {"keep last 1", {{1, 2, 3}, {}, {}, 1}, {1, 2}},
      {"fewer versions than the policy", {{1, 2}, {}, {}, 5}, {}},
      {"exactly the policy", {{1, 2, 3}, {}, {}, 3}, {}},
      {"aliased old version stays", {{1, 2, 3, 4, 5}, {2}, {}, 2}, {1, 3}},
      {"in-use old version stays", {{1, 2, 3, 4, 5}, {}, {1}, 2}, {2, 3}},
      {"aliased and in use", {{1, 2, 3, 4, 5}, {3}, {1, 2}, 1}, {4}},
      {"aliased within the kept ones changes nothing", {{1, 2, 3, 4}, {4}, {}, 2}, {1, 2}},
      {"gaps from deleted versions", {{2, 5, 9, 11}, {}, {}, 2}, {2, 5}},
      {"unsorted input", {{4, 1, 3, 2}, {}, {}, 2}, {1, 2}},
      {"duplicates count once", {{1, 2, 2, 3}, {}, {}, 2}, {1}},
      {"no versions", {{}, {}, {}, 3}, {}},
  };
  for (const Case& test_case : cases) {
    EXPECT_THAT(SelectVersionsToCollect(test_case.input), ElementsAreArray(test_case.expected)) << test_case.name;
  }
}

}  // namespace
}  // namespace amp::registry
