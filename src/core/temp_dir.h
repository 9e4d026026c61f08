// TempDir: a fresh folder under the system temp directory, removed with everything in it when the object dies.
// For tests and scratch work. Not thread-safe (one owner).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace amp::core {

class TempDir {
 public:
  // `prefix` names the folder (e.g. "amp_sqlite_test"); path() is empty if the folder could not be made.
  explicit TempDir(const std::string& prefix = "amp") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "_XXXXXX")).string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace amp::core
