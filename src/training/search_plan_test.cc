#include "training/search_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace amp::training {
namespace {

using ::testing::HasSubstr;

data::TableSummary HouseSchema(int64_t rows = 100) {
  data::TableSummary schema;
  schema.row_count = rows;
  for (auto [name, type, distinct] : std::vector<std::tuple<std::string, data::ColumnType, int64_t>>{
           {"price", data::ColumnType::kNumeric, 400},
           {"sqft", data::ColumnType::kInteger, 80},
           {"city", data::ColumnType::kCategorical, 3},
       }) {
    data::ColumnSummary column;
    column.name = name;
    column.type = type;
    column.distinct_count = distinct;
    schema.columns.push_back(column);
  }
  return schema;
}

storage::TrainRequest Request(std::string target, std::string algorithm) {
  storage::TrainRequest request;
  request.model_name = "houses";
  request.dataset_id = "ds_1";
  request.target = std::move(target);
  request.algorithm = std::move(algorithm);
  return request;
}

storage::TrainRequest GridRequest(std::map<std::string, std::vector<double>> space, std::string algorithm) {
  storage::TrainRequest request = Request("price", std::move(algorithm));
  request.search.method = "grid";
  request.search.space = std::move(space);
  return request;
}

TEST(SearchPlanTest, DistributedXgboostPlansOneCandidate) {
  storage::TrainRequest request = Request("price", "xgboost_regressor");
  request.workers = 3;
  request.params["n_estimators"] = 20;
  core::Result<SearchPlan> plan = PlanSearch(request, HouseSchema());
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_FALSE(plan->IsSearch());
  ASSERT_EQ(plan->candidates.size(), 1u);
  EXPECT_EQ(plan->candidates.front().algorithm, "xgboost_regressor");
}

TEST(SearchPlanTest, RefusesBeforeAnyWork) {
  struct Case {
    std::string name;
    storage::TrainRequest request;
    data::TableSummary schema;
    std::string want_message;
  };
  auto with = [](storage::TrainRequest request, auto change) {
    change(request);
    return request;
  };
  const std::vector<Case> cases = {
      {"unknown space parameter", GridRequest({{"depth", {3, 6}}}, "xgboost_regressor"), HouseSchema(),
       "search.space: unknown parameter 'depth' for xgboost_regressor"},
      {"value out of range", GridRequest({{"learning_rate", {0.1, 2}}}, "xgboost_regressor"), HouseSchema(),
       "search.space: parameter 'learning_rate' must be in (0, 1]"},
      {"parameter of another family", GridRequest({{"C", {1}}}, "linear_regression"), HouseSchema(),
       "unknown parameter 'C' for linear_regression"},
      {"empty value list", GridRequest({{"l2", {}}}, "linear_regression"), HouseSchema(), "must list at least one"},
      {"searching the seed", GridRequest({{"seed", {1, 2}}}, "linear_regression"), HouseSchema(), "cannot vary 'seed'"},
      {"fixed and searched",
       with(GridRequest({{"l2", {1, 2}}}, "linear_regression"), [](auto& r) { r.params["l2"] = 1; }), HouseSchema(),
       "both fixed in params and searched"},
      {"unknown method",
       with(GridRequest({{"l2", {1}}}, "linear_regression"), [](auto& r) { r.search.method = "bayes"; }), HouseSchema(),
       "search.method must be grid or random"},
      {"empty space", GridRequest({}, "linear_regression"), HouseSchema(), "search.space must name"},
      {"no algorithm", GridRequest({{"l2", {1}}}, ""), HouseSchema(), "a search needs an algorithm"},
      {"grid too large",
       GridRequest({{"max_depth", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
                    {"n_estimators", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
                    {"learning_rate", {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1}}},
                   "xgboost_regressor"),
       HouseSchema(), "1210 grid points"},
      {"folds out of range", with(GridRequest({{"l2", {1}}}, "linear_regression"), [](auto& r) { r.search.folds = 1; }),
       HouseSchema(), "search.folds must be in [2, 20]"},
      {"repeats out of range",
       with(GridRequest({{"l2", {1}}}, "linear_regression"), [](auto& r) { r.search.repeats = 11; }), HouseSchema(),
       "search.repeats must be in [1, 10]"},
      {"repeats without a method", with(Request("price", "linear_regression"), [](auto& r) { r.search.repeats = 2; }),
       HouseSchema(), "search.method is required"},
      {"cpu budget", with(Request("price", "auto"), [](auto& r) { r.cpu_budget = 100; }), HouseSchema(),
       "cpu_budget must be in [1, 64]"},
      {"negative time budget", with(Request("price", "auto"), [](auto& r) { r.time_budget_seconds = -1; }),
       HouseSchema(), "time_budget_seconds must be in"},
      {"time budget without a search",
       with(Request("price", "linear_regression"), [](auto& r) { r.time_budget_seconds = 5; }), HouseSchema(),
       "applies to a search"},
      {"options without a method", with(Request("price", "linear_regression"), [](auto& r) { r.search.folds = 3; }),
       HouseSchema(), "search.method is required"},
      {"auto with an algorithm parameter", with(Request("price", "auto"), [](auto& r) { r.params["l2"] = 1; }),
       HouseSchema(), "unknown parameter 'l2' for auto"},
      {"auto with a space", with(Request("price", "auto"), [](auto& r) { r.search.space["l2"] = {1}; }), HouseSchema(),
       "auto chooses its own search space"},
      {"auto on an empty table", Request("price", "auto"), HouseSchema(0), "has no value in any row"},
      {"auto with fewer rows than folds", Request("price", "auto"), HouseSchema(5), "needs at least 5 training rows"},
      {"auto with an unknown target", Request("nope", "auto"), HouseSchema(), "target column 'nope'"},
      {"no workers", with(Request("price", "xgboost_regressor"), [](auto& r) { r.workers = 0; }), HouseSchema(),
       "workers must be in [1, 64]"},
      {"too many workers", with(Request("price", "xgboost_regressor"), [](auto& r) { r.workers = 65; }), HouseSchema(),
       "workers must be in [1, 64]"},
      {"workers for a linear model", with(Request("price", "linear_regression"), [](auto& r) { r.workers = 2; }),
       HouseSchema(), "takes algorithm xgboost_regressor or xgboost_classifier, not 'linear_regression'"},
      {"workers for a random forest", with(Request("price", "random_forest_regressor"), [](auto& r) { r.workers = 2; }),
       HouseSchema(), "not 'random_forest_regressor'"},
      {"workers with auto", with(Request("price", "auto"), [](auto& r) { r.workers = 2; }), HouseSchema(),
       "it does not search"},
      {"workers with a search",
       with(GridRequest({{"max_depth", {3, 4}}}, "xgboost_regressor"), [](auto& r) { r.workers = 2; }), HouseSchema(),
       "it does not search"},
      {"workers with early stopping",
       with(Request("price", "xgboost_regressor"),
            [](auto& r) {
              r.workers = 2;
              r.params["early_stopping_rounds"] = 5;
            }),
       HouseSchema(), "does not do early stopping"},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(test.name);
    core::Result<SearchPlan> plan = PlanSearch(test.request, test.schema);
    ASSERT_FALSE(plan.ok());
    EXPECT_EQ(plan.status().code(), core::StatusCode::kFailedPrecondition);
    EXPECT_THAT(plan.status().message(), HasSubstr(test.want_message));
  }
}

TEST(SearchPlanTest, PlainRequestIsOneCandidateWithoutFolds) {
  core::Result<SearchPlan> plan = PlanSearch(Request("price", ""), HouseSchema());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_FALSE(plan->IsSearch());
  ASSERT_EQ(plan->candidates.size(), 1u);
  EXPECT_EQ(plan->candidates[0].algorithm, "linear_regression");
}

TEST(SearchPlanTest, GridTriesEveryPointInOrder) {
  storage::TrainRequest request =
      GridRequest({{"max_depth", {3, 6}}, {"learning_rate", {0.05, 0.3}}}, "xgboost_regressor");
  request.search.folds = 3;
  request.cpu_budget = 4;
  core::Result<SearchPlan> plan = PlanSearch(request, HouseSchema());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->folds, 3);
  EXPECT_EQ(plan->repeats, 1);  // a declared search cross-validates on one partition unless asked
  ASSERT_EQ(plan->candidates.size(), 4u);
  const std::vector<std::pair<double, int>> want = {{0.05, 3}, {0.05, 6}, {0.3, 3}, {0.3, 6}};
  for (size_t idx = 0; idx < want.size(); ++idx) {
    EXPECT_EQ(plan->candidates[idx].boosting.learning_rate, want[idx].first);
    EXPECT_EQ(plan->candidates[idx].boosting.max_depth, want[idx].second);
    EXPECT_EQ(plan->candidates[idx].boosting.nthread, 1);  // 4 trials share 4 threads
    EXPECT_EQ(plan->searched_params[idx].size(), 2u);
  }
}

// Every fit stays within the job's CPU budget: a plain job's fit takes all of it; the trials of a search that run
// side by side split it (their preprocessing and solvers as well as XGBoost's nthread); a request's own nthread stays.
TEST(SearchPlanTest, FitsShareTheCpuBudget) {
  struct Case {
    std::string name;
    storage::TrainRequest request;
    int want_threads;   // every candidate's TrainPlan::threads
    int want_nthread;   // every candidate's boosting.nthread
  };
  auto with = [](storage::TrainRequest request, const std::function<void(storage::TrainRequest&)>& change) {
    change(request);
    return request;
  };
  const storage::TrainRequest grid4 = GridRequest({{"max_depth", {3, 4, 5, 6}}}, "xgboost_regressor");
  const std::vector<Case> cases = {
      {"plain job, default budget", Request("price", "linear_regression"), kDefaultCpuBudget, 1},
      {"plain job, budget 3", with(Request("price", "xgboost_regressor"), [](auto& r) { r.cpu_budget = 3; }), 3, 3},
      {"plain job, own nthread", with(Request("price", "xgboost_regressor"), [](auto& r) {
         r.cpu_budget = 4;
         r.params["nthread"] = 1;
       }), 4, 1},
      {"4 trials on 4 threads", with(grid4, [](auto& r) { r.cpu_budget = 4; }), 1, 1},
      {"4 trials on 8 threads: 4 side by side, 2 each", with(grid4, [](auto& r) { r.cpu_budget = 8; }), 2, 2},
      {"4 trials on 1 thread", with(grid4, [](auto& r) { r.cpu_budget = 1; }), 1, 1},
      {"2 trials on 5 threads", with(GridRequest({{"l2", {0, 1}}}, "linear_regression"), [](auto& r) {
         r.cpu_budget = 5;
       }), 2, 1},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(test.name);
    core::Result<SearchPlan> plan = PlanSearch(test.request, HouseSchema());
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    for (const TrainPlan& candidate : plan->candidates) {
      EXPECT_EQ(candidate.threads, test.want_threads);
      EXPECT_EQ(candidate.boosting.nthread, test.want_nthread);
    }
  }
}

TEST(SearchPlanTest, RandomDrawsDistinctSeededPoints) {
  const std::map<std::string, std::vector<double>> space = {{"a", {1, 2, 3, 4}}, {"b", {1, 2, 3}}};
  const auto first = DrawRandom(space, 5, 9);
  ASSERT_EQ(first.size(), 5u);
  EXPECT_EQ(first, DrawRandom(space, 5, 9));
  EXPECT_NE(first, DrawRandom(space, 5, 10));
  std::set<std::map<std::string, double>> distinct(first.begin(), first.end());
  EXPECT_EQ(distinct.size(), 5u);
  EXPECT_EQ(DrawRandom(space, 50, 9).size(), 12u);  // the whole grid when it is smaller
  EXPECT_EQ(ExpandGrid(space).size(), 12u);
  EXPECT_EQ(ExpandGrid({}).size(), 1u);
}

TEST(SearchPlanTest, AutoTriesTheFamiliesOfTheTask) {
  core::Result<SearchPlan> regression = PlanSearch(Request("price", "auto"), HouseSchema());
  ASSERT_TRUE(regression.ok()) << regression.status().ToString();
  EXPECT_TRUE(regression->IsSearch());
  EXPECT_EQ(regression->folds, kDefaultFolds);
  EXPECT_EQ(regression->repeats, 1);
  storage::TrainRequest repeated = Request("price", "auto");
  repeated.search.repeats = 3;
  core::Result<SearchPlan> three_partitions = PlanSearch(repeated, HouseSchema());
  ASSERT_TRUE(three_partitions.ok()) << three_partitions.status().ToString();
  EXPECT_EQ(three_partitions->repeats, 3);
  std::set<std::string> algorithms;
  for (const TrainPlan& candidate : regression->candidates) algorithms.insert(candidate.algorithm);
  // Every regression family of this build (random forests join when the build has them), no classifier.
  EXPECT_TRUE(algorithms.contains("linear_regression"));
  EXPECT_TRUE(algorithms.contains("xgboost_regressor"));
  EXPECT_FALSE(algorithms.contains("logistic_regression"));
  EXPECT_FALSE(algorithms.contains("xgboost_classifier"));

  core::Result<SearchPlan> classification = PlanSearch(Request("city", "auto"), HouseSchema());
  ASSERT_TRUE(classification.ok()) << classification.status().ToString();
  algorithms.clear();
  for (const TrainPlan& candidate : classification->candidates) algorithms.insert(candidate.algorithm);
  EXPECT_TRUE(algorithms.contains("logistic_regression"));
  EXPECT_TRUE(algorithms.contains("xgboost_classifier"));
  EXPECT_FALSE(algorithms.contains("linear_regression"));
  EXPECT_FALSE(algorithms.contains("xgboost_regressor"));

  // A trial cap keeps one point of every family first.
  storage::TrainRequest capped = Request("price", "auto");
  capped.search.trials = 2;
  core::Result<SearchPlan> small = PlanSearch(capped, HouseSchema());
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  ASSERT_EQ(small->candidates.size(), 2u);
  EXPECT_EQ(small->candidates[0].algorithm, "linear_regression");
  EXPECT_EQ(small->candidates[1].algorithm, "xgboost_regressor");
}

}  // namespace
}  // namespace amp::training
