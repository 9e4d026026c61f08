// TLS settings of the HTTPS front end: TLS 1.2 and 1.3 only, and for TLS 1.2 only forward-secret AEAD cipher suites
// (Mozilla's "intermediate" list), server cipher order, no compression, no renegotiation, no session tickets
// (stateless tickets would outlive key rotation). Used by HttpServer when --tls-cert/--tls-key are given.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <filesystem>
#include <memory>

#include "core/status.h"

namespace amp::http {

// Loads the PEM certificate chain and private key into a server context with the settings above.
// InvalidArgument naming the file if either cannot be read, or if the key does not match the certificate.
core::Result<std::unique_ptr<boost::asio::ssl::context>> MakeTlsContext(const std::filesystem::path& cert_file,
                                                                        const std::filesystem::path& key_file);

}  // namespace amp::http
