#include "cli/dataset_commands.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "cli/answer_format.h"
#include "cli/file_contents.h"
#include "cli/server_call.h"

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
}

}  // namespace amp::cli
