// InMemoryArtifactStore: the ArtifactStore twin for tests; objects live in a map. Thread-safe.
#pragma once

#include <map>

#include "core/mutex.h"
#include "storage/artifact_store.h"

namespace amp::storage {

class InMemoryArtifactStore final : public ArtifactStore {
 public:
  core::Status Put(std::string_view key, std::string_view bytes) override;
  core::Status PutFile(std::string_view key, const std::filesystem::path& source) override;
  core::Result<std::string> Get(std::string_view key) override;
  core::Result<std::unique_ptr<std::istream>> OpenForRead(std::string_view key) override;
  core::Status Delete(std::string_view key) override;

  size_t size() const;

 private:
  mutable core::Mutex mu_;
  std::map<std::string, std::string, std::less<>> objects_ AMP_GUARDED_BY(mu_);
};

}  // namespace amp::storage
