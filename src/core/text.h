// Small text helpers shared by every layer that quotes client input in a message. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace amp::core {

// `text` if it fits in `max_bytes`, else its start cut at a UTF-8 character boundary followed by "...", so a message
// quoting client input stays short and valid UTF-8.
std::string ShortenForMessage(std::string_view text, size_t max_bytes = 100);

}  // namespace amp::core
