#include "cli/model_transfer_commands.h"

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "cli/answer_format.h"
#include "cli/file_contents.h"
#include "cli/json_body.h"
#include "cli/server_call.h"
#include "core/base64.h"

namespace amp::cli {
namespace {

// Saves GET /v1/models/{model}/versions/{version}/{resource} (the served version when `version` is 0) to `output`
// (default NAME-vN<extension>) and prints where, with the SHA-256 the server gave in X-Amp-Bundle-Sha256 if any.
int SaveVersionResource(const ServerOptions& server, const std::string& model, int64_t version,
                        const std::string& resource, std::string_view extension, std::string output) {
  if (version <= 0) {
    ServerCall call(server);
    if (!call.Send("GET", "/v1/models/" + http::UrlEncode(model))) return 1;
    if (call.root()["served_version"].get_int64().get(version) != simdjson::SUCCESS) {
      return PrintError("model '" + model + "' has no version to download");
    }
  }
  std::optional<http::HttpClient> client = ConnectToServer(server);
  if (!client) return 1;
  auto response = client->Send(
      "GET", "/v1/models/" + http::UrlEncode(model) + "/versions/" + std::to_string(version) + "/" + resource);
  if (!response.ok()) return PrintError(response.status().message());
  if (response->status != 200) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    std::string_view message = "unknown error";
    if (parser.parse(response->body).get(root) == simdjson::SUCCESS) message = ErrorMessage(root);
    return PrintHttpError(message, response->status);
  }
  if (output.empty()) output = model + "-v" + std::to_string(version) + std::string(extension);
  std::ofstream file(output, std::ios::binary | std::ios::trunc);
  file << response->body;
  file.close();
  if (!file) return PrintError("cannot write " + output);
  std::cout << "saved " << model << " version " << version << " to " << output << " (" << response->body.size()
            << " bytes";
  std::string sha256 = response->Header("X-Amp-Bundle-Sha256");
  if (!sha256.empty()) std::cout << ", sha256 " << sha256;
  std::cout << ")\n";
  return 0;
}

// Saves a version's bundle. The bundle checks itself when loaded: `amp score` refuses one whose model bytes do not
// match its manifest's SHA-256.
int DownloadModel(const ServerOptions& server, const std::string& model, int64_t version, std::string output) {
  return SaveVersionResource(server, model, version, "artifact", ".ampbundle", std::move(output));
}

// Saves a version exported to `format` ("onnx" or "xgboost-json"), default file NAME-vN.onnx / NAME-vN.xgboost.json.
int ExportModel(const ServerOptions& server, const std::string& model, int64_t version, const std::string& format,
                std::string output) {
  const std::string extension = format == "xgboost-json" ? ".xgboost.json" : "." + format;
  return SaveVersionResource(server, model, version, "export?format=" + http::UrlEncode(format), extension,
                             std::move(output));
}

struct ImportOptions {
  std::string name;
  std::string file;
  std::string format;                 // empty: from the file's extension (.onnx, .json, .ubj)
  std::vector<std::string> features;  // NAME or NAME:TYPE
  std::string task = "regression";
  std::vector<std::string> classes;
  std::string target;
  std::string output;
};

// Registers a model file trained elsewhere as a new version: POST /v1/models/{name}/import.
int ImportModel(const ServerOptions& server, const ImportOptions& options) {
  std::optional<std::string> contents = ReadFileContents(options.file);
  if (!contents) return PrintError("cannot open " + options.file);
  std::string format = options.format;
  if (format.empty()) {
    if (options.file.ends_with(".onnx")) {
      format = "onnx";
    } else if (options.file.ends_with(".json")) {
      format = "xgboost_json";
    } else if (options.file.ends_with(".ubj")) {
      format = "xgboost_ubj";
    } else {
      return PrintError("cannot tell the format from the file name; give --format onnx|xgboost_json|xgboost_ubj");
    }
  }
  std::string body = "{\"format\":" + JsonQuote(format) + ",\"task\":" + JsonQuote(options.task) + ",\"features\":[";
  for (size_t idx = 0; idx < options.features.size(); ++idx) {
    const std::string& feature = options.features[idx];
    const size_t colon = feature.rfind(':');
    body += idx ? "," : "";
    if (colon == std::string::npos) {
      body += "{\"name\":" + JsonQuote(feature) + "}";
    } else {
      body += "{\"name\":" + JsonQuote(feature.substr(0, colon)) + ",\"type\":" + JsonQuote(feature.substr(colon + 1)) +
              "}";
    }
  }
  body += "]";
  if (!options.classes.empty()) body += ",\"classes\":" + JsonStringArray(options.classes);
  if (!options.target.empty()) body += ",\"target\":" + JsonQuote(options.target);
  if (!options.output.empty()) body += ",\"output\":" + JsonQuote(options.output);
  body += ",\"model_base64\":\"" + core::Base64Encode(*contents) + "\"}";
  ServerCall call(server);
  if (!call.Send("POST", "/v1/models/" + http::UrlEncode(options.name) + "/import", body, "application/json")) return 1;
  int64_t version = 0;
  if (call.root()["version"].get_int64().get(version) != simdjson::SUCCESS) version = 0;
  std::cout << "imported " << options.file << " as " << options.name << " version " << version << " ("
            << FieldText(call.root(), "algorithm") << ")\n";
  return 0;
}

}  // namespace

void AddModelDownloadCommand(CLI::App* models, std::shared_ptr<ServerOptions> server, std::function<int()>* action) {
  auto name = std::make_shared<std::string>();
  auto version = std::make_shared<int64_t>(0);
  auto output = std::make_shared<std::string>();
  CLI::App* download = models->add_subcommand(
      "download", "Save a version as a self-contained bundle, for `amp score` offline (default: the served one)");
  download->add_option("name", *name, "Model name or id")->required();
  download->add_option("--version", *version, "Version number (default: the served version)");
  download->add_option("--output,-o", *output, "File to write (default NAME-vN.ampbundle)");
  AddServerOptions(download, server.get());
  download->callback([=] { *action = [=] { return DownloadModel(*server, *name, *version, *output); }; });
}

void AddModelExportCommand(CLI::App* models, std::shared_ptr<ServerOptions> server, std::function<int()>* action) {
  auto name = std::make_shared<std::string>();
  auto version = std::make_shared<int64_t>(0);
  auto format = std::make_shared<std::string>("onnx");
  auto output = std::make_shared<std::string>();
  CLI::App* export_command = models->add_subcommand(
      "export", "Save a version with its preprocessing as an ONNX model for other runtimes (default: the served one)");
  export_command->add_option("name", *name, "Model name or id")->required();
  export_command->add_option("--version", *version, "Version number (default: the served version)");
  export_command->add_option("--format", *format, "Format: onnx (default) or xgboost-json")
      ->check(CLI::IsMember({"onnx", "xgboost-json"}));
  export_command->add_option("--output,-o", *output, "File to write (default NAME-vN.onnx or NAME-vN.xgboost.json)");
  AddServerOptions(export_command, server.get());
  export_command->callback([=] { *action = [=] { return ExportModel(*server, *name, *version, *format, *output); }; });
}

void AddModelImportCommand(CLI::App* models, std::shared_ptr<ServerOptions> server, std::function<int()>* action) {
  auto options = std::make_shared<ImportOptions>();
  CLI::App* import_command = models->add_subcommand(
      "import", "Register a model trained elsewhere (ONNX, XGBoost JSON or UBJSON) as a new version");
  import_command->add_option("name", options->name, "Model name")->required();
  import_command->add_option("--file,-f", options->file, "The model file (.onnx, .json, .ubj)")->required();
  import_command
      ->add_option("--format", options->format,
                   "onnx, xgboost_json or xgboost_ubj (default: from the file's extension)")
      ->check(CLI::IsMember({"onnx", "xgboost_json", "xgboost_ubj"}));
  import_command
      ->add_option("--features", options->features,
                   "The model's inputs in order, NAME or NAME:TYPE (numeric, integer, boolean, categorical)")
      ->required()
      ->delimiter(',');
  import_command->add_option("--task", options->task, "regression (default) or classification")
      ->check(CLI::IsMember({"regression", "classification"}));
  import_command->add_option("--classes", options->classes, "Class labels, in the model's class order")->delimiter(',');
  import_command->add_option("--target", options->target, "Name of what the model predicts");
  import_command->add_option("--output", options->output, "ONNX output to read (default: the first fitting)");
  AddServerOptions(import_command, server.get());
  import_command->callback([=] { *action = [=] { return ImportModel(*server, *options); }; });
}

}  // namespace amp::cli
