#include "cli/dataset_commands.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include "cli/answer_format.h"
#include "cli/dataset_view.h"
#include "cli/file_contents.h"
#include "cli/server_call.h"
#include "core/id.h"

namespace amp::cli {
namespace {

int UploadDataset(const ServerOptions& server, const std::string& file, std::string name) {
  std::optional<std::string> contents = ReadFileContents(file);
  if (!contents) return PrintError("cannot open " + file);
  if (name.empty()) {
    name = std::filesystem::path(file).stem().string();
    for (char& c : name) {
      bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
      if (!ok) c = '_';
    }
  }
  ServerCall call(server);
  if (!call.Send("POST", "/v1/datasets?name=" + http::UrlEncode(name), *contents, "text/csv")) return 1;
  auto root = call.root();
  std::cout << "dataset " << FieldText(root, "id") << " (" << FieldText(root, "name")
            << "): " << FieldText(root, "row_count") << " rows, " << FieldText(root, "column_count") << " columns\n";
  PrintArrayTable(root, "columns", {"COLUMN", "TYPE", "MISSING", "DISTINCT"}, [](simdjson::dom::element column) {
    return std::vector<std::string>{FieldText(column, "name"), FieldText(column, "type"),
                                    FieldText(column, "missing_count"), FieldText(column, "distinct_count")};
  });
  return 0;
}

int ListDatasets(const ServerOptions& server) {
  ServerCall call(server);
  if (!call.Send("GET", "/v1/datasets")) return 1;
  PrintArrayTable(call.root(), "datasets", {"ID", "NAME", "ROWS", "COLUMNS", "CREATED"},
                  [](simdjson::dom::element dataset) {
                    return std::vector<std::string>{FieldText(dataset, "id"), FieldText(dataset, "name"),
                                                    FieldText(dataset, "row_count"), FieldText(dataset, "column_count"),
                                                    FieldText(dataset, "created_at")};
                  });
  return 0;
}

// The id of the dataset `name_or_id` names (a name: the newest dataset of that name; else an id), printing why
// not. The server lists only the datasets of that name; an id is checked by the caller's GET.
std::optional<std::string> ResolveDataset(const ServerOptions& server, const std::string& name_or_id) {
  ServerCall call(server);
  if (!call.Send("GET", "/v1/datasets?name=" + http::UrlEncode(name_or_id))) return std::nullopt;
  std::string id = FindDatasetId(call.root(), name_or_id);
  if (id.empty() && core::LooksLikeId(name_or_id, "ds")) id = name_or_id;
  if (id.empty()) {
    PrintError("no dataset with id or name '" + name_or_id + "'");
    return std::nullopt;
  }
  return id;
}

int ShowDataset(const ServerOptions& server, const std::string& name_or_id, bool json) {
  std::optional<std::string> id = ResolveDataset(server, name_or_id);
  if (!id) return 1;
  ServerCall call(server);
  if (!call.Send("GET", "/v1/datasets/" + http::UrlEncode(*id))) return 1;
  if (json) {
    std::cout << simdjson::minify(call.root()) << "\n";
  } else {
    std::cout << RenderDataset(call.root());
  }
  return 0;
}

int DeleteDataset(const ServerOptions& server, const std::string& name_or_id, bool cascade) {
  std::optional<std::string> id = ResolveDataset(server, name_or_id);
  if (!id) return 1;
  ServerCall call(server);
  if (!call.Send("DELETE", "/v1/datasets/" + http::UrlEncode(*id) + (cascade ? "?cascade=true" : ""))) return 1;
  std::cout << "deleted dataset " << *id << "\n";
  if (const std::string deleted = JoinedStrings(call.root(), "deleted_models"); !deleted.empty()) {
    std::cout << "deleted the models trained on it: " << deleted << "\n";
  }
  if (const std::string kept = JoinedStrings(call.root(), "models_trained_on_it"); !kept.empty()) {
    std::cout << "models trained on it, kept (their lineage now names a deleted dataset): " << kept << "\n";
  }
  return 0;
}

}  // namespace

void AddDatasetCommands(CLI::App& app, std::shared_ptr<ServerOptions> server, std::function<int()>* action) {
  CLI::App* datasets = app.add_subcommand("datasets", "Upload and inspect datasets");
  datasets->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  CLI::App* upload = datasets->add_subcommand("upload", "Upload a CSV file (header row) as a dataset");
  upload->add_option("file", *file, "CSV file")->required()->check(CLI::ExistingFile);
  upload->add_option("--name", *name, "Dataset name (default: the file name)");
  AddServerOptions(upload, server.get());
  upload->callback([=] { *action = [=] { return UploadDataset(*server, *file, *name); }; });
  CLI::App* list = datasets->add_subcommand("list", "List datasets");
  AddServerOptions(list, server.get());
  list->callback([=] { *action = [=] { return ListDatasets(*server); }; });
  auto dataset = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  CLI::App* show = datasets->add_subcommand("show", "Show a dataset's columns, their profile and the cleaning report");
  show->add_option("dataset", *dataset, "Dataset id or name (the newest of that name)")->required();
  show->add_flag("--json", *json, "Print the server's JSON answer (GET /v1/datasets/ID) instead");
  AddServerOptions(show, server.get());
  show->callback([=] { *action = [=] { return ShowDataset(*server, *dataset, *json); }; });
  auto cascade = std::make_shared<bool>(false);
  CLI::App* remove = datasets->add_subcommand("delete", "Delete a dataset and its file");
  remove->add_option("dataset", *dataset, "Dataset id or name (the newest of that name)")->required();
  remove->add_flag("--cascade", *cascade, "Also delete every model trained on it");
  AddServerOptions(remove, server.get());
  remove->callback([=] { *action = [=] { return DeleteDataset(*server, *dataset, *cascade); }; });
}

}  // namespace amp::cli
