#include "cli/key_commands.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/answer_format.h"
#include "cli/json_body.h"
#include "cli/server_call.h"

namespace amp::cli {
namespace {

void PrintKey(simdjson::dom::element key) {
  std::cout << "key " << FieldText(key, "id") << " (" << FieldText(key, "name") << ", " << FieldText(key, "role")
            << ")";
  if (!FieldText(key, "expires_at").empty()) std::cout << " expires " << FieldText(key, "expires_at");
  std::cout << "\n";
  std::string secret = FieldText(key, "secret");
  if (!secret.empty()) {
    std::cout << "secret (shown once; store it now): " << secret << "\n";
  }
}

constexpr int64_t kLimitNotGiven = -2;

struct KeyOptions {
  std::string name;
  std::string role;
  int64_t expires_in_seconds = 0;
  std::string id;
  // Per-key quotas: -1 for the server's default, 0 for unlimited; kLimitNotGiven when the flag is absent.
  int64_t max_dataset_bytes = kLimitNotGiven;
  int64_t max_dataset_rows = kLimitNotGiven;
  int64_t max_training_jobs = kLimitNotGiven;
};

// ,"limits":{...} with the limits given on the command line; empty when none was.
std::string LimitsJson(const KeyOptions& options) {
  std::string fields;
  auto add = [&fields](const char* name, int64_t value) {
    if (value == kLimitNotGiven) return;
    if (!fields.empty()) fields += ",";
    fields += std::string("\"") + name + "\":" + (value < 0 ? std::string("null") : std::to_string(value));
  };
  add("max_dataset_bytes", options.max_dataset_bytes);
  add("max_dataset_rows", options.max_dataset_rows);
  add("max_training_jobs", options.max_training_jobs);
  return fields.empty() ? "" : ",\"limits\":{" + fields + "}";
}

void AddLimitOptions(CLI::App* command, KeyOptions* options) {
  command->add_option("--max-dataset-bytes", options->max_dataset_bytes,
                      "Limit of one dataset upload's size (0: unlimited, -1: the server's default)");
  command->add_option("--max-dataset-rows", options->max_dataset_rows,
                      "Limit of one dataset upload's rows (0: unlimited, -1: the server's default)");
  command->add_option("--max-training-jobs", options->max_training_jobs,
                      "Training jobs queued or running at once (0: unlimited, -1: the server's default)");
}

int CreateKey(const ServerOptions& server, const KeyOptions& options) {
  std::string body = "{\"name\":" + JsonQuote(options.name) + ",\"role\":" + JsonQuote(options.role);
  if (options.expires_in_seconds > 0) body += ",\"expires_in_seconds\":" + std::to_string(options.expires_in_seconds);
  body += LimitsJson(options);
  body += "}";
  ServerCall call(server);
  if (!call.Send("POST", "/v1/keys", body, "application/json")) return 1;
  PrintKey(call.root());
  return 0;
}

int ChangeKey(const ServerOptions& server, const KeyOptions& options, bool rotate) {
  ServerCall call(server);
  const std::string target = "/v1/keys/" + http::UrlEncode(options.id);
  const std::string limits = rotate ? LimitsJson(options) : "";
  bool sent = false;
  if (!rotate) {
    sent = call.Send("DELETE", target);
  } else if (limits.empty()) {
    sent = call.Send("POST", target + "/rotate");
  } else {
    sent = call.Send("POST", target + "/rotate", "{" + limits.substr(1) + "}", "application/json");
  }
  if (!sent) return 1;
  PrintKey(call.root());
  if (!rotate) std::cout << "revoked\n";
  return 0;
}

int ListKeys(const ServerOptions& server) {
  ServerCall call(server);
  if (!call.Send("GET", "/v1/keys")) return 1;
  PrintArrayTable(call.root(), "keys", {"ID", "NAME", "ROLE", "PREFIX", "CREATED", "EXPIRES", "REVOKED"},
                  [](simdjson::dom::element key) {
                    std::string expires = FieldText(key, "expires_at");
                    return std::vector<std::string>{FieldText(key, "id"),         FieldText(key, "name"),
                                                    FieldText(key, "role"),       FieldText(key, "prefix"),
                                                    FieldText(key, "created_at"), expires.empty() ? "never" : expires,
                                                    FieldText(key, "revoked")};
                  });
  return 0;
}

}  // namespace

void AddKeyCommands(CLI::App& app, std::shared_ptr<ServerOptions> server, std::function<int()>* action) {
  CLI::App* keys = app.add_subcommand("keys", "Manage API keys (needs an admin key)");
  keys->require_subcommand(1);
  auto options = std::make_shared<KeyOptions>();
  CLI::App* create = keys->add_subcommand("create", "Create a key; its secret is printed once");
  create->add_option("--name", options->name, "A name for the key, e.g. the team or service using it")->required();
  create->add_option("--role", options->role, "admin, developer or consumer")
      ->required()
      ->check(CLI::IsMember({"admin", "developer", "consumer"}));
  create->add_option("--expires-in", options->expires_in_seconds, "Seconds until the key expires (default never)");
  AddLimitOptions(create, options.get());
  AddServerOptions(create, server.get());
  create->callback([=] { *action = [=] { return CreateKey(*server, *options); }; });
  CLI::App* list = keys->add_subcommand("list", "List keys (never their secrets)");
  AddServerOptions(list, server.get());
  list->callback([=] { *action = [=] { return ListKeys(*server); }; });
  CLI::App* rotate =
      keys->add_subcommand("rotate", "Give a key a new secret (printed once); the old one stops working");
  rotate->add_option("id", options->id, "Key id")->required();
  AddLimitOptions(rotate, options.get());
  AddServerOptions(rotate, server.get());
  rotate->callback([=] { *action = [=] { return ChangeKey(*server, *options, true); }; });
  CLI::App* revoke = keys->add_subcommand("revoke", "Revoke a key");
  revoke->add_option("id", options->id, "Key id")->required();
  AddServerOptions(revoke, server.get());
  revoke->callback([=] { *action = [=] { return ChangeKey(*server, *options, false); }; });
}

}  // namespace amp::cli
