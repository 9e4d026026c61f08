// API key secrets: generation (OpenSSL's CSPRNG), the prefix a secret is found by, its SHA-256, and the
// constant-time check. Only the hash and the prefix are ever stored. Pure functions (GenerateSecret reads the
// CSPRNG); thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace amp::auth {

inline constexpr std::string_view kSecretMarker = "amp_";
inline constexpr size_t kPrefixChars = 12;  // "amp_" + 8 characters: shown in listings, 48 of the 256 random bits

// "amp_" + base64url (no padding) of 32 random bytes. Internal if the CSPRNG fails.
core::Result<std::string> GenerateSecret();

// The first kPrefixChars characters; the empty string when `secret` is not shaped like one of ours.
std::string_view SecretPrefix(std::string_view secret);

// Lowercase hex SHA-256 of the secret.
std::string HashSecret(std::string_view secret);

// Whether `secret` hashes to `stored_sha256`, compared in constant time (CRYPTO_memcmp).
bool SecretMatches(std::string_view secret, std::string_view stored_sha256);

// The key from an `Authorization: Bearer <key>` header value; empty when the header is absent or another scheme.
std::string_view BearerToken(std::string_view authorization);

}  // namespace amp::auth
