#include "api/console_handlers.h"

#include <fstream>
#include <iterator>
#include <system_error>

#include "api/error_response.h"

namespace amp::api {
namespace fs = std::filesystem;
namespace {

// Refuse to hold a surprisingly large folder in memory (a wrong --web-dir pointing at a home directory).
constexpr uintmax_t kMaxConsoleBytes = 64ull << 20;

// Vite names everything under assets/ by a hash of its content: a changed file gets a new name, so it may be cached
// for good. index.html names the current ones, so it must be revalidated every time.
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kRevalidate = "no-cache";
constexpr std::string_view kSecurityPolicy =
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

// The first path segments of the console's client-side routes (web/src/main.tsx); keep the two lists together.
bool IsClientRoute(std::string_view first_segment) {
  for (std::string_view route : {"models", "datasets", "train", "jobs", "try", "monitoring", "admin", "signin"}) {
    if (first_segment == route) return true;
  }
  return false;
}

}  // namespace

std::optional<ConsoleTarget> ClassifyConsolePath(std::string_view path) {
  if (path.empty() || path.front() != '/') return std::nullopt;
  auto decoded = PercentDecode(path.substr(1), false);
  if (!decoded) return std::nullopt;
  std::string_view rest = *decoded;
  if (rest.empty()) return ConsoleTarget{ConsoleTarget::Kind::kRoute, {}};
  if (rest.find('\\') != std::string_view::npos) return std::nullopt;
  const std::string_view first = rest.substr(0, rest.find('/'));
  std::string_view last;
  while (true) {
    const size_t slash = rest.find('/');
    std::string_view segment = rest.substr(0, slash);
    if (segment.empty() || segment == "." || segment == "..") return std::nullopt;
    last = segment;
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  const size_t dot = last.rfind('.');
  if (dot != std::string_view::npos && dot != 0) return ConsoleTarget{ConsoleTarget::Kind::kFile, *decoded};
  if (IsClientRoute(first)) return ConsoleTarget{ConsoleTarget::Kind::kRoute, {}};
  return ConsoleTarget{ConsoleTarget::Kind::kNotFound, {}};
}

std::string_view ConsoleContentType(std::string_view file_name) {
  const size_t dot = file_name.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? std::string_view() : file_name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json" || ext == "map") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "woff2") return "font/woff2";
  if (ext == "txt") return "text/plain; charset=utf-8";
  if (ext == "webmanifest") return "application/manifest+json";
  return "application/octet-stream";
}

core::Status ConsoleHandlers::Load(const fs::path& root) {
  std::error_code ec;
  if (!fs::is_regular_file(root / "index.html", ec)) {
    return core::NotFound("no web console at " + root.string() + " (index.html missing; build it with `make build`)");
  }
  std::map<std::string, File, std::less<>> files;
  uintmax_t total = 0;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    total += it->file_size(ec);
    if (total > kMaxConsoleBytes) return core::FailedPrecondition("the web console at " + root.string() + " is over 64 MiB");
    std::ifstream in(it->path(), std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) return core::Internal("cannot read " + it->path().string());
    std::string key = fs::relative(it->path(), root, ec).generic_string();
    if (ec) return core::Internal("cannot read " + it->path().string() + ": " + ec.message());
    files.emplace(key, File{std::move(body), ConsoleContentType(key)});
  }
  if (ec) return core::Internal("cannot list " + root.string() + ": " + ec.message());
  files_ = std::move(files);
  return core::Status::Ok();
}

void ConsoleHandlers::AddRoutes(Router& router) {
  // Open to all (like health): the console's files hold no data; the API calls it makes carry the user's key.
  router.AddFallback(Method::kGet, "/*", OnServer(auth::Action::kHealth),
                     [this](const Request& request, const PathParams&) { return Serve(request); });
}

Response ConsoleHandlers::Serve(const Request& request) const {
  std::optional<ConsoleTarget> target = ClassifyConsolePath(request.path);
  if (!target) return ErrorResponse(400, "bad_path", "the path is not acceptable");
  if (target->kind == ConsoleTarget::Kind::kNotFound) return ErrorResponse(404, "not_found", "no such route");
  if (files_.empty()) {
    return ErrorResponse(404, "no_console",
                         "the web console is not built: run `make build` (npm ci && npm run build in web/) or pass "
                         "--web-dir");
  }
  const bool is_file = target->kind == ConsoleTarget::Kind::kFile;
  auto found = files_.find(is_file ? std::string_view(target->file) : std::string_view("index.html"));
  if (found == files_.end()) return ErrorResponse(404, "not_found", "no such file");
  Response response;
  response.content_type = found->second.content_type;
  response.body = found->second.body;
  const bool hashed = is_file && target->file.rfind("assets/", 0) == 0;
  response.headers.emplace_back("Cache-Control", hashed ? kImmutable : kRevalidate);
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (!is_file || found->first == "index.html") {
    response.headers.emplace_back("Content-Security-Policy", kSecurityPolicy);
    response.headers.emplace_back("Referrer-Policy", "no-referrer");
  }
  return response;
}

}  // namespace amp::api
