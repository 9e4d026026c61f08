#include "storage/in_memory_artifact_store.h"

#include <fstream>
#include <sstream>

namespace amp::storage {

core::Status InMemoryArtifactStore::Put(std::string_view key, std::string_view bytes) {
  AMP_RETURN_IF_ERROR(ValidateArtifactKey(key));
  core::MutexLock lock(mu_);
  objects_.insert_or_assign(std::string(key), std::string(bytes));
  return core::Status::Ok();
}

core::Status InMemoryArtifactStore::PutFile(std::string_view key, const std::filesystem::path& source) {
  std::ifstream input(source, std::ios::binary);
  if (!input) return core::NotFound("cannot open " + source.string());
  std::ostringstream contents;
  contents << input.rdbuf();
  AMP_RETURN_IF_ERROR(Put(key, contents.str()));
  std::error_code ec;
  std::filesystem::remove(source, ec);
  return core::Status::Ok();
}

core::Result<std::string> InMemoryArtifactStore::Get(std::string_view key) {
  AMP_RETURN_IF_ERROR(ValidateArtifactKey(key));
  core::MutexLock lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return core::NotFound("artifact not found: " + std::string(key));
  return it->second;
}

core::Result<std::unique_ptr<std::istream>> InMemoryArtifactStore::OpenForRead(std::string_view key) {
  AMP_ASSIGN_OR_RETURN(std::string bytes, Get(key));
  return std::unique_ptr<std::istream>(std::make_unique<std::istringstream>(std::move(bytes)));
}

core::Status InMemoryArtifactStore::Delete(std::string_view key) {
  AMP_RETURN_IF_ERROR(ValidateArtifactKey(key));
  core::MutexLock lock(mu_);
  objects_.erase(std::string(key));
  return core::Status::Ok();
}

size_t InMemoryArtifactStore::size() const {
  core::MutexLock lock(mu_);
  return objects_.size();
}

}  // namespace amp::storage
