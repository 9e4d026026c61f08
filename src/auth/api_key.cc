#include "auth/api_key.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>

#include "storage/sha256.h"

namespace amp::auth {
namespace {

constexpr size_t kSecretBytes = 32;
constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64UrlNoPadding(const unsigned char* bytes, size_t size) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t idx = 0; idx < size; ++idx) {
    buffer = (buffer << 8) | bytes[idx];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kBase64Url[(buffer >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kBase64Url[(buffer << (6 - bits)) & 0x3f];
  return out;
}

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace

core::Result<std::string> GenerateSecret() {
  std::array<unsigned char, kSecretBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return core::Internal("the random number generator failed; no key was created");
  }
  return std::string(kSecretMarker) + Base64UrlNoPadding(bytes.data(), bytes.size());
}

std::string_view SecretPrefix(std::string_view secret) {
  if (secret.size() < kPrefixChars || secret.size() > 256 || !secret.starts_with(kSecretMarker)) return {};
  for (char c : secret.substr(kSecretMarker.size())) {
    if (!IsBase64UrlChar(c)) return {};
  }
  return secret.substr(0, kPrefixChars);
}

std::string HashSecret(std::string_view secret) {
  return storage::Sha256Hex(secret);
}

bool SecretMatches(std::string_view secret, std::string_view stored_sha256) {
  std::string computed = HashSecret(secret);
  if (computed.size() != stored_sha256.size()) return false;
  return CRYPTO_memcmp(computed.data(), stored_sha256.data(), computed.size()) == 0;
}

std::string_view BearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size()) return {};
  for (size_t idx = 0; idx < kScheme.size(); ++idx) {
    char c = authorization[idx];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    char expected = kScheme[idx];
    if (expected >= 'A' && expected <= 'Z') expected = static_cast<char>(expected - 'A' + 'a');
    if (c != expected) return {};
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

}  // namespace amp::auth
