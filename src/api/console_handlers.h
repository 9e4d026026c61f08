// The web console: the single-page app built from web/ (Vite's dist folder), served by the server itself as the
// router's GET fallback, so it costs the API routes nothing. The files are read once at startup into memory and
// looked up by their path; a path that is not one of them can never reach the file system, so no traversal is
// possible. Immutable after construction: thread-safe.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "api/router.h"
#include "core/status.h"

namespace amp::api {

class ConsoleHandlers {
 public:
  // Reads every regular file under `root` (index.html and assets/). A missing folder is an error; the caller logs
  // it and serves without a console (the fallback then explains how to build it).
  core::Status Load(const std::filesystem::path& root);
  void AddRoutes(Router& router);
  bool loaded() const { return !files_.empty(); }
  size_t file_count() const { return files_.size(); }

  Response Serve(const Request& request) const;

 private:
  struct File {
    std::string body;
    std::string_view content_type;
  };
  std::map<std::string, File, std::less<>> files_;  // by URL path without the leading '/', e.g. "assets/index.js"
};

// What a console request names: a file of the build ("file", with the decoded relative path: the last segment has
// an extension), one of the console's client-side routes ("route": answered with index.html; `/` and the paths under
// /models, /datasets, /train, /jobs, /try, /monitoring, /admin, /signin), or nothing ("not found": the API's JSON 404,
// so /v1/typo or /no/such/route never turn into the app). Nullopt for a path that is not acceptable (bad escape, "..",
// ".", backslash, NUL, empty segment).
struct ConsoleTarget {
  enum class Kind { kNotFound, kFile, kRoute };
  Kind kind;
  std::string file;  // for kFile
};
std::optional<ConsoleTarget> ClassifyConsolePath(std::string_view path);

// The Content-Type for a file name by its extension; application/octet-stream when unknown.
std::string_view ConsoleContentType(std::string_view file_name);

}  // namespace amp::api
