#include "training/model_search.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ml/model_codec.h"

namespace amp::training {
namespace {

using ::testing::HasSubstr;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A regression table: y = 3 x1 - 2 x2 + noise (a linear model wins), and the schema that goes with it.
data::Table LinearTable(int64_t rows) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> uniform(-5.0, 5.0);
  std::normal_distribution<double> noise(0.0, 0.1);
  data::Column y{"y", data::ColumnType::kNumeric, {}, {}, {}};
  data::Column x1{"x1", data::ColumnType::kNumeric, {}, {}, {}};
  data::Column x2{"x2", data::ColumnType::kNumeric, {}, {}, {}};
  for (int64_t row_idx = 0; row_idx < rows; ++row_idx) {
    double a = uniform(rng);
    double b = uniform(rng);
    x1.numbers.push_back(a);
    x2.numbers.push_back(b);
    y.numbers.push_back(3 * a - 2 * b + noise(rng));
  }
  return data::Table(rows, {y, x1, x2});
}

// A classification table whose class is a checkerboard of x1 and x2 (trees win; a linear boundary cannot).
data::Table CheckerTable(int64_t rows) {
  std::mt19937_64 rng(6);
  std::uniform_real_distribution<double> uniform(0.0, 4.0);
  data::Column label{"label", data::ColumnType::kCategorical, {}, {}, {"even", "odd"}};
  data::Column x1{"x1", data::ColumnType::kNumeric, {}, {}, {}};
  data::Column x2{"x2", data::ColumnType::kNumeric, {}, {}, {}};
  for (int64_t row_idx = 0; row_idx < rows; ++row_idx) {
    double a = uniform(rng);
    double b = uniform(rng);
    x1.numbers.push_back(a);
    x2.numbers.push_back(b);
    label.codes.push_back((static_cast<int>(a) + static_cast<int>(b)) % 2);
  }
  return data::Table(rows, {label, x1, x2});
}

data::TableSummary SchemaOf(const data::Table& table, const std::vector<int64_t>& distinct) {
  data::TableSummary schema;
  schema.row_count = table.row_count();
  for (size_t idx = 0; idx < table.columns().size(); ++idx) {
    data::ColumnSummary column;
    column.name = table.column(idx).name;
    column.type = table.column(idx).type;
    column.distinct_count = distinct[idx];
    schema.columns.push_back(column);
  }
  return schema;
}

storage::TrainRequest AutoRequest(std::string target) {
  storage::TrainRequest request;
  request.model_name = "m";
  request.dataset_id = "ds";
  request.target = std::move(target);
  request.algorithm = "auto";
  request.search.folds = 3;
  return request;
}

TEST(RankLeaderboardTest, AscendingScoreNaNLastTiesInTrialOrder) {
  std::vector<storage::LeaderboardEntry> entries(4);
  entries[0].algorithm = "a";
  entries[0].cv_score = 2.0;
  entries[1].algorithm = "b";
  entries[1].cv_score = kNaN;
  entries[2].algorithm = "c";
  entries[2].cv_score = 1.0;
  entries[3].algorithm = "d";
  entries[3].cv_score = 2.0;
  RankLeaderboard(entries);
  std::vector<std::string> order;
  for (const auto& entry : entries) order.push_back(entry.algorithm + std::to_string(entry.rank));
  EXPECT_EQ(order, (std::vector<std::string>{"c1", "a2", "d3", "b4"}));
}

// The leaderboard entries a search marked published (one, when it published).
std::vector<storage::LeaderboardEntry> Published(const SearchOutcome& outcome) {
  std::vector<storage::LeaderboardEntry> published;
  for (const storage::LeaderboardEntry& entry : outcome.leaderboard) {
    if (entry.published) published.push_back(entry);
  }
  return published;
}

TEST(ModelSearchTest, AutoRegressionRanksTrialsAndPicksTheLinearModel) {
  const data::Table table = LinearTable(300);
  storage::TrainRequest request = AutoRequest("y");
  request.search.trials = 6;  // the linear penalties and XGBoost's defaults
  core::Result<SearchPlan> plan = PlanSearch(request, SchemaOf(table, {300, 300, 300}));
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::atomic<bool> cancelled{false};
  int statuses = 0;
  core::Result<SearchOutcome> outcome = RunSearch(table, *plan, cancelled, [&](const SearchStatus&) { ++statuses; });
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_GT(statuses, 0);
  // Every trial, and the ensemble stage's entry unless its selection kept a single trial.
  ASSERT_GE(outcome->leaderboard.size(), plan->candidates.size());
  ASSERT_LE(outcome->leaderboard.size(), plan->candidates.size() + 1);
  for (size_t idx = 0; idx < outcome->leaderboard.size(); ++idx) {
    const storage::LeaderboardEntry& entry = outcome->leaderboard[idx];
    EXPECT_EQ(entry.rank, static_cast<int>(idx + 1));
    EXPECT_EQ(entry.metric, "rmse");
    EXPECT_GE(entry.cv_std, 0.0);
    if (idx > 0) {
      EXPECT_LE(outcome->leaderboard[idx - 1].cv_score, entry.cv_score);
    }
  }
  EXPECT_EQ(outcome->leaderboard.front().algorithm, "linear_regression");
  EXPECT_EQ(outcome->winner.algorithm, "linear_regression");
  EXPECT_LT(outcome->leaderboard.front().cv_score, 0.2);
  const std::vector<storage::LeaderboardEntry> published = Published(*outcome);
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].algorithm, "linear_regression");
  EXPECT_EQ(published[0].params.at("l2"), outcome->winner.l2);
  // Refit on the whole training part and scored once on the holdout.
  EXPECT_EQ(outcome->refit.train_rows, 240);
  EXPECT_EQ(outcome->refit.holdout_rows, 60);
  EXPECT_LT(outcome->refit.metrics.at("rmse"), 0.2);
}

TEST(ModelSearchTest, AutoClassificationPicksTreesOnACheckerboardAndIsByteIdentical) {
  const data::Table table = CheckerTable(400);
  storage::TrainRequest request = AutoRequest("label");
  request.cpu_budget = 3;
  request.search.trials = 7;  // every family's first point and the logistic penalties: cheap, still a race
  core::Result<SearchPlan> plan = PlanSearch(request, SchemaOf(table, {2, 400, 400}));
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::atomic<bool> cancelled{false};
  core::Result<SearchOutcome> first = RunSearch(table, *plan, cancelled);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->leaderboard.front().metric, "log_loss");
  EXPECT_NE(first->winner.algorithm, "logistic_regression");  // a tree family: no line separates a checkerboard
  EXPECT_GT(first->refit.metrics.at("accuracy"), 0.9);

  // Same data, plan and seed: the same leaderboard order and the same model bytes, whatever the thread timing.
  core::Result<SearchOutcome> second = RunSearch(table, *plan, cancelled);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(first->leaderboard.size(), second->leaderboard.size());
  for (size_t idx = 0; idx < first->leaderboard.size(); ++idx) {
    EXPECT_EQ(first->leaderboard[idx].algorithm, second->leaderboard[idx].algorithm);
    EXPECT_EQ(first->leaderboard[idx].params, second->leaderboard[idx].params);
    EXPECT_EQ(first->leaderboard[idx].cv_score, second->leaderboard[idx].cv_score);
  }
  EXPECT_EQ(ml::SerializeModel(*first->refit.model), ml::SerializeModel(*second->refit.model));
}

// y = x1 + a step in x2 + noise: the linear models miss the step, the trees approximate the slope in stairs; their
// errors differ, so a blend of the two beats either.
data::Table LineAndStepTable(int64_t rows) {
  std::mt19937_64 rng(8);
  std::uniform_real_distribution<double> uniform(-3.0, 3.0);
  std::normal_distribution<double> noise(0.0, 0.3);
  data::Column y{"y", data::ColumnType::kNumeric, {}, {}, {}};
  data::Column x1{"x1", data::ColumnType::kNumeric, {}, {}, {}};
  data::Column x2{"x2", data::ColumnType::kNumeric, {}, {}, {}};
  for (int64_t row_idx = 0; row_idx < rows; ++row_idx) {
    double a = uniform(rng);
    double b = uniform(rng);
    x1.numbers.push_back(a);
    x2.numbers.push_back(b);
    y.numbers.push_back(a + (b > 0 ? 1.5 : 0.0) + noise(rng));
  }
  return data::Table(rows, {y, x1, x2});
}

TEST(ModelSearchTest, AutoPublishesAnEnsembleThatBeatsEveryTrialAndIsByteIdentical) {
  const data::Table table = LineAndStepTable(300);
  storage::TrainRequest request = AutoRequest("y");
  request.search.trials = 2;   // one per family first: linear_regression and XGBoost's defaults
  request.search.repeats = 3;  // repeated cross-validation: the ensemble's estimate selects within each partition
  core::Result<SearchPlan> plan = PlanSearch(request, SchemaOf(table, {300, 300, 300}));
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE(plan->ensemble);
  EXPECT_EQ(plan->repeats, 3);
  std::atomic<bool> cancelled{false};
  core::Result<SearchOutcome> first = RunSearch(table, *plan, cancelled);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->leaderboard.size(), plan->candidates.size() + 1);
  const storage::LeaderboardEntry& top = first->leaderboard.front();
  EXPECT_EQ(top.algorithm, "ensemble");
  EXPECT_LT(top.cv_score, first->leaderboard[1].cv_score);
  EXPECT_EQ(top.params.at("members"), 2);
  EXPECT_EQ(first->algorithm, "ensemble");
  EXPECT_EQ(first->params.at("members"), top.params.at("members"));
  ASSERT_NE(first->refit.model, nullptr);
  EXPECT_EQ(first->refit.model->algorithm(), "ensemble");
  EXPECT_EQ(first->refit.train_rows, 240);
  EXPECT_EQ(first->refit.holdout_rows, 60);
  EXPECT_GT(first->refit.metrics.at("r2"), 0.8);
  EXPECT_FALSE(first->refit.profile_json.empty());
  EXPECT_THAT(first->log.back(), HasSubstr("winner: the ensemble"));
  EXPECT_TRUE(top.published);
  EXPECT_EQ(Published(*first).size(), 1u);

  core::Result<SearchOutcome> second = RunSearch(table, *plan, cancelled);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->leaderboard.front().cv_score, top.cv_score);
  EXPECT_EQ(ml::SerializeModel(*first->refit.model), ml::SerializeModel(*second->refit.model));
}

TEST(ModelSearchTest, GridSearchOverOneParameter) {
  const data::Table table = LinearTable(120);
  storage::TrainRequest request = AutoRequest("y");
  request.algorithm = "xgboost_regressor";
  request.search.method = "grid";
  request.search.space = {{"max_depth", {1, 3}}, {"n_estimators", {5, 30}}};
  core::Result<SearchPlan> plan = PlanSearch(request, SchemaOf(table, {120, 120, 120}));
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::atomic<bool> cancelled{false};
  core::Result<SearchOutcome> outcome = RunSearch(table, *plan, cancelled);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  ASSERT_EQ(outcome->leaderboard.size(), 4u);
  // 5 depth-1 trees cannot fit the plane as well as 30 deeper ones.
  EXPECT_EQ(outcome->leaderboard.back().params, (std::map<std::string, double>{{"max_depth", 1}, {"n_estimators", 5}}));
  EXPECT_EQ(outcome->winner.boosting.n_estimators, 30);
  EXPECT_THAT(outcome->log.back(), HasSubstr("winner: xgboost_regressor"));
  EXPECT_TRUE(outcome->leaderboard.front().published);  // a declared search publishes its first ranked
  EXPECT_EQ(Published(*outcome).size(), 1u);
}

TEST(ModelSearchTest, ATinyTimeBudgetStillKeepsAModel) {
  const data::Table table = CheckerTable(300);
  storage::TrainRequest request = AutoRequest("label");
  request.time_budget_seconds = 1e-6;
  request.cpu_budget = 1;
  core::Result<SearchPlan> plan = PlanSearch(request, SchemaOf(table, {2, 300, 300}));
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::atomic<bool> cancelled{false};
  core::Result<SearchOutcome> outcome = RunSearch(table, *plan, cancelled);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  // The first trial always finishes; the budget ran out long before the last.
  EXPECT_GE(outcome->leaderboard.size(), 1u);
  EXPECT_LT(outcome->leaderboard.size(), plan->candidates.size());
  EXPECT_NE(outcome->refit.model, nullptr);
  ASSERT_EQ(Published(*outcome).size(), 1u);
  EXPECT_EQ(Published(*outcome)[0].algorithm, outcome->algorithm);
  bool noted = false;
  for (const std::string& line : outcome->log) noted = noted || line.find("time budget ran out") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(ModelSearchTest, CancelledSearchEndsCancelled) {
  const data::Table table = CheckerTable(200);
  core::Result<SearchPlan> plan = PlanSearch(AutoRequest("label"), SchemaOf(table, {2, 200, 200}));
  ASSERT_TRUE(plan.ok());
  std::atomic<bool> cancelled{true};
  core::Result<SearchOutcome> outcome = RunSearch(table, *plan, cancelled);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), core::StatusCode::kCancelled);
}

// The plan's linear_regression candidate with penalty `l2` (auto's grid has every value CrossValidateTest uses).
const TrainPlan& LinearCandidate(const SearchPlan& plan, double l2) {
  for (const TrainPlan& candidate : plan.candidates) {
    if (candidate.algorithm == "linear_regression" && candidate.l2 == l2) return candidate;
  }
  ADD_FAILURE() << "no linear_regression candidate with l2 " << l2;
  return plan.candidates.front();
}

TEST(CrossValidateTest, ScoresEveryFoldOnTheTrainingPartOnly) {
  const data::Table table = LinearTable(100);
  core::Result<SearchPlan> plan = PlanSearch(AutoRequest("y"), SchemaOf(table, {100, 100, 100}));
  ASSERT_TRUE(plan.ok());
  std::atomic<bool> cancelled{false};
  const TrainPlan& unpenalized = LinearCandidate(*plan, 0.0);
  core::Result<CrossValidation> cv = CrossValidate(table, unpenalized, 4, cancelled);
  ASSERT_TRUE(cv.ok()) << cv.status().ToString();
  EXPECT_EQ(cv->metric, "rmse");
  ASSERT_EQ(cv->fold_scores.size(), 4u);
  for (double score : cv->fold_scores) EXPECT_LT(score, 0.3);
  core::Result<CrossValidation> too_many = CrossValidate(table, unpenalized, 81, cancelled);
  ASSERT_FALSE(too_many.ok());
  EXPECT_THAT(too_many.status().message(), HasSubstr("the training part has 80"));
}

TEST(CrossValidateTest, RepeatedFoldsAverageSeveralPartitions) {
  const data::Table table = LinearTable(100);
  core::Result<SearchPlan> plan = PlanSearch(AutoRequest("y"), SchemaOf(table, {100, 100, 100}));
  ASSERT_TRUE(plan.ok());
  const TrainPlan& candidate = LinearCandidate(*plan, 0.0);
  std::atomic<bool> cancelled{false};
  core::Result<CrossValidation> once = CrossValidate(table, candidate, 4, cancelled);
  core::Result<CrossValidation> thrice = CrossValidate(table, candidate, 4, cancelled, {}, 3);
  ASSERT_TRUE(once.ok()) << once.status().ToString();
  ASSERT_TRUE(thrice.ok()) << thrice.status().ToString();
  const size_t rows = once->out_of_fold.size();
  ASSERT_EQ(rows, 80u);
  ASSERT_EQ(thrice->fold_scores.size(), 12u);
  ASSERT_EQ(thrice->out_of_fold.size(), 3 * rows);
  ASSERT_EQ(thrice->fold_of.size(), 3 * rows);
  ASSERT_EQ(thrice->targets.size(), 3 * rows);
  // The first repeat is the single partition, score for score and row for row.
  for (size_t fold = 0; fold < 4; ++fold) EXPECT_EQ(thrice->fold_scores[fold], once->fold_scores[fold]);
  for (size_t row = 0; row < rows; ++row) {
    EXPECT_EQ(thrice->fold_of[row], once->fold_of[row]);
    EXPECT_EQ(thrice->out_of_fold[row], once->out_of_fold[row]);
  }
  // Each later block numbers its folds after the earlier ones' and holds the same rows' targets, in another
  // partition (the first block's folds do not simply recur).
  bool partition_differs = false;
  for (size_t block = 1; block < 3; ++block) {
    for (size_t row = 0; row < rows; ++row) {
      const int fold = thrice->fold_of[block * rows + row];
      EXPECT_GE(fold, static_cast<int>(block) * 4);
      EXPECT_LT(fold, static_cast<int>(block + 1) * 4);
      EXPECT_EQ(thrice->targets[block * rows + row], once->targets[row]);
      if (fold - static_cast<int>(block) * 4 != once->fold_of[row]) partition_differs = true;
    }
  }
  EXPECT_TRUE(partition_differs);
  double sum = 0.0;
  for (double score : thrice->fold_scores) sum += score;
  EXPECT_NEAR(thrice->mean, sum / 12, 1e-12);
  for (double score : thrice->fold_scores) EXPECT_LT(score, 0.3);
}

// y = x1 + 1.5 [x1 > 0] + noise: the step gives a blend with a forest a small edge on average that the noise hides
// fold by fold.
data::Table NoisyStepTable(int64_t rows) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> uniform(-3.0, 3.0);
  std::normal_distribution<double> noise(0.0, 1.0);
  data::Column y{"y", data::ColumnType::kNumeric, {}, {}, {}};
  data::Column x1{"x1", data::ColumnType::kNumeric, {}, {}, {}};
  for (int64_t row_idx = 0; row_idx < rows; ++row_idx) {
    const double a = uniform(rng);
    x1.numbers.push_back(a);
    y.numbers.push_back(a + (a > 0 ? 1.5 : 0.0) + noise(rng));
  }
  return data::Table(rows, {y, x1});
}

TEST(ModelSearchTest, AutoPublishesASimplerModelWithinOneStandardErrorOfTheFirst) {
  const data::Table table = NoisyStepTable(120);
  storage::TrainRequest request = AutoRequest("y");
  core::Result<SearchPlan> plan = PlanSearch(request, SchemaOf(table, {120, 120}));
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::atomic<bool> cancelled{false};
  core::Result<SearchOutcome> outcome = RunSearch(table, *plan, cancelled);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  // The ensemble of linear regression and a forest ranks first by its cross-validated estimate, but linear
  // regression is within one standard error of it fold by fold: the simpler model is published, and the log says so.
  ASSERT_FALSE(outcome->leaderboard.empty());
  EXPECT_EQ(outcome->leaderboard.front().algorithm, "ensemble");
  EXPECT_EQ(outcome->algorithm, "linear_regression");
  ASSERT_NE(outcome->refit.model, nullptr);
  EXPECT_EQ(outcome->refit.model->algorithm(), "linear_regression");
  // The leaderboard says which row was published: not the first.
  const std::vector<storage::LeaderboardEntry> published = Published(*outcome);
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].algorithm, "linear_regression");
  EXPECT_GT(published[0].rank, 1);
  bool explained = false;
  for (const std::string& line : outcome->log) {
    explained = explained || (line.starts_with("one-standard-error rule: trial ") &&
                              line.find("within one standard error") != std::string::npos &&
                              line.find("publishing the simpler model") != std::string::npos);
  }
  EXPECT_TRUE(explained) << ::testing::PrintToString(outcome->log);
  EXPECT_THAT(outcome->log.back(), HasSubstr("winner: linear_regression"));

  core::Result<SearchOutcome> second = RunSearch(table, *plan, cancelled);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(ml::SerializeModel(*outcome->refit.model), ml::SerializeModel(*second->refit.model));
}

// y = 0.5 x1 + noise plus `noise_columns` columns of pure noise: with few rows and many noise columns a heavy ridge
// penalty is better fold after fold; with one noise column the penalties are within the folds' noise of each other.
data::Table NoiseColumnsTable(int64_t rows, int noise_columns, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<data::Column> columns;
  columns.push_back({"y", data::ColumnType::kNumeric, {}, {}, {}});
  for (int idx = 0; idx <= noise_columns; ++idx) {
    columns.push_back({"x" + std::to_string(idx), data::ColumnType::kNumeric, {}, {}, {}});
  }
  for (int64_t row_idx = 0; row_idx < rows; ++row_idx) {
    for (size_t idx = 1; idx < columns.size(); ++idx) columns[idx].numbers.push_back(normal(rng));
    columns[0].numbers.push_back(0.5 * columns[1].numbers.back() + normal(rng));
  }
  return data::Table(rows, std::move(columns));
}

// Runs auto with linear regression alone (XGBoost's trials would only slow the test down) and returns the outcome.
core::Result<SearchOutcome> SearchLinearOnly(const data::Table& table) {
  storage::TrainRequest request = AutoRequest("y");
  request.search.folds = 5;
  core::Result<SearchPlan> plan =
      PlanSearch(request, SchemaOf(table, std::vector<int64_t>(table.columns().size(), table.row_count())));
  if (!plan.ok()) return plan.status();
  // The linear family's trials only, in plan order (the default first).
  SearchPlan linear = *plan;
  linear.candidates.clear();
  linear.searched_params.clear();
  linear.family_defaults.clear();
  for (size_t idx = 0; idx < plan->candidates.size(); ++idx) {
    if (plan->candidates[idx].algorithm != "linear_regression") continue;
    linear.candidates.push_back(plan->candidates[idx]);
    linear.searched_params.push_back(plan->searched_params[idx]);
    linear.family_defaults.push_back(plan->family_defaults[idx]);
  }
  std::atomic<bool> cancelled{false};
  return RunSearch(table, linear, cancelled);
}

TEST(ModelSearchTest, AutoMarksEachFamilysDefaultSetting) {
  const data::Table table = LinearTable(100);
  core::Result<SearchPlan> plan = PlanSearch(AutoRequest("y"), SchemaOf(table, {100, 100, 100}));
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->family_defaults.size(), plan->candidates.size());
  std::vector<std::string> defaults;
  for (size_t idx = 0; idx < plan->candidates.size(); ++idx) {
    if (!plan->family_defaults[idx]) continue;
    defaults.push_back(plan->candidates[idx].algorithm);
    if (plan->candidates[idx].algorithm == "linear_regression") {
      EXPECT_EQ(plan->searched_params[idx], (std::map<std::string, double>{{"l2", 1}}));
    }
    if (plan->candidates[idx].algorithm == "xgboost_regressor") {  // XGBoost's own defaults
      EXPECT_EQ(plan->searched_params[idx],
                (std::map<std::string, double>{{"learning_rate", 0.3}, {"max_depth", 6}, {"n_estimators", 100}}));
    }
  }
  EXPECT_THAT(defaults, ::testing::ElementsAre("linear_regression", "xgboost_regressor", "random_forest_regressor"));
  storage::TrainRequest grid = AutoRequest("y");
  grid.algorithm = "linear_regression";
  grid.search.method = "grid";
  grid.search.space = {{"l2", {0, 1, 10}}};
  core::Result<SearchPlan> searched = PlanSearch(grid, SchemaOf(table, {100, 100, 100}));
  ASSERT_TRUE(searched.ok()) << searched.status().ToString();
  EXPECT_TRUE(searched->family_defaults.empty());  // a search the request declares has no default to keep
}

TEST(ModelSearchTest, AutoKeepsAFamilysDefaultWhenATunedSettingGainsLessThanTheNoise) {
  const data::Table table = NoiseColumnsTable(150, 1, 21);
  core::Result<SearchOutcome> outcome = SearchLinearOnly(table);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  // Another penalty ranks first by a hair; the default l2 = 1 is published, and the log says why.
  ASSERT_FALSE(outcome->leaderboard.empty());
  EXPECT_NE(outcome->leaderboard.front().params, (std::map<std::string, double>{{"l2", 1}}));
  EXPECT_EQ(outcome->winner.l2, 1.0);
  const std::vector<storage::LeaderboardEntry> published = Published(*outcome);
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].params, (std::map<std::string, double>{{"l2", 1}}));
  EXPECT_FALSE(outcome->leaderboard.front().published);
  bool explained = false;
  for (const std::string& line : outcome->log) {
    explained =
        explained || (line.starts_with("defaults rule: trial 1 linear_regression (l2=1), the family's default") &&
                      line.ends_with("publishing the default"));
  }
  EXPECT_TRUE(explained) << ::testing::PrintToString(outcome->log);
}

TEST(ModelSearchTest, AutoReplacesAFamilysDefaultByASettingClearlyBetterFoldByFold) {
  const data::Table table = NoiseColumnsTable(60, 30, 22);
  core::Result<SearchOutcome> outcome = SearchLinearOnly(table);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_GE(outcome->winner.l2, 30.0);  // 30 noise columns and 48 rows per fold: a heavy penalty
  for (const std::string& line : outcome->log) EXPECT_FALSE(line.starts_with("defaults rule:")) << line;
}

}  // namespace
}  // namespace amp::training
