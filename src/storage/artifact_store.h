// ArtifactStore: a flat key -> bytes store for dataset files and serialized models. Implementations:
// LocalArtifactStore (files under a folder, atomic writes), InMemoryArtifactStore, FaultInjectingArtifactStore;
// an S3 store comes next behind the same interface. Keys are relative paths of [A-Za-z0-9._-] segments joined by
// '/'; no segment may be "." or "..". Implementations are thread-safe.
#pragma once

#include <filesystem>
#include <istream>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace amp::storage {

class ArtifactStore {
 public:
  virtual ~ArtifactStore() = default;

  // Stores `bytes` under `key`. Atomic: a reader sees the old object, or the whole new one, never a part.
  virtual core::Status Put(std::string_view key, std::string_view bytes) = 0;
  // Stores the contents of the local file `source` under `key`, consuming the file (it may be moved).
  virtual core::Status PutFile(std::string_view key, const std::filesystem::path& source) = 0;
  // NotFound when absent.
  virtual core::Result<std::string> Get(std::string_view key) = 0;
  // A stream over the object, for large files read once. NotFound when absent.
  virtual core::Result<std::unique_ptr<std::istream>> OpenForRead(std::string_view key) = 0;
  // OK when absent.
  virtual core::Status Delete(std::string_view key) = 0;
};

// InvalidArgument unless `key` has the shape described above.
core::Status ValidateArtifactKey(std::string_view key);

}  // namespace amp::storage
