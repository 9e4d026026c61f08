// LocalArtifactStore: artifacts as files under a root folder. Writes go to a temporary file in the target folder,
// are fsync'd, renamed over the target and the folder is fsync'd, so a crash leaves the old or the new object.
// Thread-safe (the filesystem serialises renames).
#pragma once

#include <filesystem>

#include "storage/artifact_store.h"

namespace amp::storage {

class LocalArtifactStore final : public ArtifactStore {
 public:
  // Creates `root` if needed.
  static core::Result<std::unique_ptr<LocalArtifactStore>> Open(const std::filesystem::path& root);

  core::Status Put(std::string_view key, std::string_view bytes) override;
  core::Status PutFile(std::string_view key, const std::filesystem::path& source) override;
  core::Result<std::string> Get(std::string_view key) override;
  core::Result<std::unique_ptr<std::istream>> OpenForRead(std::string_view key) override;
  core::Status Delete(std::string_view key) override;

  const std::filesystem::path& root() const { return root_; }

 private:
  explicit LocalArtifactStore(std::filesystem::path root) : root_(std::move(root)) {}
  core::Result<std::filesystem::path> PathFor(std::string_view key) const;

  std::filesystem::path root_;
};

}  // namespace amp::storage
