// FaultInjectingArtifactStore: wraps another ArtifactStore and injects failures, so callers can be tested against
// failed writes and corrupted reads. Thread-safe.
#pragma once

#include <atomic>

#include "storage/artifact_store.h"

namespace amp::storage {

class FaultInjectingArtifactStore final : public ArtifactStore {
 public:
  explicit FaultInjectingArtifactStore(ArtifactStore& inner) : inner_(inner) {}

  // The Nth write from now (1 = the next one) fails with Internal and stores nothing. 0 disables.
  void FailNthWrite(int n) { fail_write_countdown_ = n; }
  // Every following write stores only the first half of its bytes yet reports success (a torn write that the
  // caller's checksum must catch).
  void ShortenWrites(bool on) { shorten_writes_ = on; }
  // Every following read flips the bits of the first byte.
  void CorruptReads(bool on) { corrupt_reads_ = on; }

  core::Status Put(std::string_view key, std::string_view bytes) override;
  core::Status PutFile(std::string_view key, const std::filesystem::path& source) override;
  core::Result<std::string> Get(std::string_view key) override;
  core::Result<std::unique_ptr<std::istream>> OpenForRead(std::string_view key) override;
  core::Status Delete(std::string_view key) override { return inner_.Delete(key); }

 private:
  bool ShouldFailWrite();

  ArtifactStore& inner_;
  std::atomic<int> fail_write_countdown_{0};
  std::atomic<bool> shorten_writes_{false};
  std::atomic<bool> corrupt_reads_{false};
};

}  // namespace amp::storage
