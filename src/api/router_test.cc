#include "api/router.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace amp::api {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Add(Method::kGet, "/healthz");
    Add(Method::kGet, "/api/model");
    Add(Method::kPost, "/api/predict");
    Add(Method::kGet, "/v1/models");
    Add(Method::kGet, "/v1/models/{name}");
    Add(Method::kDelete, "/v1/models/{name}");
    Add(Method::kGet, "/v1/models/{name}/versions/{version}");
    Add(Method::kPost, "/v1/models/{name}/versions/{version}/predict");
    Add(Method::kPost, "/v1/models/{name}/train");
    Add(Method::kPost, "/v1/datasets");
    Add(Method::kGet, "/v1/datasets");
  }

  void Add(Method method, const std::string& pattern) {
    router_.Add(method, pattern, OnServer(auth::Action::kHealth), [method, pattern](const Request&, const PathParams&) {
      Response response;
      response.body = std::string(MethodName(method)) + " " + pattern;
      return response;
    });
  }

  // "METHOD pattern" of the matched route, or the error status as text.
  std::string Describe(const RouteMatch& match) const {
    if (match.route == nullptr) return std::to_string(match.error_status);
    return match.route->handler(Request{}, match.params).body;
  }

  Router router_;
};

TEST_F(RouterTest, Matches) {
  struct Case {
    Method method;
    std::string path;
    std::string want;  // "METHOD pattern" or an HTTP status
    std::vector<std::string> want_params;
  };
  const std::vector<Case> cases = {
      {Method::kGet, "/healthz", "GET /healthz", {}},
      {Method::kPost, "/api/predict", "POST /api/predict", {}},
      {Method::kGet, "/v1/models", "GET /v1/models", {}},
      {Method::kPost, "/v1/datasets", "POST /v1/datasets", {}},
      {Method::kGet, "/v1/datasets", "GET /v1/datasets", {}},
      {Method::kGet, "/v1/models/houses", "GET /v1/models/{name}", {"houses"}},
      {Method::kDelete, "/v1/models/houses", "DELETE /v1/models/{name}", {"houses"}},
      {Method::kGet, "/v1/models/houses/versions/3", "GET /v1/models/{name}/versions/{version}", {"houses", "3"}},
      {Method::kPost,
       "/v1/models/h/versions/12/predict",
       "POST /v1/models/{name}/versions/{version}/predict",
       {"h", "12"}},
      {Method::kPost, "/v1/models/h/train", "POST /v1/models/{name}/train", {"h"}},
      // Percent-decoding of params; '+' is a literal plus in a path.
      {Method::kGet, "/v1/models/House%20Price", "GET /v1/models/{name}", {"House Price"}},
      {Method::kGet, "/v1/models/a+b", "GET /v1/models/{name}", {"a+b"}},
      {Method::kGet, "/v1/models/a%2Bb", "GET /v1/models/{name}", {"a+b"}},
      {Method::kGet, "/v1/models/x%2Fy", "GET /v1/models/{name}", {"x/y"}},
      {Method::kGet, "/v1/models/%C3%A9t%C3%A9", "GET /v1/models/{name}", {"\xC3\xA9t\xC3\xA9"}},
      {Method::kGet, "/v1/models/%7Bname%7D", "GET /v1/models/{name}", {"{name}"}},
      // The pattern text itself is an ordinary value, never a route with no params.
      {Method::kGet, "/v1/models/{name}", "GET /v1/models/{name}", {"{name}"}},
      {Method::kGet,
       "/v1/models/{name}/versions/{version}",
       "GET /v1/models/{name}/versions/{version}",
       {"{name}", "{version}"}},
      {Method::kDelete, "/v1/models/{name}", "DELETE /v1/models/{name}", {"{name}"}},
      // Literal segments are compared raw.
      {Method::kGet, "/v1/%6Dodels", "404", {}},
      // Malformed escapes in a param.
      {Method::kGet, "/v1/models/%ZZ", "400", {}},
      {Method::kGet, "/v1/models/abc%4", "400", {}},
      {Method::kGet, "/v1/models/abc%", "400", {}},
      {Method::kGet, "/v1/models/a%00b", "400", {}},
      {Method::kGet, "/v1/models/ok/versions/%G1", "400", {}},
      // Unknown paths are 404, known paths under another method 405.
      {Method::kGet, "/nope", "404", {}},
      {Method::kGet, "/", "404", {}},
      {Method::kGet, "", "404", {}},
      {Method::kGet, "/v1/models/houses/versions", "404", {}},
      {Method::kGet, "/v1/models/houses/versions/3/extra", "404", {}},
      {Method::kGet, "/V1/models", "404", {}},
      {Method::kGet, "/api/predict", "405", {}},
      {Method::kPut, "/v1/models", "405", {}},
      {Method::kPost, "/v1/models/houses", "405", {}},
      {Method::kPatch, "/v1/models/houses/versions/3", "405", {}},
      {Method::kDelete, "/v1/datasets", "405", {}},
      {Method::kOptions, "/healthz", "405", {}},
      {Method::kOther, "/healthz", "405", {}},
      // HEAD is served by GET routes, and only by them.
      {Method::kHead, "/healthz", "GET /healthz", {}},
      {Method::kHead, "/v1/models/House%20Price", "GET /v1/models/{name}", {"House Price"}},
      {Method::kHead, "/api/predict", "405", {}},
      {Method::kHead, "/v1/models/h/train", "405", {}},
      {Method::kHead, "/nope", "404", {}},
      // Empty segments never match, so a trailing slash or a doubled one is 404, whatever the method.
      {Method::kGet, "/healthz/", "404", {}},
      {Method::kPost, "/api/predict/", "404", {}},
      {Method::kGet, "/v1/models/", "404", {}},
      {Method::kDelete, "/v1/models/", "404", {}},
      {Method::kGet, "/v1/models/houses/", "404", {}},
      {Method::kPut, "/v1/models/houses/", "404", {}},
      {Method::kGet, "/v1/models//versions/3", "404", {}},
      {Method::kGet, "/v1//models", "404", {}},
      {Method::kGet, "//healthz", "404", {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(MethodName(c.method)) + " " + c.path);
    RouteMatch match = router_.Match(c.method, c.path);
    EXPECT_EQ(Describe(match), c.want);
    EXPECT_EQ(match.params, c.want_params);
  }
}

TEST_F(RouterTest, LiteralRouteWinsOverAnEarlierParamRoute) {
  Router router;
  router.Add(Method::kGet, "/items/{id}", OnServer(auth::Action::kHealth),
             [](const Request&, const PathParams&) { return Response{}; });
  router.Add(Method::kGet, "/items/latest", OnServer(auth::Action::kHealth),
             [](const Request&, const PathParams&) { return Response{}; });
  RouteMatch latest = router.Match(Method::kGet, "/items/latest");
  ASSERT_NE(latest.route, nullptr);
  EXPECT_EQ(latest.route->pattern, "/items/latest");
  EXPECT_THAT(latest.params, IsEmpty());
  RouteMatch other = router.Match(Method::kGet, "/items/7");
  ASSERT_NE(other.route, nullptr);
  EXPECT_EQ(other.route->pattern, "/items/{id}");
  EXPECT_THAT(other.params, ElementsAre("7"));
}

TEST_F(RouterTest, KeepsBodyMode) {
  Router router;
  router.Add(
      Method::kPost, "/upload", OnServer(auth::Action::kUploadDataset),
      [](const Request&, const PathParams&) { return Response{}; }, BodyMode::kStreamToFile);
  router.Add(Method::kPost, "/json", OnServer(auth::Action::kHealth),
             [](const Request&, const PathParams&) { return Response{}; });
  ASSERT_NE(router.Match(Method::kPost, "/upload").route, nullptr);
  EXPECT_EQ(router.Match(Method::kPost, "/upload").route->body_mode, BodyMode::kStreamToFile);
  EXPECT_EQ(router.Match(Method::kPost, "/json").route->body_mode, BodyMode::kInMemory);
}

TEST_F(RouterTest, FallbackAnswersOnlyWhatNoOtherRouteMatches) {
  Router router;
  router.Add(Method::kGet, "/items/{id}", OnServer(auth::Action::kHealth),
             [](const Request&, const PathParams&) { return Response{}; });
  router.Add(Method::kPost, "/upload", OnServer(auth::Action::kHealth),
             [](const Request&, const PathParams&) { return Response{}; });
  router.AddFallback(Method::kGet, "/*", OnServer(auth::Action::kHealth),
                     [](const Request&, const PathParams&) { return Response{}; });
  struct Case {
    Method method;
    std::string path;
    std::string want;  // the pattern matched, or the error status
  };
  const Case cases[] = {
      {Method::kGet, "/items/7", "/items/{id}"},
      {Method::kGet, "/", "/*"},
      {Method::kGet, "/models/houses", "/*"},
      {Method::kHead, "/assets/index.js", "/*"},
      {Method::kGet, "/upload", "405"},  // the path exists under POST: not the fallback's
      {Method::kPost, "/nope", "404"},   // a GET fallback answers no POST
      {Method::kGet, "/*", "/*"},        // the fallback's name is not a literal route
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(MethodName(c.method)) + " " + c.path);
    RouteMatch match = router.Match(c.method, c.path);
    EXPECT_EQ(match.route ? match.route->pattern : std::to_string(match.error_status), c.want);
    if (match.route != nullptr && match.route->fallback) {
      EXPECT_THAT(match.params, IsEmpty());
    }
  }
}

TEST_F(RouterTest, EmptyRouterIs404) {
  Router router;
  EXPECT_EQ(router.Match(Method::kGet, "/").error_status, 404);
  EXPECT_EQ(router.Match(Method::kGet, "/").route, nullptr);
}

TEST(MethodNameTest, Names) {
  EXPECT_EQ(MethodName(Method::kGet), "GET");
  EXPECT_EQ(MethodName(Method::kHead), "HEAD");
  EXPECT_EQ(MethodName(Method::kPost), "POST");
  EXPECT_EQ(MethodName(Method::kPut), "PUT");
  EXPECT_EQ(MethodName(Method::kPatch), "PATCH");
  EXPECT_EQ(MethodName(Method::kDelete), "DELETE");
  EXPECT_EQ(MethodName(Method::kOptions), "OPTIONS");
  EXPECT_EQ(MethodName(Method::kOther), "OTHER");
}

}  // namespace
}  // namespace amp::api
