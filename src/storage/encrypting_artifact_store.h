// EncryptingArtifactStore: an ArtifactStore decorator that encrypts every object at rest with AES-256-GCM (OpenSSL
// EVP) before handing it to the inner store, and authenticates it on the way back. Each object gets a fresh random
// 96-bit nonce; the object's key (its name in the store) is authenticated with it, so an object moved or copied to
// another name is refused too. Stored format, version 1 (docs/security.md):
//   "AMPE" | version (1 byte, 1) | algorithm (1 byte, 1 = AES-256-GCM) | 2 zero bytes | nonce (12 bytes)
//   | ciphertext (as long as the plaintext) | GCM tag (16 bytes)
// with the 20 header bytes and the object key as additional authenticated data. Reads refuse (DataLoss) anything
// that does not decrypt and authenticate: a tampered object, a wrong key, a plaintext object. Objects are
// encrypted whole in memory. Thread-safe (as the inner store is).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "storage/artifact_store.h"

namespace amp::storage {

inline constexpr size_t kEncryptionKeyBytes = 32;
using EncryptionKey = std::array<uint8_t, kEncryptionKeyBytes>;

// A key written as 64 hexadecimal digits or as base64 of 32 bytes (surrounding whitespace ignored), or, when
// `raw_allowed` (a key file), exactly 32 raw bytes. InvalidArgument otherwise (the message never shows the key).
core::Result<EncryptionKey> ParseEncryptionKey(std::string_view text, bool raw_allowed);

class EncryptingArtifactStore final : public ArtifactStore {
 public:
  // `inner` must outlive this store.
  EncryptingArtifactStore(ArtifactStore& inner, const EncryptionKey& key) : inner_(inner), key_(key) {}
  ~EncryptingArtifactStore() override;

  core::Status Put(std::string_view key, std::string_view bytes) override;
  // Reads the file whole, stores it encrypted and removes it.
  core::Status PutFile(std::string_view key, const std::filesystem::path& source) override;
  // DataLoss when the object does not decrypt and authenticate.
  core::Result<std::string> Get(std::string_view key) override;
  core::Result<std::unique_ptr<std::istream>> OpenForRead(std::string_view key) override;
  core::Status Delete(std::string_view key) override { return inner_.Delete(key); }

  // The stored form of `plaintext` under `object_key`, and back; exposed for tests.
  core::Result<std::string> Seal(std::string_view object_key, std::string_view plaintext) const;
  core::Result<std::string> Open(std::string_view object_key, std::string_view sealed) const;

 private:
  ArtifactStore& inner_;
  EncryptionKey key_;
};

}  // namespace amp::storage
