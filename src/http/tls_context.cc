#include "http/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <string>

namespace amp::http {
namespace ssl = boost::asio::ssl;

namespace {

// Mozilla's intermediate configuration for TLS 1.2 (TLS 1.3 suites are all AEAD and kept at OpenSSL's defaults).
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

}  // namespace

core::Result<std::unique_ptr<ssl::context>> MakeTlsContext(const std::filesystem::path& cert_file,
                                                           const std::filesystem::path& key_file) {
  if (cert_file.empty() || key_file.empty()) {
    return core::InvalidArgument("TLS needs both a certificate (--tls-cert) and its private key (--tls-key)");
  }
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return core::Internal("cannot configure TLS: " + OpenSslError());
  }
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                  SSL_OP_NO_TICKET);
  if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1) {
    return core::InvalidArgument("cannot load the TLS certificate " + cert_file.string() + ": " + OpenSslError());
  }
  if (SSL_CTX_use_PrivateKey_file(native, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return core::InvalidArgument("cannot load the TLS private key " + key_file.string() + ": " + OpenSslError());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return core::InvalidArgument("the TLS private key " + key_file.string() + " does not match the certificate " +
                                 cert_file.string());
  }
  return context;
}

}  // namespace amp::http
