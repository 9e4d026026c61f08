#include "core/base64.h"

#include <array>
#include <cstdint>

namespace amp::core {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr int8_t kInvalid = -1;

constexpr std::array<int8_t, 256> MakeDecodeTable() {
  std::array<int8_t, 256> table{};
  table.fill(kInvalid);
  for (int value = 0; value < 64; ++value)
    table[static_cast<unsigned char>(kAlphabet[value])] = static_cast<int8_t>(value);
  return table;
}

constexpr std::array<int8_t, 256> kDecode = MakeDecodeTable();

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t pos = 0;
  for (; pos + 3 <= bytes.size(); pos += 3) {
    const uint32_t group = static_cast<uint32_t>(static_cast<unsigned char>(bytes[pos])) << 16 |
                           static_cast<uint32_t>(static_cast<unsigned char>(bytes[pos + 1])) << 8 |
                           static_cast<uint32_t>(static_cast<unsigned char>(bytes[pos + 2]));
    out.push_back(kAlphabet[group >> 18]);
    out.push_back(kAlphabet[(group >> 12) & 63]);
    out.push_back(kAlphabet[(group >> 6) & 63]);
    out.push_back(kAlphabet[group & 63]);
  }
  const size_t rest = bytes.size() - pos;
  if (rest > 0) {
    uint32_t group = static_cast<uint32_t>(static_cast<unsigned char>(bytes[pos])) << 16;
    if (rest == 2) group |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[pos + 1])) << 8;
    out.push_back(kAlphabet[group >> 18]);
    out.push_back(kAlphabet[(group >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(group >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return InvalidArgument("base64 text length is not a multiple of 4");
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t pos = 0; pos < text.size(); pos += 4) {
    const bool last = pos + 4 == text.size();
    const size_t digits = last ? 4 - padding : 4;
    uint32_t group = 0;
    for (size_t idx = 0; idx < 4; ++idx) {
      int8_t value = 0;
      if (idx < digits) {
        value = kDecode[static_cast<unsigned char>(text[pos + idx])];
        if (value == kInvalid)
          return InvalidArgument("invalid base64 character at offset " + std::to_string(pos + idx));
      }
      group = group << 6 | static_cast<uint32_t>(value);
    }
    out.push_back(static_cast<char>(group >> 16));
    if (digits >= 3) out.push_back(static_cast<char>((group >> 8) & 0xFF));
    if (digits == 4) out.push_back(static_cast<char>(group & 0xFF));
    // Bits below the last whole byte must be zero, or two texts would decode to the same bytes.
    if ((digits == 2 && (group & 0xFFFF) != 0) || (digits == 3 && (group & 0xFF) != 0)) {
      return InvalidArgument("non-canonical base64 padding bits");
    }
  }
  return out;
}

}  // namespace amp::core
