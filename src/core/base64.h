// Base64 (RFC 4648, standard alphabet, '=' padding): how binary blobs travel inside JSON documents, e.g. a booster's
// UBJSON model inside a model artifact. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace amp::core {

std::string Base64Encode(std::string_view bytes);

// The inverse of Base64Encode. InvalidArgument for a length that is not a multiple of 4, a character outside the
// alphabet, misplaced padding or non-zero padding bits (so every blob has exactly one encoding).
Result<std::string> Base64Decode(std::string_view text);

}  // namespace amp::core
