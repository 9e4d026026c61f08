#include "core/id.h"

#include <cstdint>
#include <random>

#include "core/mutex.h"

namespace amp::core {
namespace {

uint64_t RandomBits() {
  static Mutex mu;
  static std::mt19937_64 engine = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  MutexLock lock(mu);
  return engine();
}

}  // namespace

std::string NewId(std::string_view prefix) {
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t bits = RandomBits();
  std::string id(prefix);
  id += '_';
  for (int digit = 0; digit < 16; ++digit) {
    id += kHex[(bits >> (60 - 4 * digit)) & 0xF];
  }
  return id;
}

bool LooksLikeId(std::string_view text, std::string_view prefix) {
  if (text.size() != prefix.size() + 17 || text.substr(0, prefix.size()) != prefix || text[prefix.size()] != '_') {
    return false;
  }
  for (char c : text.substr(prefix.size() + 1)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace amp::core
