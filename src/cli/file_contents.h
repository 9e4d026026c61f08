// Reading a file a client command sends (a CSV, a model file, prediction inputs). Thread-safe.
#pragma once

#include <optional>
#include <string>

namespace amp::cli {

// The bytes of the file at `path`; nullopt when it cannot be opened.
std::optional<std::string> ReadFileContents(const std::string& path);

}  // namespace amp::cli
