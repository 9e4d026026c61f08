#include "app/audit_command.h"

#include <simdjson.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "app/metadata_store_opener.h"
#include "auth/audit_log.h"
#include "http/http_client.h"

namespace amp::app {
namespace {

struct AuditOptions {
  std::string data_dir;
  std::string metadata;  // a SQLite file or postgresql://... instead of <data_dir>/amp.db
  std::string server;
  std::string api_key;
};

int VerifyOffline(const AuditOptions& options) {
  if (options.metadata.find("://") == std::string::npos) {  // SQLite: never create an empty database here
    const std::filesystem::path db = options.metadata.empty() ? std::filesystem::path(options.data_dir) / "amp.db"
                                                              : std::filesystem::path(options.metadata);
    if (!std::filesystem::exists(db)) {
      std::cerr << "amp: no database at " << db.string() << "\n";
      return 1;
    }
  }
  auto store = OpenMetadataStore(options.metadata, options.data_dir);
  if (!store.ok()) {
    std::cerr << "amp: " << store.status().ToString() << "\n";
    return 1;
  }
  auto checked = auth::VerifyStoredAuditLog(**store);
  if (!checked.ok()) {
    std::cout << "audit log BROKEN: " << checked.status().message() << "\n";
    return 1;
  }
  std::cout << "audit log intact: " << *checked << " records\n";
  return 0;
}

int VerifyOnline(const AuditOptions& options) {
  auto client = http::HttpClient::Create(options.server);
  if (!client.ok()) {
    std::cerr << "amp: " << client.status().message() << "\n";
    return 1;
  }
  if (!options.api_key.empty()) client->SetHeader("Authorization", "Bearer " + options.api_key);
  auto response = client->Send("GET", "/v1/audit/verify");
  if (!response.ok()) {
    std::cerr << "amp: " << response.status().message() << "\n";
    return 1;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(response->body).get(root) != simdjson::SUCCESS || response->status != 200) {
    std::cerr << "amp: the server answered " << response->status << ": " << response->body << "\n";
    return 1;
  }
  bool intact = false;
  if (root["intact"].get(intact) != simdjson::SUCCESS) intact = false;
  if (!intact) {
    std::string_view problem = "unknown";
    if (root["problem"].get(problem) != simdjson::SUCCESS) problem = "unknown";
    std::cout << "audit log BROKEN: " << problem << "\n";
    return 1;
  }
  int64_t records = 0;
  if (root["records"].get(records) != simdjson::SUCCESS) records = 0;
  std::cout << "audit log intact: " << records << " records\n";
  return 0;
}

}  // namespace

void AddAuditCommand(CLI::App& app, std::function<int()>* action) {
  auto options = std::make_shared<AuditOptions>();
  const char* server = std::getenv("AMP_SERVER");
  options->server = server != nullptr && *server != '\0' ? server : "http://127.0.0.1:8080";
  if (const char* key = std::getenv("AMP_API_KEY")) options->api_key = key;
  CLI::App* audit = app.add_subcommand("audit", "Check the audit trail");
  audit->require_subcommand(1);
  CLI::App* verify = audit->add_subcommand("verify", "Verify the audit log's hash chain (offline or via a server)");
  verify->add_option("--data-dir", options->data_dir, "Check this data folder's database directly");
  verify->add_option("--metadata", options->metadata,
                     "Check this metadata store directly: a SQLite file or postgresql://... (docs/storage.md)");
  verify->add_option("--server", options->server, "Else ask this server (default $AMP_SERVER)");
  verify->add_option("--api-key", options->api_key, "Admin API key for --server (default $AMP_API_KEY)");
  verify->callback([=] {
    *action = [=] {
      bool offline = !options->data_dir.empty() || !options->metadata.empty();
      return offline ? VerifyOffline(*options) : VerifyOnline(*options);
    };
  });
}

}  // namespace amp::app
