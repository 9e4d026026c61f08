#include "cli/job_view.h"

#include <gtest/gtest.h>

#include <string>

namespace amp::cli {
namespace {

std::string Render(const std::string& job_json, const std::string& version_json) {
  simdjson::dom::parser job_parser;
  simdjson::dom::parser version_parser;
  simdjson::dom::element job;
  simdjson::dom::element version;
  EXPECT_EQ(job_parser.parse(job_json).get(job), simdjson::SUCCESS);
  EXPECT_EQ(version_parser.parse(version_json).get(version), simdjson::SUCCESS);
  return RenderPublished(job, version);
}

std::string Job(const std::string& leaderboard) {
  return R"({"id": "job_1", "state": "succeeded", "leaderboard": )" + leaderboard + "}";
}

TEST(JobViewTest, NamesThePublishedModelAndSaysWhenItIsNotTheFirstRanked) {
  const std::string linear_first =
      Job(R"([{"rank": 1, "algorithm": "linear_regression", "params": {"l2": 1.0}},
              {"rank": 2, "algorithm": "xgboost_regressor", "params": {"max_depth": 6.0}}])");
  const std::string xgboost_first =
      Job(R"([{"rank": 1, "algorithm": "xgboost_regressor", "params": {"max_depth": 6.0}},
              {"rank": 2, "algorithm": "linear_regression", "params": {"l2": 1.0}}])");
  const std::string ensemble_first = Job(R"([{"rank": 1, "algorithm": "ensemble", "params": {"size": 3.0}}])");
  const std::string linear_l2_1 = R"({"algorithm": "linear_regression", "params": {"l2": 1.0, "seed": 42.0}})";
  const std::string linear_l2_10 = R"({"algorithm": "linear_regression", "params": {"l2": 10.0, "seed": 42.0}})";
  const std::string ensemble = R"({"algorithm": "ensemble", "params": {"holdout_fraction": 0.0}})";
  const std::string note = ", not the first ranked (`amp jobs logs job_1` says why)\n";
  struct Case {
    std::string job;
    std::string version;
    std::string expected;
  };
  const Case cases[] = {
      {linear_first, linear_l2_1, "published: linear_regression (l2=1 seed=42)\n"},
      // The rule published a simpler family than the first ranked.
      {xgboost_first, linear_l2_1, "published: linear_regression (l2=1 seed=42)" + note},
      // Same family, other searched parameters.
      {linear_first, linear_l2_10, "published: linear_regression (l2=10 seed=42)" + note},
      // An ensemble's entry lists its size, not its version's parameters.
      {ensemble_first, ensemble, "published: ensemble (holdout_fraction=0)\n"},
      {ensemble_first, linear_l2_1, "published: linear_regression (l2=1 seed=42)" + note},
      // The entry the search marked published says which row it is.
      {Job(R"([{"rank": 1, "algorithm": "xgboost_regressor", "params": {"max_depth": 6.0}, "published": false},
               {"rank": 2, "algorithm": "linear_regression", "params": {"l2": 1.0}, "published": true}])"),
       linear_l2_1,
       "published: linear_regression (l2=1 seed=42), not the first ranked but rank 2 (`amp jobs logs job_1` says "
       "why)\n"},
      {Job(R"([{"rank": 1, "algorithm": "linear_regression", "params": {"l2": 1.0}, "published": true}])"),
       linear_l2_1, "published: linear_regression (l2=1 seed=42)\n"},
      // Not a search: nothing to say.
      {Job("[]"), linear_l2_1, ""},
      {R"({"id": "job_1"})", linear_l2_1, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.job + " / " + c.version);
    EXPECT_EQ(Render(c.job, c.version), c.expected);
  }
}

}  // namespace
}  // namespace amp::cli
