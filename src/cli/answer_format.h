// How the client commands show a server's JSON answers to a person: fields as plain text, aligned tables, a version's
// metrics on one line. Pure (PrintTable writes to stdout); thread-safe.
#pragma once

#include <simdjson.h>

#include <functional>
#include <string>
#include <vector>

namespace amp::cli {

// `element[key]` as text: a string as it is, any other value as compact JSON, "" when absent or null.
std::string FieldText(simdjson::dom::element element, const char* key);

// A model version's (or a training result's) metrics as "r2=0.91 rmse=1.2e+04 ...", "" when it has none.
std::string FormatMetrics(simdjson::dom::element version);

// `rows` (the first one the header) as lines of columns two spaces apart; PrintTable writes it to stdout.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);
void PrintTable(const std::vector<std::vector<std::string>>& rows);

// The strings of the array `element[key]` (none when it is absent; non-string entries are skipped), and them joined
// with ", ".
std::vector<std::string> StringArray(simdjson::dom::element element, const char* key);
std::string JoinedStrings(simdjson::dom::element element, const char* key);

// `value` with at most `digits` significant digits, as printf's %g writes it (300, 0.05, 1e-05).
std::string NumberText(double value, int digits);

// A params object as "name=value name=value", in its order, numbers as people write them (300, 0.05, 1e-05).
std::string ParamsText(simdjson::dom::element params);

// Prints the elements of the array `answer[key]` (none if it is absent) as a table under `header`, one row each as
// `row` makes it: how the list commands show a server's list.
void PrintArrayTable(simdjson::dom::element answer, const char* key, std::vector<std::string> header,
                     const std::function<std::vector<std::string>(simdjson::dom::element)>& row);

}  // namespace amp::cli
