// SHA-256 digests (OpenSSL) as lowercase hex, for artifact checksums. Thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/status.h"

namespace amp::storage {

std::string Sha256Hex(std::string_view bytes);
// Reads the file in chunks; IO errors as Internal / NotFound.
core::Result<std::string> Sha256HexOfFile(const std::filesystem::path& path);

}  // namespace amp::storage
