#include "storage/encrypting_artifact_store.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "core/base64.h"

namespace amp::storage {
namespace {

constexpr std::string_view kMagic = "AMPE";
constexpr uint8_t kFormatVersion = 1;
constexpr uint8_t kAlgorithmAes256Gcm = 1;
constexpr size_t kNonceBytes = 12;
constexpr size_t kHeaderBytes = 4 + 1 + 1 + 2 + kNonceBytes;
constexpr size_t kTagBytes = 16;

struct CipherContextDeleter {
  void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter>;

const unsigned char* Bytes(std::string_view text) { return reinterpret_cast<const unsigned char*>(text.data()); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view Trim(std::string_view text) {
  const char* kSpace = " \t\r\n";
  size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(kSpace) - begin + 1);
}

// GCM's additional data: the header, then the object key (so the object is bound to its name).
bool AddAuthenticatedData(EVP_CIPHER_CTX* context, std::string_view header, std::string_view object_key,
                          bool encrypt) {
  int written = 0;
  auto update = encrypt ? EVP_EncryptUpdate : EVP_DecryptUpdate;
  return update(context, nullptr, &written, Bytes(header), static_cast<int>(header.size())) == 1 &&
         update(context, nullptr, &written, Bytes(object_key), static_cast<int>(object_key.size())) == 1;
}

}  // namespace

core::Result<EncryptionKey> ParseEncryptionKey(std::string_view text, bool raw_allowed) {
  EncryptionKey key{};
  if (raw_allowed && text.size() == kEncryptionKeyBytes) {
    std::memcpy(key.data(), text.data(), kEncryptionKeyBytes);  // a raw key file
    return key;
  }
  std::string_view trimmed = Trim(text);
  if (trimmed.size() == 2 * kEncryptionKeyBytes) {
    for (size_t byte_idx = 0; byte_idx < kEncryptionKeyBytes; ++byte_idx) {
      int high = HexValue(trimmed[2 * byte_idx]);
      int low = HexValue(trimmed[2 * byte_idx + 1]);
      if (high < 0 || low < 0) return core::InvalidArgument("the encryption key is not 64 hexadecimal digits");
      key[byte_idx] = static_cast<uint8_t>(high * 16 + low);
    }
    return key;
  }
  core::Result<std::string> decoded = core::Base64Decode(trimmed);
  if (decoded.ok() && decoded->size() == kEncryptionKeyBytes) {
    std::memcpy(key.data(), decoded->data(), kEncryptionKeyBytes);
    OPENSSL_cleanse(decoded->data(), decoded->size());
    return key;
  }
  return core::InvalidArgument(
      "the encryption key must be 32 bytes: 64 hexadecimal digits, base64, or a file of exactly 32 bytes");
}

EncryptingArtifactStore::~EncryptingArtifactStore() { OPENSSL_cleanse(key_.data(), key_.size()); }

core::Result<std::string> EncryptingArtifactStore::Seal(std::string_view object_key,
                                                        std::string_view plaintext) const {
  if (plaintext.size() > static_cast<size_t>(INT32_MAX) - kHeaderBytes - kTagBytes) {
    return core::ResourceExhausted("an object over 2 GiB cannot be encrypted");
  }
  std::string sealed(kHeaderBytes + plaintext.size() + kTagBytes, '\0');
  std::memcpy(sealed.data(), kMagic.data(), kMagic.size());
  sealed[4] = static_cast<char>(kFormatVersion);
  sealed[5] = static_cast<char>(kAlgorithmAes256Gcm);
  unsigned char* nonce = reinterpret_cast<unsigned char*>(sealed.data()) + 8;
  if (RAND_bytes(nonce, static_cast<int>(kNonceBytes)) != 1) return core::Internal("the CSPRNG failed");
  CipherContext context(EVP_CIPHER_CTX_new());
  int written = 0;
  unsigned char* out = reinterpret_cast<unsigned char*>(sealed.data()) + kHeaderBytes;
  bool ok = context != nullptr &&
            EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
            EVP_EncryptInit_ex(context.get(), nullptr, nullptr, key_.data(), nonce) == 1 &&
            AddAuthenticatedData(context.get(), std::string_view(sealed.data(), kHeaderBytes), object_key, true) &&
            EVP_EncryptUpdate(context.get(), out, &written, Bytes(plaintext), static_cast<int>(plaintext.size())) == 1;
  int final_written = 0;
  ok = ok && EVP_EncryptFinal_ex(context.get(), out + written, &final_written) == 1 &&
       EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, out + plaintext.size()) == 1;
  if (!ok) return core::Internal("AES-256-GCM encryption failed");
  return sealed;
}

core::Result<std::string> EncryptingArtifactStore::Open(std::string_view object_key, std::string_view sealed) const {
  const std::string where = "artifact " + std::string(object_key);
  if (sealed.size() < kHeaderBytes + kTagBytes || sealed.substr(0, kMagic.size()) != kMagic) {
    return core::DataLoss(where + " is not encrypted (or not by AMP); refusing it");
  }
  if (static_cast<uint8_t>(sealed[4]) != kFormatVersion || static_cast<uint8_t>(sealed[5]) != kAlgorithmAes256Gcm) {
    return core::DataLoss(where + " uses an encryption format this binary does not know (version " +
                          std::to_string(static_cast<uint8_t>(sealed[4])) + ")");
  }
  const size_t plaintext_size = sealed.size() - kHeaderBytes - kTagBytes;
  std::string plaintext(plaintext_size, '\0');
  const unsigned char* nonce = Bytes(sealed) + 8;
  std::string tag(sealed.substr(sealed.size() - kTagBytes));
  CipherContext context(EVP_CIPHER_CTX_new());
  int written = 0;
  unsigned char* out = reinterpret_cast<unsigned char*>(plaintext.data());
  bool ok = context != nullptr &&
            EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
            EVP_DecryptInit_ex(context.get(), nullptr, nullptr, key_.data(), nonce) == 1 &&
            AddAuthenticatedData(context.get(), sealed.substr(0, kHeaderBytes), object_key, false) &&
            EVP_DecryptUpdate(context.get(), out, &written, Bytes(sealed) + kHeaderBytes,
                              static_cast<int>(plaintext_size)) == 1 &&
            EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1;
  int final_written = 0;
  ok = ok && EVP_DecryptFinal_ex(context.get(), out + written, &final_written) == 1;
  if (!ok) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return core::DataLoss(where + " fails authentication: it was altered, or the encryption key is wrong");
  }
  return plaintext;
}

core::Status EncryptingArtifactStore::Put(std::string_view key, std::string_view bytes) {
  AMP_RETURN_IF_ERROR(ValidateArtifactKey(key));
  AMP_ASSIGN_OR_RETURN(std::string sealed, Seal(key, bytes));
  return inner_.Put(key, sealed);
}

core::Status EncryptingArtifactStore::PutFile(std::string_view key, const std::filesystem::path& source) {
  AMP_RETURN_IF_ERROR(ValidateArtifactKey(key));
  std::string plaintext;
  {
    std::ifstream input(source, std::ios::binary);
    if (!input) return core::NotFound("cannot open " + source.string());
    std::ostringstream buffer;
    buffer << input.rdbuf();
    if (input.bad()) return core::Internal("cannot read " + source.string());
    plaintext = std::move(buffer).str();
  }
  core::Status stored = Put(key, plaintext);
  OPENSSL_cleanse(plaintext.data(), plaintext.size());
  if (!stored.ok()) return stored;
  std::error_code ec;
  std::filesystem::remove(source, ec);
  return core::Status::Ok();
}

core::Result<std::string> EncryptingArtifactStore::Get(std::string_view key) {
  AMP_ASSIGN_OR_RETURN(std::string sealed, inner_.Get(key));
  return Open(key, sealed);
}

core::Result<std::unique_ptr<std::istream>> EncryptingArtifactStore::OpenForRead(std::string_view key) {
  AMP_ASSIGN_OR_RETURN(std::string plaintext, Get(key));
  return std::unique_ptr<std::istream>(std::make_unique<std::istringstream>(std::move(plaintext)));
}

}  // namespace amp::storage
