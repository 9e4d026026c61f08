#include "api/job_handlers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace amp::api {
namespace {

using ::testing::HasSubstr;

TEST(TrainRequestJsonTest, ParsesBackToWhatTrainingReads) {
  storage::TrainRequest request;
  request.dataset_id = "ds_1";
  request.target = "price \"usd\"";
  request.algorithm = "xgboost_regressor";
  request.task = "regression";
  request.features = {"sqft", "city"};
  request.params = {{"learning_rate", 0.1}, {"n_estimators", 40}, {"reg_lambda", 1e-7}};
  request.cpu_budget = 3;
  request.workers = 4;
  request.allow_personal_data = {"email"};
  auto parsed = ParseTrainRequest(TrainRequestJson(request));
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->dataset_id, request.dataset_id);
  EXPECT_EQ(parsed->target, request.target);
  EXPECT_EQ(parsed->algorithm, request.algorithm);
  EXPECT_EQ(parsed->task, request.task);
  EXPECT_EQ(parsed->features, request.features);
  EXPECT_EQ(parsed->params, request.params);  // doubles read back bit for bit
  EXPECT_EQ(parsed->cpu_budget, 3);
  EXPECT_EQ(parsed->workers, 4);
  EXPECT_EQ(parsed->allow_personal_data, request.allow_personal_data);

  request.allow_personal_data_all = true;
  parsed = ParseTrainRequest(TrainRequestJson(request));
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->allow_personal_data_all);
}

TEST(TrainRequestJsonTest, ParseTakesADefaultDatasetAndRefusesWhatTheRouteRefuses) {
  auto parsed = ParseTrainRequest(R"({"target": "y"})", "ds_9");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->dataset_id, "ds_9");
  EXPECT_EQ(parsed->workers, 1);
  EXPECT_THAT(ParseTrainRequest(R"({"target": "y"})").status().message(), HasSubstr("'dataset_id' is required"));
  EXPECT_THAT(ParseTrainRequest(R"({"dataset_id": "d", "workers": 0})").status().message(), HasSubstr("workers"));
  EXPECT_THAT(ParseTrainRequest(R"({"dataset_id": "d", "workers": 65})").status().message(), HasSubstr("workers"));
  EXPECT_THAT(ParseTrainRequest(R"({"dataset_id": "d", "nope": 1})").status().message(), HasSubstr("unknown field"));
  EXPECT_EQ(ParseTrainRequest("{").status().code(), core::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace amp::api
