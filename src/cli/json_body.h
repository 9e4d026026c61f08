// Request bodies the client commands build by hand (they are small and flat): quoted strings and string arrays.
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace amp::cli {

// `text` as a JSON string literal. Quotes, backslashes and control characters are escaped.
std::string JsonQuote(std::string_view text);

// `values` as a JSON array of strings, e.g. ["a","b"].
std::string JsonStringArray(const std::vector<std::string>& values);

}  // namespace amp::cli
