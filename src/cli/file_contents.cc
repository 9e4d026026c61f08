#include "cli/file_contents.h"

#include <fstream>
#include <sstream>

namespace amp::cli {

std::optional<std::string> ReadFileContents(const std::string& path) {
  std::ifstream input(path, std::ios::binary);
  if (!input) return std::nullopt;
  std::ostringstream contents;
  contents << input.rdbuf();
  return contents.str();
}

}  // namespace amp::cli
