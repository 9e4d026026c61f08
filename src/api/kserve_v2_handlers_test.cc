#include "api/kserve_v2_handlers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "ml/linear/linear_model.h"
#include "ml/pipeline.h"
#include "storage/fault_injecting_artifact_store.h"
#include "storage/in_memory_artifact_store.h"
#include "storage/sqlite_metadata_store.h"

namespace amp::api {
namespace {

using ::testing::HasSubstr;

constexpr double kVersionOffset = 1000.0;  // version n of "houses" has intercept 0.3 + (n - 1) * kVersionOffset

// "houses": one feature of each type, so every datatype shows in its metadata.
std::shared_ptr<const ml::LinearModel> MakeHouseModel(double intercept) {
  ml::ModelSignature signature;
  signature.target = "price";
  signature.features = {{"area", data::ColumnType::kNumeric},
                        {"rooms", data::ColumnType::kInteger},
                        {"garden", data::ColumnType::kBoolean},
                        {"city", data::ColumnType::kCategorical}};
  std::vector<ml::FeatureTransform> transforms(4);
  for (size_t idx = 0; idx < 4; ++idx) transforms[idx].feature = signature.features[idx];
  transforms[0].impute_value = 71.3;
  transforms[0].center = 80.0;
  transforms[0].scale = 10.0;
  transforms[1].impute_value = 3;
  transforms[1].center = 2.5;
  transforms[1].scale = 1.1;
  transforms[2].impute_value = 1;
  transforms[2].center = 0.6;
  transforms[2].scale = 0.49;
  transforms[3].categories = {"Lyon", "Paris", "Rome"};
  transforms[3].impute_category = 1;
  ml::LinearSolution solution;
  solution.weights = {1.0 / 3.0, -2.718281828459045, 0.25, 12.5, -0.1, 7.0};
  solution.intercept = intercept;
  auto model = ml::LinearModel::Create(signature, ml::Pipeline(std::move(transforms)), std::move(solution));
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return std::move(model).value();
}

// "line": y = 1 + 2 * x1 - 0.5 * x2, unscaled, for the spec's [2, 2] example.
std::shared_ptr<const ml::LinearModel> MakeLineModel() {
  ml::ModelSignature signature;
  signature.target = "y";
  signature.features = {{"x1", data::ColumnType::kNumeric}, {"x2", data::ColumnType::kInteger}};
  std::vector<ml::FeatureTransform> transforms(2);
  transforms[0].feature = signature.features[0];
  transforms[1].feature = signature.features[1];
  ml::LinearSolution solution;
  solution.weights = {2.0, -0.5};
  solution.intercept = 1.0;
  auto model = ml::LinearModel::Create(signature, ml::Pipeline(std::move(transforms)), std::move(solution));
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return std::move(model).value();
}

registry::VersionDraft Draft() {
  registry::VersionDraft draft;
  draft.algorithm = "linear_regression";
  return draft;
}

class KServeV2HandlersTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { core::SetMinLogLevel(core::LogLevel::kWarning); }

  void SetUp() override {
    auto opened = storage::SqliteMetadataStore::Open(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    metadata_ = std::move(opened).value();
    registry_ = std::make_unique<registry::ModelRegistry>(*metadata_, faulty_, clock_);
    for (int version = 1; version <= 2; ++version) {
      auto published =
          registry_->PublishVersion("houses", *MakeHouseModel(0.3 + (version - 1) * kVersionOffset), Draft());
      ASSERT_TRUE(published.ok()) << published.status().ToString();
      houses_id_ = published->model_id;
      clock_.AdvanceMicros(1);
    }
    auto line = registry_->PublishVersion("line", *MakeLineModel(), Draft());
    ASSERT_TRUE(line.ok()) << line.status().ToString();
    manager_ = std::make_unique<serving::ModelManager>(*registry_);
    handlers_ = std::make_unique<KServeV2Handlers>(*registry_, *manager_, [this] { return ready_.load(); });
    handlers_->AddRoutes(router_);
  }

  // Routes and runs one request as the server would.
  Response Call(Method method, std::string_view path, std::string_view body = {}) {
    RouteMatch match = router_.Match(method, path);
    if (match.route == nullptr) {
      Response response;
      response.status = match.error_status;
      return response;
    }
    Request request;
    request.method = method;
    request.path = path;
    request.body = body;
    if (!body.empty()) request.content_type = "application/json";
    return match.route->handler(request, match.params);
  }

  // Parses a response body (kept alive in body_) as JSON.
  simdjson::dom::element Json(const Response& response) {
    body_ = response.body;
    simdjson::dom::element root;
    EXPECT_EQ(parser_.parse(body_).get(root), simdjson::SUCCESS) << body_;
    return root;
  }

  std::string ErrorMessage(const Response& response) {
    std::string_view message;
    EXPECT_EQ(Json(response)["error"].get_string().get(message), simdjson::SUCCESS) << response.body;
    return std::string(message);
  }

  // What version `version` of "houses" predicts for `rows`, asked of the model directly.
  std::vector<double> Expected(int version, const std::vector<ml::FeatureValue>& rows) {
    std::vector<double> out(rows.size() / 4);
    EXPECT_TRUE(MakeHouseModel(0.3 + (version - 1) * kVersionOffset)->Predict(rows, out, nullptr).ok());
    return out;
  }

  std::vector<double> OutputData(const Response& response) {
    std::vector<double> data;
    simdjson::dom::array values;
    EXPECT_EQ(Json(response)["outputs"].at(0)["data"].get_array().get(values), simdjson::SUCCESS) << response.body;
    for (simdjson::dom::element value : values) data.push_back(value.get_double().value());
    return data;
  }

  std::unique_ptr<storage::SqliteMetadataStore> metadata_;
  storage::InMemoryArtifactStore memory_;
  storage::FaultInjectingArtifactStore faulty_{memory_};
  core::FakeClock clock_;
  std::unique_ptr<registry::ModelRegistry> registry_;
  std::unique_ptr<serving::ModelManager> manager_;
  std::atomic<bool> ready_{true};
  std::unique_ptr<KServeV2Handlers> handlers_;
  Router router_;
  std::string houses_id_;
  simdjson::dom::parser parser_;
  std::string body_;
};

constexpr std::string_view kHouseInputs = R"([
    {"name": "city", "shape": [3], "datatype": "BYTES", "data": ["Paris", "Rome", "Oslo"]},
    {"name": "area", "shape": [3, 1], "datatype": "FP64", "data": [[100.5], [80], [55.25]]},
    {"name": "rooms", "shape": [3], "datatype": "INT64", "data": [3, 4, 1]},
    {"name": "garden", "shape": [3], "datatype": "BOOL", "data": [true, false, true]}])";

std::vector<ml::FeatureValue> HouseRows() {
  using ml::FeatureValue;
  return {FeatureValue::Number(100.5), FeatureValue::Number(3), FeatureValue::Number(1), FeatureValue::Text("Paris"),
          FeatureValue::Number(80),    FeatureValue::Number(4), FeatureValue::Number(0), FeatureValue::Text("Rome"),
          FeatureValue::Number(55.25), FeatureValue::Number(1), FeatureValue::Number(1), FeatureValue::Text("Oslo")};
}

TEST_F(KServeV2HandlersTest, LivenessAndReadiness) {
  Response live = Call(Method::kGet, "/v2/health/live");
  EXPECT_EQ(live.status, 200);
  EXPECT_EQ(live.body, R"({"live":true})");
  Response ready = Call(Method::kGet, "/v2/health/ready");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, R"({"ready":true})");
  ready_ = false;
  Response not_ready = Call(Method::kGet, "/v2/health/ready");
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_THAT(ErrorMessage(not_ready), HasSubstr("not ready"));
  EXPECT_EQ(Call(Method::kGet, "/v2/health/live").status, 200);
}

TEST_F(KServeV2HandlersTest, ServerMetadata) {
  Response response = Call(Method::kGet, "/v2");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"name":"amp","version":"0.1.0","extensions":["amp_model_list"]})");
}

TEST_F(KServeV2HandlersTest, ListsModelsWithVersionsAndPlatform) {
  Response response = Call(Method::kGet, "/v2/models");
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.body, HasSubstr(R"({"name":"houses","versions":["1","2"],"platform":"amp_linear_regression"})"));
  EXPECT_THAT(response.body, HasSubstr(R"({"name":"line","versions":["1"],"platform":"amp_linear_regression"})"));
}

TEST_F(KServeV2HandlersTest, ModelMetadataHasOneInputPerFeature) {
  const std::string expected =
      R"({"name":"houses","versions":["1","2"],"platform":"amp_linear_regression","inputs":[)"
      R"({"name":"area","datatype":"FP64","shape":[-1,1]},{"name":"rooms","datatype":"INT64","shape":[-1,1]},)"
      R"({"name":"garden","datatype":"BOOL","shape":[-1,1]},{"name":"city","datatype":"BYTES","shape":[-1,1]}],)"
      R"("outputs":[{"name":"price","datatype":"FP64","shape":[-1,1]}]})";
  for (const std::string& path : std::vector<std::string>{"/v2/models/houses", "/v2/models/houses/versions/1",
                                                          "/v2/models/houses/versions/2", "/v2/models/" + houses_id_}) {
    SCOPED_TRACE(path);
    Response response = Call(Method::kGet, path);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, expected);
  }
}

TEST_F(KServeV2HandlersTest, UnknownModelsAndVersionsAre404) {
  for (const std::string_view path :
       {"/v2/models/nope", "/v2/models/nope/ready", "/v2/models/houses/versions/3", "/v2/models/houses/versions/v1",
        "/v2/models/houses/versions/0", "/v2/models/houses/versions/-1", "/v2/models/houses/versions/3/ready",
        "/v2/models/houses/versions/1x/ready", "/v2/models/nope/versions/1"}) {
    SCOPED_TRACE(path);
    Response response = Call(Method::kGet, path);
    EXPECT_EQ(response.status, 404);
    EXPECT_FALSE(ErrorMessage(response).empty());
  }
  for (const std::string_view path :
       {"/v2/models/nope/infer", "/v2/models/houses/versions/3/infer", "/v2/models/houses/versions/latest/infer"}) {
    SCOPED_TRACE(path);
    Response response = Call(Method::kPost, path, std::string(R"({"inputs": )") + std::string(kHouseInputs) + "}");
    EXPECT_EQ(response.status, 404);
    EXPECT_FALSE(ErrorMessage(response).empty());
  }
}

TEST_F(KServeV2HandlersTest, ModelReadiness) {
  for (const std::string& path : std::vector<std::string>{
           "/v2/models/houses/ready", "/v2/models/houses/versions/1/ready", "/v2/models/" + houses_id_ + "/ready"}) {
    SCOPED_TRACE(path);
    Response response = Call(Method::kGet, path);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, R"({"name":"houses","ready":true})");
  }
}

TEST_F(KServeV2HandlersTest, AModelThatCannotLoadIsNotReady) {
  faulty_.CorruptReads(true);
  Response response = Call(Method::kGet, "/v2/models/line/ready");
  EXPECT_EQ(response.status, 503);
  EXPECT_THAT(ErrorMessage(response), HasSubstr("SHA-256"));
  // Its interface is still known from the registry's records.
  EXPECT_EQ(Call(Method::kGet, "/v2/models/line/versions/1").status, 200);
}

TEST_F(KServeV2HandlersTest, InfersWithOneTensorPerFeature) {
  Response response = Call(Method::kPost, "/v2/models/houses/infer",
                           std::string(R"({"id": "req-7", "parameters": {"content_type": "pd"}, "inputs": )") +
                               std::string(kHouseInputs) + R"(, "outputs": [{"name": "price"}]})");
  ASSERT_EQ(response.status, 200) << response.body;
  simdjson::dom::element root = Json(response);
  EXPECT_EQ(root["id"].get_string().value(), "req-7");
  EXPECT_EQ(root["model_name"].get_string().value(), "houses");
  EXPECT_EQ(root["model_version"].get_string().value(), "2");
  EXPECT_EQ(root["outputs"].at(0)["name"].get_string().value(), "price");
  EXPECT_EQ(root["outputs"].at(0)["datatype"].get_string().value(), "FP64");
  EXPECT_EQ(simdjson::minify(root["outputs"].at(0)["shape"]), "[3,1]");
  // "Oslo" was never seen in training: a warning, not an error.
  EXPECT_THAT(simdjson::minify(root["parameters"]["warnings"]), HasSubstr("category unseen in training"));
  EXPECT_EQ(OutputData(response), Expected(2, HouseRows()));
  // For metrics and the access log.
  ASSERT_NE(response.served, nullptr);
  EXPECT_EQ(response.served->version.version, 2);
  EXPECT_EQ(response.rows_scored, 3);
}

TEST_F(KServeV2HandlersTest, InfersOnARequestedVersion) {
  const std::string body = std::string(R"({"inputs": )") + std::string(kHouseInputs) + "}";
  Response response = Call(Method::kPost, "/v2/models/houses/versions/1/infer", body);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(Json(response)["model_version"].get_string().value(), "1");
  EXPECT_FALSE(Json(response)["id"].error() == simdjson::SUCCESS);  // none given, none echoed
  EXPECT_EQ(OutputData(response), Expected(1, HouseRows()));
  Response by_id = Call(Method::kPost, "/v2/models/" + houses_id_ + "/versions/2/infer", body);
  ASSERT_EQ(by_id.status, 200) << by_id.body;
  EXPECT_EQ(OutputData(by_id), Expected(2, HouseRows()));
}

TEST_F(KServeV2HandlersTest, NullsAreImputedAndReported) {
  Response response = Call(Method::kPost, "/v2/models/houses/infer", R"({"inputs": [
      {"name": "area", "shape": [1], "datatype": "FP64", "data": [null]},
      {"name": "rooms", "shape": [1], "datatype": "INT64", "data": [2]},
      {"name": "garden", "shape": [1], "datatype": "BOOL", "data": [false]},
      {"name": "city", "shape": [1], "datatype": "BYTES", "data": ["Lyon"]}]})");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(simdjson::minify(Json(response)["parameters"]["warnings"]),
            R"(["row 0: feature 'area' is missing; imputed as in training"])");
  EXPECT_EQ(OutputData(response), Expected(2, {ml::FeatureValue::Missing(), ml::FeatureValue::Number(2),
                                               ml::FeatureValue::Number(0), ml::FeatureValue::Text("Lyon")}));
  // Without missing values there is no "parameters" at all.
  const std::string clean_body = R"({"inputs": [
      {"name": "city", "shape": [1], "datatype": "BYTES", "data": ["Rome"]},
      {"name": "area", "shape": [1], "datatype": "FP64", "data": [1]},
      {"name": "rooms", "shape": [1], "datatype": "INT64", "data": [2]},
      {"name": "garden", "shape": [1], "datatype": "BOOL", "data": [false]}]})";
  Response clean = Call(Method::kPost, "/v2/models/houses/infer", clean_body);
  ASSERT_EQ(clean.status, 200) << clean.body;
  EXPECT_THAT(clean.body, ::testing::Not(HasSubstr("parameters")));
}

TEST_F(KServeV2HandlersTest, TheSpecExampleAsOneTensorOfAllFeatures) {
  Response response = Call(Method::kPost, "/v2/models/line/infer", R"({
      "id" : "42",
      "inputs" : [{"name" : "input0", "shape" : [ 2, 2 ], "datatype" : "UINT32", "data" : [ 1, 2, 3, 4 ]}],
      "outputs" : [{"name" : "y"}]})");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.body,
            R"({"id":"42","model_name":"line","model_version":"1","outputs":[{"name":"y","datatype":"FP64",)"
            R"("shape":[2,1],"data":[2.0,5.0]}]})");
}

TEST_F(KServeV2HandlersTest, BadRequestsAre400WithAnError) {
  struct Case {
    std::string body;
    int status;
    std::string message;
  };
  const std::string inputs = std::string(kHouseInputs);
  const std::vector<Case> cases = {
      {"{", 400, "not valid JSON"},
      {"[]", 400, "must be a JSON object"},
      {R"({"inputs": []})", 400, "'inputs' is empty"},
      {R"({"inputs": )" + inputs + R"(, "outputs": [{"name": "score"}]})", 400,
       "unknown output 'score'; the model has one output, 'price'"},
      {R"({"inputs": )" + inputs + R"(, "id": 42})", 400, "'id' must be a string"},
      {R"({"inputs": [{"name": "area", "shape": [1], "datatype": "FP64", "data": [1]}]})", 400,
       "missing input tensor for feature(s) rooms, garden, city"},
      {R"({"inputs": [{"name": "x", "shape": [100001], "datatype": "FP64", "data": []}]})", 413, "at most 100000 rows"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    Response response = Call(Method::kPost, "/v2/models/houses/infer", c.body);
    EXPECT_EQ(response.status, c.status);
    EXPECT_THAT(ErrorMessage(response), HasSubstr(c.message));
    EXPECT_EQ(response.served, nullptr);
  }
}

TEST_F(KServeV2HandlersTest, RoutesAnswer405ForTheWrongMethod) {
  EXPECT_EQ(Call(Method::kGet, "/v2/models/houses/infer").status, 405);
  EXPECT_EQ(Call(Method::kPost, "/v2/models/houses").status, 405);
  EXPECT_EQ(Call(Method::kPost, "/v2/health/ready").status, 405);
  EXPECT_EQ(Call(Method::kGet, "/v2/models/houses/explain").status, 404);
}

}  // namespace
}  // namespace amp::api
