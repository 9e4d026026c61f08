#include "storage/sha256.h"

#include <openssl/evp.h>

#include <array>
#include <fstream>
#include <memory>

namespace amp::storage {
namespace {

struct DigestContextDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using DigestContext = std::unique_ptr<EVP_MD_CTX, DigestContextDeleter>;

std::string ToHex(const unsigned char* digest, unsigned int length) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int byte_idx = 0; byte_idx < length; ++byte_idx) {
    hex += kHex[digest[byte_idx] >> 4];
    hex += kHex[digest[byte_idx] & 0xF];
  }
  return hex;
}

}  // namespace

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  return ToHex(digest, length);
}

core::Result<std::string> Sha256HexOfFile(const std::filesystem::path& path) {
  std::ifstream input(path, std::ios::binary);
  if (!input) return core::NotFound("cannot open " + path.string());
  DigestContext ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return core::Internal("cannot initialise SHA-256");
  }
  std::array<char, 1 << 16> chunk;
  while (input) {
    input.read(chunk.data(), chunk.size());
    std::streamsize got = input.gcount();
    if (got > 0) EVP_DigestUpdate(ctx.get(), chunk.data(), static_cast<size_t>(got));
  }
  if (input.bad()) return core::Internal("read error on " + path.string());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  return ToHex(digest, length);
}

}  // namespace amp::storage
