#include "training/train_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

namespace amp::training {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

data::TableSummary HouseSchema() {
  data::TableSummary schema;
  schema.row_count = 100;
  for (auto [name, type, distinct] : std::vector<std::tuple<std::string, data::ColumnType, int64_t>>{
           {"price", data::ColumnType::kNumeric, 400},
           {"sqft", data::ColumnType::kInteger, 80},
           {"city", data::ColumnType::kCategorical, 3},
           {"garage", data::ColumnType::kBoolean, 2},
           {"age", data::ColumnType::kNumeric, 60},
           {"country", data::ColumnType::kCategorical, 1},
       }) {
    data::ColumnSummary column;
    column.name = name;
    column.type = type;
    column.distinct_count = distinct;
    schema.columns.push_back(column);
  }
  return schema;
}

storage::TrainRequest Request(std::string target, std::vector<std::string> features = {},
                              std::map<std::string, double> params = {}, std::string algorithm = "") {
  storage::TrainRequest request;
  request.model_name = "houses";
  request.dataset_id = "ds_1";
  request.target = std::move(target);
  request.features = std::move(features);
  request.params = std::move(params);
  request.algorithm = std::move(algorithm);
  return request;
}

TEST(TrainPlanTest, Errors) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  data::TableSummary target_only;
  target_only.columns.push_back(HouseSchema().columns[0]);
  struct Case {
    std::string name;
    storage::TrainRequest request;
    data::TableSummary schema;
    std::string want_message;  // a substring
  };
  const data::TableSummary houses = HouseSchema();
  const std::vector<Case> cases = {
      {"unknown algorithm", Request("price", {}, {}, "xgboost"), houses, "unknown algorithm 'xgboost'"},
      {"algorithm in capitals", Request("price", {}, {}, "Linear_Regression"), houses, "unknown algorithm"},
      {"unknown parameter", Request("price", {}, {{"lambda", 1.0}}), houses, "unknown parameter 'lambda'"},
      {"negative l2", Request("price", {}, {{"l2", -0.5}}), houses, "'l2' must be >= 0"},
      {"infinite l2", Request("price", {}, {{"l2", kInf}}), houses, "'l2' must be a finite number"},
      {"NaN l2", Request("price", {}, {{"l2", kNaN}}), houses, "'l2' must be a finite number"},
      {"holdout 1.0", Request("price", {}, {{"holdout_fraction", 1.0}}), houses,
       "'holdout_fraction' must be in [0, 1)"},
      {"holdout above 1", Request("price", {}, {{"holdout_fraction", 2.0}}), houses, "'holdout_fraction'"},
      {"negative holdout", Request("price", {}, {{"holdout_fraction", -0.1}}), houses, "'holdout_fraction'"},
      {"seed 1.5", Request("price", {}, {{"seed", 1.5}}), houses, "'seed' must be a whole number >= 0"},
      {"negative seed", Request("price", {}, {{"seed", -1.0}}), houses, "'seed'"},
      {"seed beyond 2^53", Request("price", {}, {{"seed", 1e17}}), houses, "'seed'"},
      {"infinite seed", Request("price", {}, {{"seed", kInf}}), houses, "'seed' must be a finite number"},
      {"no target", Request(""), houses, "'target' is required"},
      {"missing target", Request("cost"), houses, "target column 'cost' is not in the dataset"},
      {"target differs in case", Request("Price"), houses, "target column 'Price' is not in the dataset"},
      {"categorical target", Request("city", {}, {}, "linear_regression"), houses,
       "target column 'city' is categorical; regression needs a numeric target"},
      {"boolean target", Request("garage", {}, {}, "linear_regression"), houses, "target column 'garage' is boolean"},
      {"one class", Request("country"), houses, "target column 'country' has only one class"},
      {"one class for logistic", Request("country", {}, {}, "logistic_regression"), houses, "only one class"},
      {"classifier for a regression", Request("price", {}, {}, "logistic_regression"), houses,
       "target column 'price' has 400 distinct values"},
      {"regression algorithm for classes", Request("city", {}, {}, "xgboost_regressor"), houses,
       "target column 'city' is categorical; regression needs a numeric target"},
      {"C of zero", Request("city", {}, {{"C", 0.0}}), houses, "parameter 'C' must be > 0"},
      {"balanced 2", Request("city", {}, {{"balanced_class_weights", 2.0}}), houses,
       "parameter 'balanced_class_weights' must be 0 or 1"},
      {"l2 for logistic", Request("city", {}, {{"l2", 1.0}}), houses,
       "unknown parameter 'l2' for logistic_regression; known: C, balanced_class_weights, max_iter, holdout_fraction, "
       "seed"},
      {"unknown feature", Request("price", {"sqft", "pool"}), houses, "feature column 'pool' is not in the dataset"},
      {"target listed as feature", Request("price", {"sqft", "price"}), houses,
       "the target 'price' cannot also be a feature"},
      {"duplicate feature", Request("price", {"sqft", "age", "sqft"}), houses, "feature 'sqft' is listed twice"},
      {"no features left", Request("price"), target_only, "no feature columns to train on"},
      // xgboost_regressor's parameters, and each algorithm refusing the other's.
      {"l2 for trees", Request("price", {}, {{"l2", 1.0}}, "xgboost_regressor"), houses,
       "unknown parameter 'l2' for xgboost_regressor; known: n_estimators, max_depth, learning_rate, subsample, "
       "colsample_bytree, min_child_weight, reg_lambda, early_stopping_rounds, nthread, holdout_fraction, seed"},
      {"max_depth for linear", Request("price", {}, {{"max_depth", 3.0}}), houses,
       "unknown parameter 'max_depth' for linear_regression; known: l2, alpha, l1_ratio, max_iter, tol, "
       "holdout_fraction, seed"},
      {"ridge and lasso at once", Request("price", {}, {{"l2", 1.0}, {"alpha", 0.1}}), houses,
       "parameters 'l2' (ridge) and 'alpha' (lasso / elastic net) exclude each other"},
      {"l1_ratio above 1", Request("price", {}, {{"alpha", 0.1}, {"l1_ratio", 1.5}}), houses,
       "parameter 'l1_ratio' must be in [0, 1]"},
      {"forest learning rate", Request("price", {}, {{"learning_rate", 0.1}}, "random_forest_regressor"), houses,
       "unknown parameter 'learning_rate' for random_forest_regressor; known: n_estimators, max_depth, subsample, "
       "colsample_bynode, min_child_weight, reg_lambda, nthread, holdout_fraction, seed"},
      {"forest for classes", Request("city", {}, {}, "random_forest_regressor"), houses,
       "target column 'city' is categorical; regression needs a numeric target"},
      {"balanced regression trees", Request("price", {}, {{"balanced_class_weights", 1.0}}, "xgboost_regressor"),
       houses, "unknown parameter 'balanced_class_weights' for xgboost_regressor"},
      {"kmeans with a target", Request("price", {}, {}, "kmeans"), houses, "clustering takes no target"},
      {"kmeans for regression",
       [] {
         storage::TrainRequest request = Request("", {}, {}, "kmeans");
         request.task = "regression";
         return request;
       }(),
       houses, "kmeans does clustering, not task 'regression'"},
      {"clustering with trees",
       [] {
         storage::TrainRequest request = Request("", {}, {}, "xgboost_regressor");
         request.task = "clustering";
         return request;
       }(),
       houses, "xgboost_regressor cannot do clustering; use kmeans"},
      {"kmeans k 0", Request("", {}, {{"k", 0.0}}, "kmeans"), houses, "parameter 'k' must be a whole number in [1, 1000]"},
      {"no target", Request(""), houses, "'target' is required"},
      {"sklearn alias", Request("price", {}, {{"eta", 0.1}}, "xgboost_regressor"), houses, "unknown parameter 'eta'"},
      {"no trees", Request("price", {}, {{"n_estimators", 0.0}}, "xgboost_regressor"), houses,
       "parameter 'n_estimators' must be a whole number in [1, 10000]"},
      {"fractional trees", Request("price", {}, {{"n_estimators", 10.5}}, "xgboost_regressor"), houses,
       "'n_estimators' must be a whole number"},
      {"too many trees", Request("price", {}, {{"n_estimators", 10001.0}}, "xgboost_regressor"), houses,
       "'n_estimators'"},
      {"depth 0", Request("price", {}, {{"max_depth", 0.0}}, "xgboost_regressor"), houses,
       "parameter 'max_depth' must be a whole number in [1, 24]"},
      {"depth 25", Request("price", {}, {{"max_depth", 25.0}}, "xgboost_regressor"), houses, "'max_depth'"},
      {"learning rate 0", Request("price", {}, {{"learning_rate", 0.0}}, "xgboost_regressor"), houses,
       "parameter 'learning_rate' must be in (0, 1]"},
      {"learning rate above 1", Request("price", {}, {{"learning_rate", 1.5}}, "xgboost_regressor"), houses,
       "'learning_rate'"},
      {"subsample 0", Request("price", {}, {{"subsample", 0.0}}, "xgboost_regressor"), houses,
       "parameter 'subsample' must be in (0, 1]"},
      {"subsample above 1", Request("price", {}, {{"subsample", 1.01}}, "xgboost_regressor"), houses, "'subsample'"},
      {"colsample 0", Request("price", {}, {{"colsample_bytree", 0.0}}, "xgboost_regressor"), houses,
       "parameter 'colsample_bytree' must be in (0, 1]"},
      {"negative min_child_weight", Request("price", {}, {{"min_child_weight", -1.0}}, "xgboost_regressor"), houses,
       "parameter 'min_child_weight' must be >= 0"},
      {"negative reg_lambda", Request("price", {}, {{"reg_lambda", -0.1}}, "xgboost_regressor"), houses,
       "parameter 'reg_lambda' must be >= 0"},
      {"infinite reg_lambda", Request("price", {}, {{"reg_lambda", kInf}}, "xgboost_regressor"), houses,
       "parameter 'reg_lambda' must be a finite number"},
      {"negative early stopping", Request("price", {}, {{"early_stopping_rounds", -1.0}}, "xgboost_regressor"), houses,
       "parameter 'early_stopping_rounds' must be a whole number in [0, 10000]"},
      {"fractional early stopping", Request("price", {}, {{"early_stopping_rounds", 2.5}}, "xgboost_regressor"), houses,
       "'early_stopping_rounds'"},
      {"no threads", Request("price", {}, {{"nthread", 0.0}}, "xgboost_regressor"), houses,
       "parameter 'nthread' must be a whole number in [1, 64]"},
      {"NaN threads", Request("price", {}, {{"nthread", kNaN}}, "xgboost_regressor"), houses,
       "parameter 'nthread' must be a finite number"},
      {"tree seed 1.5", Request("price", {}, {{"seed", 1.5}}, "xgboost_regressor"), houses,
       "'seed' must be a whole number >= 0"},
      {"tree holdout 1.0", Request("price", {}, {{"holdout_fraction", 1.0}}, "xgboost_regressor"), houses,
       "'holdout_fraction' must be in [0, 1)"},
      {"categorical target for trees", Request("city", {}, {}, "xgboost_regressor"), houses,
       "target column 'city' is categorical; regression needs a numeric target"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    core::Result<TrainPlan> plan = PlanTraining(c.request, c.schema);
    ASSERT_FALSE(plan.ok());
    EXPECT_EQ(plan.status().code(), core::StatusCode::kFailedPrecondition);
    EXPECT_THAT(plan.status().message(), HasSubstr(c.want_message));
  }
}

TEST(TrainPlanTest, UnknownAlgorithmListsTheSupportedOnes) {
  core::Result<TrainPlan> plan = PlanTraining(Request("price", {}, {}, "svm"), HouseSchema());
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(plan.status().message(),
              HasSubstr("supported: linear_regression, logistic_regression, xgboost_regressor, xgboost_classifier, "
                        "random_forest_regressor, random_forest_classifier, kmeans"));
  EXPECT_THAT(SupportedAlgorithms(),
              ElementsAre("linear_regression", "logistic_regression", "xgboost_regressor", "xgboost_classifier",
                          "random_forest_regressor", "random_forest_classifier", "kmeans"));
}

TEST(TrainPlanTest, RandomForestsDefaultToScikitLearnsForests) {
  core::Result<TrainPlan> plan = PlanTraining(Request("city", {}, {}, "random_forest_classifier"), HouseSchema());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->boosting.num_parallel_tree, 100);
  EXPECT_EQ(plan->boosting.n_estimators, 1);
  EXPECT_EQ(plan->boosting.learning_rate, 1.0);
  EXPECT_EQ(plan->boosting.colsample_bynode, 0.0);  // the square root rule
  EXPECT_EQ(plan->boosting.subsample, 0.632);
  EXPECT_THAT(plan->Params(),
              ElementsAre(Pair("balanced_class_weights", 0.0), Pair("colsample_bynode", 0.0),
                          Pair("holdout_fraction", 0.2), Pair("max_depth", 16.0), Pair("min_child_weight", 1.0),
                          Pair("n_estimators", 100.0), Pair("nthread", 1.0), Pair("reg_lambda", 1e-5),
                          Pair("seed", 42.0), Pair("subsample", 0.632)));
  plan = PlanTraining(Request("price", {}, {{"n_estimators", 20.0}, {"colsample_bynode", 0.5}},
                              "random_forest_regressor"),
                      HouseSchema());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->task, ml::Task::kRegression);
  EXPECT_EQ(plan->boosting.num_parallel_tree, 20);
  EXPECT_EQ(plan->boosting.colsample_bynode, 0.5);
}

TEST(TrainPlanTest, ElasticNetParametersAreRecordedOnlyWhenUsed) {
  core::Result<TrainPlan> plan = PlanTraining(Request("price", {}, {{"alpha", 0.5}, {"l1_ratio", 1.0}}), HouseSchema());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->elastic_net.alpha, 0.5);
  EXPECT_THAT(plan->Params(), ElementsAre(Pair("alpha", 0.5), Pair("holdout_fraction", 0.2), Pair("l1_ratio", 1.0),
                                          Pair("l2", 0.0), Pair("max_iter", 1000.0), Pair("seed", 42.0),
                                          Pair("tol", 1e-4)));
}

TEST(TrainPlanTest, ClusteringNeedsNoTarget) {
  storage::TrainRequest request = Request("", {}, {{"k", 4.0}});
  request.task = "clustering";
  core::Result<TrainPlan> plan = PlanTraining(request, HouseSchema());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->algorithm, "kmeans");
  EXPECT_EQ(plan->task, ml::Task::kClustering);
  EXPECT_EQ(plan->kmeans.k, 4);
  std::vector<std::string> loaded;
  for (const data::ColumnSpec& column : plan->ColumnsToLoad()) loaded.push_back(column.name);
  EXPECT_THAT(loaded, ElementsAre("price", "sqft", "city", "garage", "age", "country"));  // every column, no target
  EXPECT_THAT(plan->Params(), ElementsAre(Pair("holdout_fraction", 0.2), Pair("k", 4.0), Pair("max_iter", 300.0),
                                          Pair("n_init", 10.0), Pair("seed", 42.0), Pair("tol", 1e-4)));
  // The algorithm alone implies the task.
  plan = PlanTraining(Request("", {"sqft", "age"}, {}, "kmeans"), HouseSchema());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->features.size(), 2u);
}

TEST(TrainPlanTest, DefaultsUseEveryOtherColumnAsAFeature) {
  core::Result<TrainPlan> plan = PlanTraining(Request("price"), HouseSchema());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->algorithm, "linear_regression");
  EXPECT_EQ(plan->target.name, "price");
  EXPECT_EQ(plan->target.type, data::ColumnType::kNumeric);
  std::vector<std::string> names;
  for (const data::ColumnSpec& feature : plan->features) names.push_back(feature.name);
  // Schema order; "country" has one value in every row, so the default leaves it out and says why.
  EXPECT_THAT(names, ElementsAre("sqft", "city", "garage", "age"));
  ASSERT_EQ(plan->columns.size(), 6u);
  EXPECT_EQ(plan->columns[5].exclusion, data::Exclusion::kConstant);
  EXPECT_EQ(plan->columns[0].exclusion, data::Exclusion::kTarget);
  EXPECT_THAT(plan->feature_roles, ElementsAre(data::ColumnRole::kNumeric, data::ColumnRole::kCategorical,
                                               data::ColumnRole::kBoolean, data::ColumnRole::kNumeric));
  EXPECT_EQ(plan->features[1].type, data::ColumnType::kCategorical);
  EXPECT_EQ(plan->features[2].type, data::ColumnType::kBoolean);
  EXPECT_EQ(plan->l2, 0.0);
  EXPECT_EQ(plan->holdout_fraction, 0.2);
  EXPECT_EQ(plan->seed, 42u);
  EXPECT_THAT(plan->Params(), ElementsAre(Pair("holdout_fraction", 0.2), Pair("l2", 0.0), Pair("seed", 42.0)));

  std::vector<std::string> loaded;
  for (const data::ColumnSpec& column : plan->ColumnsToLoad()) loaded.push_back(column.name);
  EXPECT_THAT(loaded, ElementsAre("price", "sqft", "city", "garage", "age"));
}

TEST(TrainPlanTest, TheTaskDecidesTheDefaultAlgorithm) {
  struct Case {
    std::string target;
    std::string algorithm;
    std::string task;
    std::string want_algorithm;
    ml::Task want_task;
  } cases[] = {
      {"price", "", "", "linear_regression", ml::Task::kRegression},
      {"city", "", "", "logistic_regression", ml::Task::kMulticlassClassification},
      {"garage", "", "", "logistic_regression", ml::Task::kBinaryClassification},
      {"sqft", "", "", "linear_regression", ml::Task::kRegression},  // 80 whole numbers: a count
      {"sqft", "", "classification", "logistic_regression", ml::Task::kMulticlassClassification},
      {"sqft", "logistic_regression", "", "logistic_regression", ml::Task::kMulticlassClassification},
      {"garage", "logistic_regression", "binary_classification", "logistic_regression",
       ml::Task::kBinaryClassification},
      {"price", "xgboost_regressor", "regression", "xgboost_regressor", ml::Task::kRegression},
  };
  for (const Case& c : cases) {
    storage::TrainRequest request = Request(c.target, {}, {}, c.algorithm);
    request.task = c.task;
    core::Result<TrainPlan> plan = PlanTraining(request, HouseSchema());
    ASSERT_TRUE(plan.ok()) << c.target << ": " << plan.status().ToString();
    EXPECT_EQ(plan->algorithm, c.want_algorithm) << c.target;
    EXPECT_EQ(plan->task, c.want_task) << c.target;
  }
  storage::TrainRequest mismatch = Request("garage", {}, {}, "linear_regression");
  mismatch.task = "classification";
  core::Result<TrainPlan> plan = PlanTraining(mismatch, HouseSchema());
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(plan.status().message(),
              HasSubstr("linear_regression cannot train a binary_classification of target 'garage'; use "
                        "logistic_regression"));
}

TEST(TrainPlanTest, LogisticParametersAreResolved) {
  core::Result<TrainPlan> plan = PlanTraining(
      Request("city", {}, {{"C", 0.25}, {"balanced_class_weights", 1.0}, {"max_iter", 50.0}}), HouseSchema());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->logistic.c, 0.25);
  EXPECT_TRUE(plan->logistic.balanced);
  EXPECT_EQ(plan->logistic.max_iterations, 50);
  EXPECT_THAT(plan->Params(), ElementsAre(Pair("C", 0.25), Pair("balanced_class_weights", 1.0),
                                          Pair("holdout_fraction", 0.2), Pair("max_iter", 50.0), Pair("seed", 42.0)));
}

TEST(TrainPlanTest, TargetInTheMiddleIsSkippedByDefault) {
  core::Result<TrainPlan> plan = PlanTraining(Request("age", {}, {}, "linear_regression"), HouseSchema());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::vector<std::string> names;
  for (const data::ColumnSpec& feature : plan->features) names.push_back(feature.name);
  EXPECT_THAT(names, ElementsAre("price", "sqft", "city", "garage"));
}

data::TableSummary CustomerSchema() {
  data::TableSummary schema;
  schema.row_count = 100;
  auto add = [&](std::string name, data::ColumnType type, int64_t distinct, std::string pii = "",
                 std::vector<std::string> top = {}) {
    data::ColumnSummary column;
    column.name = std::move(name);
    column.type = type;
    column.distinct_count = distinct;
    column.pii = std::move(pii);
    for (std::string& value : top) column.top_values.push_back({std::move(value), 1});
    schema.columns.push_back(std::move(column));
  };
  add("churned", data::ColumnType::kBoolean, 2, "", {"true", "false"});
  add("customer_id", data::ColumnType::kInteger, 100);
  // Shared by households, so not unique enough to be ID-like once allowed.
  add("email", data::ColumnType::kCategorical, 60, "email", {"a@example.com"});
  add("phone", data::ColumnType::kCategorical, 40, "phone", {"+44 20 7946 0000"});
  add("signup", data::ColumnType::kCategorical, 90, "", {"2024-01-05", "2023-11-30"});
  add("spend", data::ColumnType::kNumeric, 95);
  return schema;
}

TEST(TrainPlanTest, PersonalDataIsExcludedUnlessAllowed) {
  core::Result<TrainPlan> plan = PlanTraining(Request("churned"), CustomerSchema());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::vector<std::string> names;
  for (const data::ColumnSpec& feature : plan->features) names.push_back(feature.name);
  EXPECT_THAT(names, ElementsAre("signup", "spend"));
  EXPECT_THAT(plan->feature_roles, ElementsAre(data::ColumnRole::kDateTime, data::ColumnRole::kNumeric));
  EXPECT_EQ(plan->columns[1].exclusion, data::Exclusion::kIdLike);
  EXPECT_EQ(plan->columns[2].exclusion, data::Exclusion::kPersonalData);
  EXPECT_THAT(plan->columns[2].reason, HasSubstr("allow_personal_data"));
  EXPECT_EQ(plan->columns[3].exclusion, data::Exclusion::kPersonalData);

  storage::TrainRequest one = Request("churned");
  one.allow_personal_data = {"phone"};
  plan = PlanTraining(one, CustomerSchema());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  names.clear();
  for (const data::ColumnSpec& feature : plan->features) names.push_back(feature.name);
  EXPECT_THAT(names, ElementsAre("phone", "signup", "spend"));

  storage::TrainRequest all = Request("churned");
  all.allow_personal_data_all = true;
  plan = PlanTraining(all, CustomerSchema());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->features.size(), 4u);  // email, phone, signup, spend; the id stays out

  // Listing a personal-data column explicitly is not enough.
  core::Result<TrainPlan> listed = PlanTraining(Request("churned", {"email", "spend"}), CustomerSchema());
  EXPECT_EQ(listed.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_THAT(listed.status().message(), HasSubstr("feature 'email' looks like personal or payment data (email)"));
  storage::TrainRequest allowed_listed = Request("churned", {"email", "spend"});
  allowed_listed.allow_personal_data = {"email"};
  EXPECT_TRUE(PlanTraining(allowed_listed, CustomerSchema()).ok());

  storage::TrainRequest typo = Request("churned");
  typo.allow_personal_data = {"e-mail"};
  EXPECT_THAT(PlanTraining(typo, CustomerSchema()).status().message(),
              HasSubstr("allow_personal_data names 'e-mail', which is not a column"));
}

TEST(TrainPlanTest, ListedColumnsAreUsedAsAskedAndTheRestAreNotRequested) {
  core::Result<TrainPlan> plan = PlanTraining(Request("churned", {"customer_id"}), CustomerSchema());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->columns[1].role, data::ColumnRole::kNumeric);
  EXPECT_THAT(plan->columns[1].reason, HasSubstr("request lists it, though it looks like an identifier"));
  EXPECT_EQ(plan->columns[5].exclusion, data::Exclusion::kNotRequested);
}

TEST(TrainPlanTest, NothingLeftAfterCleaningIsRefusedWithTheReasons) {
  data::TableSummary schema = CustomerSchema();
  schema.columns.erase(schema.columns.begin() + 4, schema.columns.end());  // keep churned, id, email, phone
  core::Result<TrainPlan> plan = PlanTraining(Request("churned"), schema);
  EXPECT_EQ(plan.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_THAT(plan.status().message(), HasSubstr("no feature columns to train on"));
  EXPECT_THAT(plan.status().message(), HasSubstr("'customer_id' looks like an identifier"));
  EXPECT_THAT(plan.status().message(), HasSubstr("'email' looks like personal or payment data"));

  data::TableSummary no_target = HouseSchema();
  no_target.columns[0].missing_count = 99;  // one row with a price
  plan = PlanTraining(Request("price"), no_target);
  EXPECT_EQ(plan.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_THAT(plan.status().message(), HasSubstr("fewer than 2 rows have a value for the target 'price'"));
}

TEST(TrainPlanTest, ExplicitFeaturesKeepTheirOrder) {
  core::Result<TrainPlan> plan = PlanTraining(Request("price", {"garage", "sqft"}), HouseSchema());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->features.size(), 2u);
  EXPECT_EQ(plan->features[0].name, "garage");
  EXPECT_EQ(plan->features[0].type, data::ColumnType::kBoolean);
  EXPECT_EQ(plan->features[1].name, "sqft");
  EXPECT_EQ(plan->features[1].type, data::ColumnType::kInteger);
  std::vector<std::string> loaded;
  for (const data::ColumnSpec& column : plan->ColumnsToLoad()) loaded.push_back(column.name);
  EXPECT_THAT(loaded, ElementsAre("price", "garage", "sqft"));
}

TEST(TrainPlanTest, ParametersAreResolved) {
  struct Case {
    std::map<std::string, double> params;
    double want_l2;
    double want_holdout;
    uint64_t want_seed;
  };
  const std::vector<Case> cases = {
      {{}, 0.0, 0.2, 42},
      {{{"l2", 2.5}}, 2.5, 0.2, 42},
      {{{"l2", 0.0}, {"holdout_fraction", 0.0}, {"seed", 0.0}}, 0.0, 0.0, 0},
      {{{"holdout_fraction", 0.999}, {"seed", 7.0}}, 0.0, 0.999, 7},
      {{{"seed", 9007199254740992.0}}, 0.0, 0.2, 9007199254740992ull},
      {{{"l2", 1e300}}, 1e300, 0.2, 42},
  };
  for (const Case& c : cases) {
    core::Result<TrainPlan> plan = PlanTraining(Request("sqft", {"age"}, c.params), HouseSchema());
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    EXPECT_EQ(plan->l2, c.want_l2);
    EXPECT_EQ(plan->holdout_fraction, c.want_holdout);
    EXPECT_EQ(plan->seed, c.want_seed);
    EXPECT_EQ(plan->target.type, data::ColumnType::kInteger);  // an integer target is fine for regression
    EXPECT_THAT(plan->Params(), ElementsAre(Pair("holdout_fraction", c.want_holdout), Pair("l2", c.want_l2),
                                            Pair("seed", static_cast<double>(c.want_seed))));
  }
}

TEST(TrainPlanTest, XgboostParametersAreResolved) {
  struct Case {
    std::string name;
    std::map<std::string, double> params;
    ml::BoosterParams want;
    double want_holdout = 0.2;
    uint64_t want_seed = 42;
  };
  auto with = [](auto change) {
    ml::BoosterParams params;
    change(params);
    return params;
  };
  const std::vector<Case> cases = {
      {"defaults", {}, ml::BoosterParams{}},
      {"every parameter",
       {{"n_estimators", 250.0},
        {"max_depth", 3.0},
        {"learning_rate", 0.05},
        {"subsample", 0.8},
        {"colsample_bytree", 0.5},
        {"min_child_weight", 2.5},
        {"reg_lambda", 0.0},
        {"early_stopping_rounds", 20.0},
        {"nthread", 2.0},
        {"holdout_fraction", 0.1},
        {"seed", 7.0}},
       with([](ml::BoosterParams& p) {
         p.n_estimators = 250;
         p.max_depth = 3;
         p.learning_rate = 0.05;
         p.subsample = 0.8;
         p.colsample_bytree = 0.5;
         p.min_child_weight = 2.5;
         p.reg_lambda = 0.0;
         p.early_stopping_rounds = 20;
         p.nthread = 2;
       }),
       0.1,
       7},
      {"bounds",
       {{"n_estimators", 10000.0},
        {"max_depth", 24.0},
        {"learning_rate", 1.0},
        {"subsample", 1.0},
        {"early_stopping_rounds", 0.0},
        {"nthread", 64.0},
        {"min_child_weight", 0.0}},
       with([](ml::BoosterParams& p) {
         p.n_estimators = 10000;
         p.max_depth = 24;
         p.learning_rate = 1.0;
         p.nthread = 64;
         p.min_child_weight = 0.0;
       })},
      {"one tree, depth 1", {{"n_estimators", 1.0}, {"max_depth", 1.0}}, with([](ml::BoosterParams& p) {
         p.n_estimators = 1;
         p.max_depth = 1;
       })},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    core::Result<TrainPlan> plan = PlanTraining(Request("price", {}, c.params, "xgboost_regressor"), HouseSchema());
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    EXPECT_EQ(plan->algorithm, "xgboost_regressor");
    const ml::BoosterParams& got = plan->boosting;
    EXPECT_EQ(got.n_estimators, c.want.n_estimators);
    EXPECT_EQ(got.max_depth, c.want.max_depth);
    EXPECT_EQ(got.learning_rate, c.want.learning_rate);
    EXPECT_EQ(got.subsample, c.want.subsample);
    EXPECT_EQ(got.colsample_bytree, c.want.colsample_bytree);
    EXPECT_EQ(got.min_child_weight, c.want.min_child_weight);
    EXPECT_EQ(got.reg_lambda, c.want.reg_lambda);
    EXPECT_EQ(got.early_stopping_rounds, c.want.early_stopping_rounds);
    EXPECT_EQ(got.nthread, c.want.nthread);
    EXPECT_EQ(plan->holdout_fraction, c.want_holdout);
    EXPECT_EQ(plan->seed, c.want_seed);
    EXPECT_THAT(plan->Params(),
                ElementsAre(Pair("colsample_bytree", c.want.colsample_bytree),
                            Pair("early_stopping_rounds", c.want.early_stopping_rounds),
                            Pair("holdout_fraction", c.want_holdout), Pair("learning_rate", c.want.learning_rate),
                            Pair("max_depth", c.want.max_depth), Pair("min_child_weight", c.want.min_child_weight),
                            Pair("n_estimators", c.want.n_estimators), Pair("nthread", c.want.nthread),
                            Pair("reg_lambda", c.want.reg_lambda), Pair("seed", static_cast<double>(c.want_seed)),
                            Pair("subsample", c.want.subsample)));
  }
}

}  // namespace
}  // namespace amp::training
