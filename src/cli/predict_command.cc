#include "cli/predict_command.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/answer_format.h"
#include "cli/file_contents.h"
#include "cli/json_body.h"
#include "cli/server_call.h"

namespace amp::cli {
namespace {

int Predict(const ServerOptions& server, const std::string& model, std::string input, const std::string& input_file) {
  if (!input_file.empty()) {
    std::optional<std::string> contents = ReadFileContents(input_file);
    if (!contents) return PrintError("cannot open " + input_file);
    input = std::move(*contents);
  }
  if (input.empty()) return PrintError("give the inputs with --input JSON or --input-file FILE");
  simdjson::dom::parser parser;
  simdjson::dom::element parsed;
  if (parser.parse(input).get(parsed) != simdjson::SUCCESS || !(parsed.is_object() || parsed.is_array())) {
    return PrintError("--input must be a JSON object of feature values (or an array of them)");
  }
  std::string body = "{\"model_id\":" + JsonQuote(model) + ",\"input_parameters\":" + input + "}";
  ServerCall call(server);
  if (!call.Send("POST", "/api/predict", body, "application/json")) return 1;
  std::cout << FieldText(call.root(), "prediction") << "\n";
  simdjson::dom::array warnings;
  if (call.root()["warnings"].get(warnings) == simdjson::SUCCESS) {
    for (auto warning : warnings)
      std::cerr << "warning: " << std::string_view(warning.get_string().value_unsafe()) << "\n";
  }
  return 0;
}

}  // namespace

void AddPredictCommand(CLI::App& app, std::shared_ptr<ServerOptions> server, std::function<int()>* action) {
  auto model = std::make_shared<std::string>();
  auto input = std::make_shared<std::string>();
  auto input_file = std::make_shared<std::string>();
  CLI::App* predict = app.add_subcommand("predict", "Predict with a model's served version");
  predict->add_option("--model", *model, "Model name or id")->required();
  predict->add_option("--input", *input, "Feature values as JSON, e.g. '{\"square_feet\": 1650}'");
  predict->add_option("--input-file", *input_file, "A file holding that JSON");
  AddServerOptions(predict, server.get());
  predict->callback([=] { *action = [=] { return Predict(*server, *model, *input, *input_file); }; });
}

}  // namespace amp::cli
