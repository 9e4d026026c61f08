#include "cli/answer_format.h"

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace amp::cli {

std::string FieldText(simdjson::dom::element element, const char* key) {
  simdjson::dom::element value;
  if (element[key].get(value) != simdjson::SUCCESS || value.is_null()) return "";
  if (value.is_string()) return std::string(value.get_string().value_unsafe());
  return simdjson::minify(value);
}

std::vector<std::string> StringArray(simdjson::dom::element element, const char* key) {
  std::vector<std::string> strings;
  simdjson::dom::array array;
  if (element[key].get(array) != simdjson::SUCCESS) return strings;
  for (simdjson::dom::element entry : array) {
    std::string_view text;
    if (entry.get(text) == simdjson::SUCCESS) strings.emplace_back(text);
  }
  return strings;
}

std::string JoinedStrings(simdjson::dom::element element, const char* key) {
  std::string joined;
  for (const std::string& text : StringArray(element, key)) joined += (joined.empty() ? "" : ", ") + text;
  return joined;
}

std::string NumberText(double value, int digits) {
  char buffer[48];
  std::snprintf(buffer, sizeof(buffer), "%.*g", digits, value);
  return buffer;
}

std::string FormatMetrics(simdjson::dom::element version) {
  simdjson::dom::object metrics;
  if (version["metrics"].get(metrics) != simdjson::SUCCESS) return "";
  std::string text;
  for (const char* name : {"r2", "rmse", "mae", "accuracy", "roc_auc", "log_loss"}) {  // regressions, classifiers
    double value;
    if (metrics[name].get(value) != simdjson::SUCCESS) continue;
    text += (text.empty() ? "" : " ") + std::string(name) + "=" + NumberText(value, 4);
  }
  return text;
}

std::string FormatTable(const std::vector<std::vector<std::string>>& rows) {
  std::string text;
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t col = 0; col < row.size(); ++col) widths[col] = std::max(widths[col], row[col].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t col = 0; col < row.size(); ++col) {
      line += row[col];
      if (col + 1 < row.size()) line += std::string(widths[col] - row[col].size() + 2, ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);  // no padding after an empty last column
    text += line + "\n";
  }
  return text;
}

void PrintTable(const std::vector<std::vector<std::string>>& rows) { std::cout << FormatTable(rows); }

std::string ParamsText(simdjson::dom::element params) {
  std::string text;
  simdjson::dom::object object;
  if (params.get(object) != simdjson::SUCCESS) return text;
  for (auto field : object) {
    double number = 0.0;
    const std::string value =
        field.value.get(number) == simdjson::SUCCESS ? NumberText(number, 10) : simdjson::minify(field.value);
    text += (text.empty() ? "" : " ") + std::string(field.key) + "=" + value;
  }
  return text;
}

void PrintArrayTable(simdjson::dom::element answer, const char* key, std::vector<std::string> header,
                     const std::function<std::vector<std::string>(simdjson::dom::element)>& row) {
  std::vector<std::vector<std::string>> rows = {std::move(header)};
  simdjson::dom::array elements;
  if (answer[key].get(elements) == simdjson::SUCCESS) {
    for (simdjson::dom::element element : elements) rows.push_back(row(element));
  }
  PrintTable(rows);
}

}  // namespace amp::cli
