#include "cli/model_view.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace amp::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Render(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element model;
  EXPECT_EQ(parser.parse(json).get(model), simdjson::SUCCESS);
  return RenderModel(model);
}

// Two versions; an alias serves the older one, so it is the one shown in detail.
constexpr const char* kModel = R"({
  "id": "mdl_1", "name": "houses", "description": "house prices", "public": false, "owner": "pricing",
  "tags": ["demo", "v2"], "retention": {"keep_last": 5}, "aliases": {"production": 1}, "served_version": 1,
  "versions": [
    {"version": 1, "created_at": "2026-11-29T10:00:00.000Z", "algorithm": "linear_regression",
     "task": "regression", "target": "price",
     "features": [{"name": "sqft", "type": "numeric"}, {"name": "city", "type": "categorical"}],
     "metrics": {"rmse": 1234.5, "r2": 0.91, "train_rows": 800, "holdout_rows": 200},
     "params": {"l2": 10.0, "holdout_fraction": 0.2, "seed": 42.0},
     "leaderboard": [{"rank": 1}, {"rank": 2}],
     "feature_importance": [{"feature": "sqft", "importance": 2.5}, {"feature": "city", "importance": 0.25}],
     "cleaning_report": {"rows": 1010, "rows_used": 1000, "duplicate_rows": 3,
                         "summary": ["10 rows with a missing target were dropped"]},
     "lineage": {"dataset_id": "ds_9", "job_id": "job_7", "code_version": "0.1.0"},
     "artifact": {"sha256": "abc", "size_bytes": 2048}},
    {"version": 2, "created_at": "2026-11-29T11:00:00.000Z", "algorithm": "xgboost_regressor",
     "task": "regression", "target": "price", "metrics": {"rmse": 999.0, "train_rows": 800, "holdout_rows": 200},
     "params": {"n_estimators": 300.0, "learning_rate": 0.05}}
  ]})";

TEST(ModelViewTest, ShowsTheModelItsVersionsAndTheServedOneInDetail) {
  const std::string text = Render(kModel);
  EXPECT_THAT(text, HasSubstr("model houses (mdl_1), private\n"));
  EXPECT_THAT(text, HasSubstr("description: house prices\n"));
  EXPECT_THAT(text, HasSubstr("owner: pricing; tags: demo, v2\n"));
  EXPECT_THAT(text, HasSubstr("served version: 1; aliases: production -> 1; retention: keep the last 5\n"));
  // The versions table: the served one starred, rows as training/holdout, the headline metrics.
  EXPECT_THAT(text, HasSubstr("VERSION  CREATED"));
  EXPECT_THAT(text, HasSubstr("1 *      2026-11-29T10:00:00.000Z  linear_regression  800/200  r2=0.91 rmse=1234"));
  EXPECT_THAT(text, HasSubstr("2        2026-11-29T11:00:00.000Z  xgboost_regressor  800/200  rmse=999"));
  // The served version in detail, numbers as people write them.
  EXPECT_THAT(text, HasSubstr("version 1 (served):\n"));
  EXPECT_THAT(text, HasSubstr("target: price (regression)\n"));
  EXPECT_THAT(text, HasSubstr("features: sqft (numeric), city (categorical)\n"));
  EXPECT_THAT(text, HasSubstr("algorithm: linear_regression (l2=10 holdout_fraction=0.2 seed=42)\n"));
  EXPECT_THAT(text, HasSubstr("feature importance: sqft 2.5, city 0.25\n"));
  EXPECT_THAT(text, HasSubstr("leaderboard: 2 trials"));
  EXPECT_THAT(text, HasSubstr("cleaning: 1000 of 1010 rows used, 3 duplicate rows\n"));
  EXPECT_THAT(text, HasSubstr("  - 10 rows with a missing target were dropped\n"));
  EXPECT_THAT(text, HasSubstr("lineage: dataset ds_9, job job_7, code 0.1.0\n"));
  EXPECT_THAT(text, HasSubstr("artifact: 2048 bytes, sha256 abc\n"));
  EXPECT_THAT(text, Not(HasSubstr("n_estimators")));  // version 2 is only a table row
}

TEST(ModelViewTest, WithoutAServedVersionTheNewestIsShownAndMissingPartsAreLeftOut) {
  const std::string text = Render(R"({"id": "mdl_2", "name": "m", "public": true, "aliases": {},
    "versions": [{"version": 1, "algorithm": "kmeans", "task": "clustering", "params": {"k": 3.0}},
                 {"version": 2, "algorithm": "kmeans", "task": "clustering", "params": {"k": 4.0}}]})");
  EXPECT_THAT(text, HasSubstr("model m (mdl_2), public\n"));
  EXPECT_THAT(text, HasSubstr("served version: -; aliases: -\n"));
  EXPECT_THAT(text, HasSubstr("version 2:\n"));
  EXPECT_THAT(text, HasSubstr("algorithm: kmeans (k=4)\n"));
  for (const char* absent : {"description:", "owner:", "holdout:", "feature importance:", "cleaning:", "lineage:",
                             "artifact:", "leaderboard:"}) {
    EXPECT_THAT(text, Not(HasSubstr(absent)));
  }
}

TEST(ModelViewTest, AModelWithoutVersionsSaysSo) {
  const std::string text = Render(R"({"id": "mdl_3", "name": "empty", "public": false, "versions": []})");
  EXPECT_THAT(text, HasSubstr("model empty (mdl_3), private\n"));
  EXPECT_THAT(text, HasSubstr("no versions yet\n"));
}

}  // namespace
}  // namespace amp::cli
