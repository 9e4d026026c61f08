#include "api/console_handlers.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/temp_dir.h"

namespace amp::api {
namespace {

std::string Describe(const std::optional<ConsoleTarget>& target) {
  if (!target) return "refused";
  switch (target->kind) {
    case ConsoleTarget::Kind::kNotFound: return "not found";
    case ConsoleTarget::Kind::kRoute: return "route";
    case ConsoleTarget::Kind::kFile: return "file " + target->file;
  }
  return "?";
}

TEST(ClassifyConsolePathTest, Table) {
  struct Case {
    std::string path;
    std::string want;
  };
  const Case cases[] = {
      {"/", "route"},
      {"/models", "route"},
      {"/models/House%20Price", "route"},
      {"/jobs/job_1", "route"},
      {"/train", "route"},
      {"/index.html", "file index.html"},
      {"/assets/index-3f9a.js", "file assets/index-3f9a.js"},
      {"/assets/a%20b.css", "file assets/a b.css"},
      {"/v1/nope", "not found"},
      {"/metrics/x", "not found"},
      {"/no/such/route", "not found"},
      {"/.hidden", "not found"},  // no extension and not a console route: never the file
      {"/api/x.json", "file api/x.json"},  // a file name: looked up among the console's files (none there: 404)
      {"/../etc/passwd", "refused"},
      {"/assets/../../etc/passwd", "refused"},
      {"/assets/%2e%2e/%2e%2e/etc/passwd", "refused"},
      {"/assets/..%2fx.js", "refused"},
      {"/assets/.%2e/x.js", "refused"},
      {"/assets/..\\x.js", "refused"},
      {"/assets//x.js", "refused"},
      {"/models/", "refused"},
      {"/./index.html", "refused"},
      {"/a%00.js", "refused"},
      {"/a%zz.js", "refused"},
      {"relative.js", "refused"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    EXPECT_EQ(Describe(ClassifyConsolePath(c.path)), c.want);
  }
}

TEST(ConsoleContentTypeTest, ByExtension) {
  EXPECT_EQ(ConsoleContentType("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(ConsoleContentType("assets/index-1.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ConsoleContentType("assets/index-1.css"), "text/css; charset=utf-8");
  EXPECT_EQ(ConsoleContentType("favicon.svg"), "image/svg+xml");
  EXPECT_EQ(ConsoleContentType("x.bin"), "application/octet-stream");
  EXPECT_EQ(ConsoleContentType("noext"), "application/octet-stream");
}

std::string Header(const Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

class ConsoleHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() / "dist" / "assets");
    Write("dist/index.html", "<!doctype html><title>AMP</title>");
    Write("dist/assets/app-1a2b.js", "console.log(1)");
    Write("secret.txt", "outside the console");
    ASSERT_TRUE(console_.Load(dir_.path() / "dist").ok());
  }
  void Write(const std::string& name, const std::string& text) { std::ofstream(dir_.path() / name) << text; }
  Response Get(std::string_view path) {
    Request request;
    request.path = path;
    return console_.Serve(request);
  }

  core::TempDir dir_;
  ConsoleHandlers console_;
};

TEST_F(ConsoleHandlersTest, ServesFilesWithTypesAndCaching) {
  Response index = Get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(index.body, "<!doctype html><title>AMP</title>");
  EXPECT_EQ(Header(index, "Cache-Control"), "no-cache");
  EXPECT_NE(Header(index, "Content-Security-Policy").find("default-src 'self'"), std::string::npos);

  Response script = Get("/assets/app-1a2b.js");
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(script.body, "console.log(1)");
  EXPECT_EQ(Header(script, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(Header(script, "X-Content-Type-Options"), "nosniff");
}

TEST_F(ConsoleHandlersTest, ClientRoutesGetIndexAndUnknownFilesAndApiPathsAre404) {
  Response route = Get("/models/houses");
  EXPECT_EQ(route.status, 200);
  EXPECT_EQ(route.body, "<!doctype html><title>AMP</title>");
  EXPECT_EQ(Get("/assets/missing.js").status, 404);
  EXPECT_EQ(Get("/secret.txt").status, 404);
  EXPECT_EQ(Get("/no/such/route").status, 404);
  Response api = Get("/v1/nope");
  EXPECT_EQ(api.status, 404);
  EXPECT_EQ(api.content_type, "application/json");
  EXPECT_EQ(Get("/../secret.txt").status, 400);
  EXPECT_EQ(Get("/%2e%2e/secret.txt").status, 400);
}

TEST(ConsoleHandlersLoadTest, MissingFolderIsAnErrorAndTheFallbackExplains) {
  core::TempDir dir;
  ConsoleHandlers console;
  EXPECT_FALSE(console.Load(dir.path() / "nope").ok());
  Request request;
  request.path = "/";
  Response response = console.Serve(request);
  EXPECT_EQ(response.status, 404);
  EXPECT_NE(response.body.find("make build"), std::string::npos);
}

}  // namespace
}  // namespace amp::api
