// The RBAC table: every route the server registers x every role (and anonymous) through the real AccessGuard, with
// the real handlers' route list but stub handlers that only record that they were reached.
#include "api/access_guard.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "api/audit_handlers.h"
#include "api/console_handlers.h"
#include "api/dataset_handlers.h"
#include "api/health_handlers.h"
#include "api/job_handlers.h"
#include "api/key_handlers.h"
#include "api/kserve_v2_handlers.h"
#include "api/metrics_handlers.h"
#include "api/model_access_handlers.h"
#include "api/model_handlers.h"
#include "api/model_import_handlers.h"
#include "api/monitoring_handlers.h"
#include "api/prediction_handlers.h"
#include "metrics/serving_metrics.h"
#include "registry/dataset_catalog.h"
#include "registry/model_registry.h"
#include "serving/model_manager.h"
#include "storage/in_memory_artifact_store.h"
#include "storage/sqlite_metadata_store.h"
#include "training/job_runner.h"

namespace amp::api {
namespace {

// Outcome per caller: anonymous, consumer (no grant), developer, admin, on a private model ("houses") for
// model-scoped routes. A = reached the handler, U = 401, F = 403.
const std::map<std::string, std::string>& ExpectedTable() {
  static const std::map<std::string, std::string> table = {
      {"GET /healthz", "AAAA"},
      {"GET /readyz", "AAAA"},
      {"GET /v2/health/live", "AAAA"},
      {"GET /v2/health/ready", "AAAA"},
      {"GET /v2", "AAAA"},
      {"GET /v2/models", "AAAA"},
      {"GET /v2/models/{model}", "UFAA"},
      {"GET /v2/models/{model}/versions/{version}", "UFAA"},
      {"GET /v2/models/{model}/ready", "UFAA"},
      {"GET /v2/models/{model}/versions/{version}/ready", "UFAA"},
      {"POST /v2/models/{model}/infer", "UFAA"},
      {"POST /v2/models/{model}/versions/{version}/infer", "UFAA"},
      {"GET /api/model", "AAAA"},
      {"POST /api/predict", "UFAA"},
      {"POST /v1/models/{name}/predict", "UFAA"},
      {"POST /v1/models/{name}/versions/{version}/predict", "UFAA"},
      {"GET /metrics", "UFAA"},
      {"POST /v1/datasets", "UFAA"},
      {"GET /v1/datasets", "UFAA"},
      {"GET /v1/datasets/{id}", "UFAA"},
      {"DELETE /v1/datasets/{id}", "UFAA"},
      {"POST /v1/models/{name}/train", "UFAA"},
      {"GET /v1/jobs", "UFAA"},
      {"GET /v1/jobs/{id}", "UFAA"},
      {"DELETE /v1/jobs/{id}", "UFAA"},
      {"GET /v1/jobs/{id}/logs", "UFAA"},
      {"POST /v1/jobs/{id}/resubmit", "UFAA"},
      {"GET /v1/models", "AAAA"},
      {"GET /v1/models/{name}", "UFAA"},
      {"PATCH /v1/models/{name}", "UFAA"},
      {"GET /v1/models/{name}/versions/{version}", "UFAA"},
      {"DELETE /v1/models/{name}/versions/{version}", "UFAA"},
      {"GET /v1/models/{name}/versions/{version}/artifact", "UFAA"},
      {"GET /v1/models/{name}/versions/{version}/export", "UFAA"},
      {"POST /v1/models/{name}/import", "UFAA"},
      {"GET /v1/models/{name}/aliases", "UFAA"},
      {"PUT /v1/models/{name}/aliases/{alias}", "UFAA"},
      {"DELETE /v1/models/{name}/aliases/{alias}", "UFAA"},
      {"GET /v1/models/{name}/monitoring", "UFAA"},
      {"GET /v1/models/{name}/monitoring/settings", "UFAA"},
      {"PUT /v1/models/{name}/monitoring/settings", "UFAA"},
      {"POST /v1/models/{name}/feedback", "UFAA"},
      {"GET /v1/models/{name}/versions/{version}/profile", "UFAA"},
      {"PUT /v1/models/{name}/grants/{key_id}", "UFFA"},
      {"DELETE /v1/models/{name}/grants/{key_id}", "UFFA"},
      {"POST /v1/keys", "UFFA"},
      {"GET /v1/keys", "UFFA"},
      {"POST /v1/keys/{id}/rotate", "UFFA"},
      {"DELETE /v1/keys/{id}", "UFFA"},
      {"GET /v1/audit", "UFFA"},
      {"GET /v1/audit/verify", "UFFA"},
      {"GET /*", "AAAA"},  // the web console's files (the router's fallback): public; its API calls carry a key
  };
  return table;
}

std::string RouteName(const Route& route) {
  return std::string(MethodName(route.method)) + " " + route.pattern;
}

class AccessGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::SqliteMetadataStore::Open(":memory:");
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
    ASSERT_TRUE(store_->CreateModel(storage::ModelRecord{"mdl_private", "houses", 1, "", false}).ok());
    ASSERT_TRUE(store_->CreateModel(storage::ModelRecord{"mdl_public", "demo", 2, "", true}).ok());
    access_ = std::make_unique<auth::AccessControl>(*store_, clock_);
    audit_ = std::make_unique<auth::AuditLog>(*store_, clock_);
    quotas_ = std::make_unique<auth::KeyQuotas>(auth::QuotaOptions{}, clock_);
    ASSERT_TRUE(access_->Load().ok());
    ASSERT_TRUE(audit_->Load().ok());
    for (auth::Role role : {auth::Role::kConsumer, auth::Role::kDeveloper, auth::Role::kAdmin}) {
      auto created = access_->CreateKey(std::string(auth::RoleName(role)), role, 0);
      ASSERT_TRUE(created.ok());
      headers_[role] = "Bearer " + created->secret;
    }

    // The real route list, as app/serve_command.cc registers it.
    registry_ = std::make_unique<registry::ModelRegistry>(*store_, artifacts_, clock_);
    catalog_ = std::make_unique<registry::DatasetCatalog>(*store_, artifacts_, clock_);
    manager_ = std::make_unique<serving::ModelManager>(*registry_);
    jobs_ = std::make_unique<training::JobRunner>(*store_, *catalog_, *registry_, clock_, 1);
    HealthHandlers health;
    health.AddRoutes(router_);
    PredictionHandlers predictions(*registry_, *manager_);
    predictions.AddRoutes(router_);
    KServeV2Handlers kserve(*registry_, *manager_, [] { return true; });
    kserve.AddRoutes(router_);
    DatasetHandlers datasets(*catalog_, *registry_);
    datasets.AddRoutes(router_);
    ModelHandlers models(*registry_);
    models.AddRoutes(router_);
    ModelImportHandlers imports(*registry_);
    imports.AddRoutes(router_);
    JobHandlers jobs(*jobs_);
    jobs.AddRoutes(router_);
    metrics::ServingMetrics serving_metrics;
    MetricsHandlers metrics(serving_metrics, *manager_);
    metrics.AddRoutes(router_);
    KeyHandlers keys(*access_);
    keys.AddRoutes(router_);
    ModelAccessHandlers model_access(*access_, *registry_);
    model_access.AddRoutes(router_);
    AuditHandlers audit(*store_);
    audit.AddRoutes(router_);
    ConsoleHandlers console;
    console.AddRoutes(router_);
    monitoring_ = std::make_unique<monitoring::MonitoringService>(*registry_, artifacts_, clock_,
                                                                  monitoring::MonitoringOptions{}, nullptr);
    MonitoringHandlers monitoring_handlers(*registry_, *manager_, *monitoring_);
    monitoring_handlers.AddRoutes(router_);

    // Stubs instead of the handlers: they record being reached (after the check a body-model handler makes).
    router_.WrapHandlers([this](const Route& route, Handler) -> Handler {
      return [this, &route](const Request& request, const PathParams&) {
        if (route.access.model == RouteAccess::Model::kBody) {
          if (auto denied = AuthorizeModel(request, route.access.action, body_model_)) return std::move(*denied);
        }
        reached_.insert(RouteName(route));
        return Response::Json(200, "{}");
      };
    });
    guard_ = std::make_unique<AccessGuard>(*access_, *audit_, *quotas_);
    guard_->Protect(router_);
  }

  // Calls `route` as `role` with every path parameter set to `model` (the first) or "1".
  Response Call(const Route& route, auth::Role role, const std::string& model) {
    Request request;
    request.method = route.method;
    request.path = route.pattern;
    request.remote_address = "127.0.0.1";
    if (role != auth::Role::kAnonymous) request.authorization = headers_[role];
    PathParams params;
    for (const std::string& segment : route.segments) {
      if (segment.size() > 2 && segment.front() == '{') params.push_back(params.empty() ? model : "1");
    }
    body_model_ = model;
    return route.handler(request, params);
  }

  core::FakeClock clock_;
  std::unique_ptr<storage::SqliteMetadataStore> store_;
  storage::InMemoryArtifactStore artifacts_;
  std::unique_ptr<auth::AccessControl> access_;
  std::unique_ptr<auth::AuditLog> audit_;
  std::unique_ptr<auth::KeyQuotas> quotas_;
  std::unique_ptr<registry::ModelRegistry> registry_;
  std::unique_ptr<registry::DatasetCatalog> catalog_;
  std::unique_ptr<serving::ModelManager> manager_;
  std::unique_ptr<monitoring::MonitoringService> monitoring_;
  std::unique_ptr<training::JobRunner> jobs_;
  std::unique_ptr<AccessGuard> guard_;
  Router router_;
  std::map<auth::Role, std::string> headers_;
  std::set<std::string> reached_;
  std::string body_model_;
};

TEST_F(AccessGuardTest, EveryRouteTimesEveryRoleMatchesTheTable) {
  std::set<std::string> seen;
  for (const Route& route : router_.routes()) {
    const std::string name = RouteName(route);
    seen.insert(name);
    auto expected = ExpectedTable().find(name);
    ASSERT_NE(expected, ExpectedTable().end()) << name << " has no row in the RBAC table: add one";
    for (size_t role_idx = 0; role_idx < auth::kAllRoles.size(); ++role_idx) {
      auth::Role role = auth::kAllRoles[role_idx];
      reached_.clear();
      Response response = Call(route, role, "houses");
      const char want = expected->second[role_idx];
      SCOPED_TRACE(name + " as " + std::string(auth::RoleName(role)));
      EXPECT_EQ(reached_.contains(name), want == 'A');
      if (want == 'U') {
        EXPECT_EQ(response.status, 401);
        ASSERT_FALSE(response.headers.empty());
        EXPECT_EQ(response.headers[0].first, "WWW-Authenticate");
      }
      if (want == 'F') {
        EXPECT_EQ(response.status, 403);
      }
      if (want != 'A') {
        EXPECT_NE(response.body.find("\"code\""), std::string::npos);
      }
    }
  }
  EXPECT_EQ(seen.size(), ExpectedTable().size()) << "the table names a route the server does not have";
}

TEST_F(AccessGuardTest, PublicModelsAreReadableAndCallableWithoutAKey) {
  std::set<std::string> open_to_anonymous;
  for (const Route& route : router_.routes()) {
    reached_.clear();
    Call(route, auth::Role::kAnonymous, "demo");
    if (reached_.contains(RouteName(route))) open_to_anonymous.insert(RouteName(route));
  }
  for (const char* name : {"POST /api/predict", "POST /v1/models/{name}/predict", "POST /v2/models/{model}/infer",
                           "GET /v1/models/{name}", "GET /api/model"}) {
    EXPECT_TRUE(open_to_anonymous.contains(name)) << name;
  }
  for (const char* name : {"PUT /v1/models/{name}/aliases/{alias}", "POST /v1/models/{name}/train",
                           "PATCH /v1/models/{name}", "PUT /v1/models/{name}/grants/{key_id}"}) {
    EXPECT_FALSE(open_to_anonymous.contains(name)) << name;
  }
}

TEST_F(AccessGuardTest, AGrantOpensOneModelToAConsumer) {
  auto keys = access_->ListKeys();
  std::string consumer_id;
  for (const auto& key : keys) {
    if (key.role == "consumer") consumer_id = key.id;
  }
  ASSERT_TRUE(access_->Grant(consumer_id, "houses").ok());
  for (const Route& route : router_.routes()) {
    if (RouteName(route) != "POST /v1/models/{name}/predict") continue;
    reached_.clear();
    EXPECT_EQ(Call(route, auth::Role::kConsumer, "houses").status, 200);
    EXPECT_FALSE(reached_.empty());
  }
}

TEST_F(AccessGuardTest, BadKeysAre401AndDenialsAreAudited) {
  const Route* train = nullptr;
  for (const Route& route : router_.routes()) {
    if (RouteName(route) == "POST /v1/models/{name}/train") train = &route;
  }
  ASSERT_NE(train, nullptr);
  Request request;
  request.method = Method::kPost;
  request.authorization = "Bearer amp_notarealkeyatall";
  Response response = train->handler(request, {"houses"});
  EXPECT_EQ(response.status, 401);
  EXPECT_TRUE(reached_.empty());
  auto records = store_->ListAudit(0, 100);
  ASSERT_TRUE(records.ok());
  ASSERT_FALSE(records->empty());
  EXPECT_EQ(records->back().action, "train");
  EXPECT_EQ(records->back().outcome.rfind("denied", 0), 0u);
  EXPECT_TRUE(auth::VerifyAuditChain(*records).ok());
}

// Adds one route taking `action` that answers 200 to `router`, puts `guard` in front of it and returns it.
const Route& AddGuardedRoute(Router& router, const AccessGuard& guard, Method method, auth::Action action) {
  router.Add(method, "/x", OnServer(action),
             [](const Request&, const PathParams&) { return Response::Json(200, "{}"); });
  guard.Protect(router);
  return router.routes()[0];
}

TEST_F(AccessGuardTest, QuotasAnswer429WithRetryAfter) {
  auth::KeyQuotas tight(auth::QuotaOptions{1, 1, 0}, clock_);
  AccessGuard guard(*access_, *audit_, tight);
  Router router;
  const Route& route = AddGuardedRoute(router, guard, Method::kGet, auth::Action::kHealth);
  Request request;
  request.authorization = headers_[auth::Role::kAdmin];
  EXPECT_EQ(route.handler(request, {}).status, 200);
  Response limited = route.handler(request, {});
  EXPECT_EQ(limited.status, 429);
  ASSERT_FALSE(limited.headers.empty());
  EXPECT_EQ(limited.headers[0].first, "Retry-After");
  EXPECT_EQ(limited.headers[0].second, "1");
  request.authorization = headers_[auth::Role::kDeveloper];  // another key has its own budget
  EXPECT_EQ(route.handler(request, {}).status, 200);
}

TEST_F(AccessGuardTest, BadAndForbiddenRequestsCountAgainstTheQuotaBeforeTheyAreAudited) {
  auth::KeyQuotas tight(auth::QuotaOptions{1, 2, 0}, clock_);
  AccessGuard guard(*access_, *audit_, tight);
  Router router;
  const Route& route = AddGuardedRoute(router, guard, Method::kPost, auth::Action::kManageKeys);
  Request request;
  request.method = Method::kPost;
  request.remote_address = "10.0.0.9";
  request.authorization = "Bearer amp_notarealkeyatall";
  EXPECT_EQ(route.handler(request, {}).status, 401);
  EXPECT_EQ(route.handler(request, {}).status, 401);
  EXPECT_EQ(route.handler(request, {}).status, 429);  // the address's bucket is empty: not even audited
  auto records = store_->ListAudit(0, 100);
  ASSERT_TRUE(records.ok());
  EXPECT_EQ(records->size(), 2u);
  request.remote_address = "10.0.0.10";
  EXPECT_EQ(route.handler(request, {}).status, 401);  // another address has its own budget
}

}  // namespace
}  // namespace amp::api
