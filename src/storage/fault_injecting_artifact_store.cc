#include "storage/fault_injecting_artifact_store.h"

#include <fstream>
#include <sstream>

namespace amp::storage {

bool FaultInjectingArtifactStore::ShouldFailWrite() {
  int current = fail_write_countdown_.load();
  while (current > 0) {
    if (fail_write_countdown_.compare_exchange_weak(current, current - 1)) return current == 1;
  }
  return false;
}

core::Status FaultInjectingArtifactStore::Put(std::string_view key, std::string_view bytes) {
  if (ShouldFailWrite()) return core::Internal("injected write failure for " + std::string(key));
  if (shorten_writes_) return inner_.Put(key, bytes.substr(0, bytes.size() / 2));
  return inner_.Put(key, bytes);
}

core::Status FaultInjectingArtifactStore::PutFile(std::string_view key, const std::filesystem::path& source) {
  if (ShouldFailWrite()) return core::Internal("injected write failure for " + std::string(key));
  if (!shorten_writes_) return inner_.PutFile(key, source);
  // One PutFile is one write: store the torn bytes directly (Put would count it again) and consume the source,
  // as PutFile promises.
  std::ifstream input(source, std::ios::binary);
  if (!input) return core::NotFound("cannot open " + source.string());
  std::ostringstream contents;
  contents << input.rdbuf();
  input.close();
  std::string bytes = std::move(contents).str();
  AMP_RETURN_IF_ERROR(inner_.Put(key, std::string_view(bytes).substr(0, bytes.size() / 2)));
  std::error_code ec;
  std::filesystem::remove(source, ec);
  return core::Status::Ok();
}

core::Result<std::string> FaultInjectingArtifactStore::Get(std::string_view key) {
  AMP_ASSIGN_OR_RETURN(std::string bytes, inner_.Get(key));
  if (corrupt_reads_ && !bytes.empty()) bytes[0] = static_cast<char>(~bytes[0]);
  return bytes;
}

core::Result<std::unique_ptr<std::istream>> FaultInjectingArtifactStore::OpenForRead(std::string_view key) {
  if (!corrupt_reads_) return inner_.OpenForRead(key);
  AMP_ASSIGN_OR_RETURN(std::string bytes, Get(key));
  return std::unique_ptr<std::istream>(std::make_unique<std::istringstream>(std::move(bytes)));
}

}  // namespace amp::storage
