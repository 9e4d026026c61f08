#include "cli/model_commands.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/answer_format.h"
#include "cli/json_body.h"
#include "cli/model_transfer_commands.h"
#include "cli/model_view.h"
#include "cli/server_call.h"

namespace amp::cli {
namespace {

struct ModelFilterOptions {
  std::string tag;
  std::string owner;
  std::string search;
};

int ListModels(const ServerOptions& server, const ModelFilterOptions& filter) {
  std::string query;
  for (const auto& [name, value] : {std::pair<const char*, const std::string*>{"tag", &filter.tag},
                                    {"owner", &filter.owner},
                                    {"q", &filter.search}}) {
    if (!value->empty()) query += std::string(query.empty() ? "?" : "&") + name + "=" + http::UrlEncode(*value);
  }
  ServerCall call(server);
  if (!call.Send("GET", "/v1/models" + query)) return 1;
  PrintArrayTable(call.root(), "models", {"ID", "NAME", "VERSION", "ALGORITHM", "TARGET", "METRICS"},
                  [](simdjson::dom::element model) {
                    simdjson::dom::element latest;
                    bool has_version = model["latest_version"].get(latest) == simdjson::SUCCESS && latest.is_object();
                    return std::vector<std::string>{FieldText(model, "id"),
                                                    FieldText(model, "name"),
                                                    has_version ? FieldText(latest, "version") : "-",
                                                    has_version ? FieldText(latest, "algorithm") : "-",
                                                    has_version ? FieldText(latest, "target") : "-",
                                                    has_version ? FormatMetrics(latest) : ""};
                  });
  return 0;
}

// Grants a key access to a model, or takes it away (admin).
int ChangeGrant(const ServerOptions& server, const std::string& model, const std::string& key_id, bool grant) {
  ServerCall call(server);
  if (!call.Send(grant ? "PUT" : "DELETE",
                 "/v1/models/" + http::UrlEncode(model) + "/grants/" + http::UrlEncode(key_id))) {
    return 1;
  }
  std::cout << "key " << key_id << (grant ? " may now use" : " may no longer use") << " model '" << model << "'\n";
  return 0;
}

// Makes a model callable without a key, or not (admin, developer).
int SetModelPublic(const ServerOptions& server, const std::string& model, bool is_public) {
  ServerCall call(server);
  const std::string body = is_public ? R"({"public":true})" : R"({"public":false})";
  if (!call.Send("PATCH", "/v1/models/" + http::UrlEncode(model), body, "application/json")) return 1;
  std::cout << "model '" << FieldText(call.root(), "name") << "' is now " << (is_public ? "public" : "private") << "\n";
  return 0;
}

struct UpdateOptions {
  std::string description;
  bool has_description = false;
  std::string owner;
  bool has_owner = false;
  std::vector<std::string> tags;
  bool clear_tags = false;
  int64_t keep_last = 0;
  bool no_retention = false;
};

// PATCH /v1/models/{model} with the fields given.
int UpdateModel(const ServerOptions& server, const std::string& model, const UpdateOptions& options) {
  std::string body;
  auto add = [&body](std::string_view key, const std::string& json) {
    body += (body.empty() ? "{" : ",") + JsonQuote(key) + ":" + json;
  };
  if (options.has_description) add("description", JsonQuote(options.description));
  if (options.has_owner) add("owner", JsonQuote(options.owner));
  if (!options.tags.empty() || options.clear_tags) add("tags", JsonStringArray(options.tags));
  if (options.no_retention) {
    add("retention", "null");
  } else if (options.keep_last > 0) {
    add("retention", "{\"keep_last\":" + std::to_string(options.keep_last) + "}");
  }
  if (body.empty()) return PrintError("nothing to change: give --description, --owner, --tag, --keep-last ...");
  body += "}";
  ServerCall call(server);
  if (!call.Send("PATCH", "/v1/models/" + http::UrlEncode(model), body, "application/json")) return 1;
  std::cout << simdjson::minify(call.root()) << "\n";
  return 0;
}

int DeleteVersion(const ServerOptions& server, const std::string& model, int64_t version) {
  ServerCall call(server);
  if (!call.Send("DELETE", "/v1/models/" + http::UrlEncode(model) + "/versions/" + std::to_string(version))) {
    return 1;
  }
  std::cout << "deleted version " << version << " of model '" << model << "'\n";
  return 0;
}

int ShowModel(const ServerOptions& server, const std::string& model, bool json) {
  ServerCall call(server);
  if (!call.Send("GET", "/v1/models/" + http::UrlEncode(model))) return 1;
  if (json) {
    std::cout << simdjson::minify(call.root()) << "\n";
  } else {
    std::cout << RenderModel(call.root());
  }
  return 0;
}

}  // namespace

void AddModelCommands(CLI::App& app, std::shared_ptr<ServerOptions> server, std::function<int()>* action) {
  CLI::App* models = app.add_subcommand("models", "List models, or show one with `models show NAME`");
  AddServerOptions(models, server.get());
  auto name = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  CLI::App* show = models->add_subcommand("show", "Show a model, its versions and the served one in detail");
  show->add_option("name", *name, "Model name or id")->required();
  show->add_flag("--json", *json, "Print the server's JSON answer (GET /v1/models/NAME) instead");
  AddServerOptions(show, server.get());
  show->callback([=] { *action = [=] { return ShowModel(*server, *name, *json); }; });
  AddModelDownloadCommand(models, server, action);
  auto key_id = std::make_shared<std::string>();
  for (bool grant : {true, false}) {
    CLI::App* command =
        models->add_subcommand(grant ? "grant" : "ungrant", grant ? "Let an API key read and predict on a model (admin)"
                                                                  : "Take a model away from an API key (admin)");
    command->add_option("name", *name, "Model name or id")->required();
    command->add_option("key_id", *key_id, "API key id")->required();
    AddServerOptions(command, server.get());
    command->callback([=] { *action = [=] { return ChangeGrant(*server, *name, *key_id, grant); }; });
  }
  for (bool is_public : {true, false}) {
    CLI::App* command = models->add_subcommand(
        is_public ? "publish" : "unpublish",
        is_public ? "Make a model callable without an API key" : "Make a model need an API key again");
    command->add_option("name", *name, "Model name or id")->required();
    AddServerOptions(command, server.get());
    command->callback([=] { *action = [=] { return SetModelPublic(*server, *name, is_public); }; });
  }
  AddModelExportCommand(models, server, action);
  auto update_name = std::make_shared<std::string>();
  auto update = std::make_shared<UpdateOptions>();
  CLI::App* update_command = models->add_subcommand(
      "update", "Change a model's description, owner, tags or retention policy (developer, admin)");
  update_command->add_option("name", *update_name, "Model name or id")->required();
  CLI::Option* description = update_command->add_option("--description", update->description, "New description");
  CLI::Option* owner = update_command->add_option("--owner", update->owner, "New owner (a person or team)");
  update_command->add_option("--tag", update->tags, "Tag (repeat for several); replaces the model's tags");
  update_command->add_flag("--clear-tags", update->clear_tags, "Remove every tag");
  update_command->add_option("--keep-last", update->keep_last,
                             "Retention: keep the newest N versions (plus aliased and loaded ones)");
  update_command->add_flag("--no-retention", update->no_retention, "Keep every version");
  AddServerOptions(update_command, server.get());
  update_command->callback([=] {
    update->has_description = description->count() > 0;
    update->has_owner = owner->count() > 0;
    *action = [=] { return UpdateModel(*server, *update_name, *update); };
  });
  auto delete_name = std::make_shared<std::string>();
  auto delete_version = std::make_shared<int64_t>(0);
  CLI::App* delete_command = models->add_subcommand(
      "delete-version", "Delete a version and its artifact (refused while an alias points to it)");
  delete_command->add_option("name", *delete_name, "Model name or id")->required();
  delete_command->add_option("version", *delete_version, "Version number")->required();
  AddServerOptions(delete_command, server.get());
  delete_command->callback([=] { *action = [=] { return DeleteVersion(*server, *delete_name, *delete_version); }; });
  auto filter = std::make_shared<ModelFilterOptions>();
  models->add_option("--tag", filter->tag, "List only models with this tag");
  models->add_option("--owner", filter->owner, "List only models of this owner");
  models->add_option("--search", filter->search, "List only models whose name, description, owner or tags hold this");
  AddModelImportCommand(models, server, action);
  models->callback([=] {
    if (!*action) *action = [=] { return ListModels(*server, *filter); };
  });
}

}  // namespace amp::cli
