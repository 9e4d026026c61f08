#include "data/pii_detector.h"

namespace amp::data {
namespace {

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsAsciiLetter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsUpper(char c) {
  return c >= 'A' && c <= 'Z';
}

bool IsEmail(std::string_view value) {
  const size_t at = value.find('@');
  if (at == std::string_view::npos || at == 0 || value.find('@', at + 1) != std::string_view::npos) return false;
  for (char c : value.substr(0, at)) {
    if (!(IsAsciiLetter(c) || IsDigit(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-')) return false;
  }
  std::string_view domain = value.substr(at + 1);
  const size_t last_dot = domain.rfind('.');
  if (last_dot == std::string_view::npos || last_dot == 0) return false;
  std::string_view tld = domain.substr(last_dot + 1);
  if (tld.size() < 2) return false;
  for (char c : tld) {
    if (!IsAsciiLetter(c)) return false;
  }
  char previous = '.';
  for (char c : domain) {
    if (c == '.' && previous == '.') return false;  // empty label
    if (!(IsAsciiLetter(c) || IsDigit(c) || c == '-' || c == '.')) return false;
    previous = c;
  }
  return true;
}

// Digits separated by single blanks or dashes only; returns the digit count, or -1 for any other character.
int CardDigits(std::string_view value) {
  int digits = 0;
  char previous = ' ';
  for (char c : value) {
    if (IsDigit(c)) {
      ++digits;
    } else if ((c == ' ' || c == '-') && IsDigit(previous)) {
      // a separator between groups
    } else {
      return -1;
    }
    previous = c;
  }
  return IsDigit(previous) ? digits : -1;
}

bool IsPhone(std::string_view value) {
  bool plus = !value.empty() && value.front() == '+';
  if (plus) value.remove_prefix(1);
  int digits = 0;
  int open_parens = 0;
  for (char c : value) {
    if (IsDigit(c)) {
      ++digits;
    } else if (c == '(') {
      if (++open_parens > 1) return false;
    } else if (c == ')') {
      if (--open_parens < 0) return false;
    } else if (c != ' ' && c != '-' && c != '.') {
      return false;
    }
  }
  if (open_parens != 0 || digits > 15) return false;
  return plus ? digits >= 7 : digits >= 10;
}

// US Social Security number: AAA-GG-SSSS, area not 000, 666 or 9xx, group not 00, serial not 0000.
bool IsUsSsn(std::string_view value) {
  if (value.size() != 11 || value[3] != '-' || value[6] != '-') return false;
  for (size_t idx : {0, 1, 2, 4, 5, 7, 8, 9, 10}) {
    if (!IsDigit(value[idx])) return false;
  }
  std::string_view area = value.substr(0, 3);
  if (area == "000" || area == "666" || area[0] == '9') return false;
  return value.substr(4, 2) != "00" && value.substr(7, 4) != "0000";
}

// UK National Insurance number: two letters, six digits (optionally in pairs with blanks), a final A-D.
bool IsUkNino(std::string_view value) {
  std::string_view compact_letters = value.substr(0, 2);
  if (value.size() < 9 || !IsUpper(compact_letters[0]) || !IsUpper(compact_letters[1])) return false;
  int digits = 0;
  size_t idx = 2;
  for (; idx + 1 < value.size(); ++idx) {
    if (IsDigit(value[idx])) {
      ++digits;
    } else if (value[idx] != ' ') {
      return false;
    }
  }
  char suffix = value.back();
  return digits == 6 && suffix >= 'A' && suffix <= 'D';
}

}  // namespace

std::string_view PiiKindName(PiiKind kind) {
  switch (kind) {
    case PiiKind::kNone:
      return "";
    case PiiKind::kEmail:
      return "email";
    case PiiKind::kPhone:
      return "phone";
    case PiiKind::kCardNumber:
      return "card_number";
    case PiiKind::kNationalId:
      return "national_id";
  }
  return "";
}

bool PassesLuhn(std::string_view digits) {
  int sum = 0;
  int count = 0;
  for (size_t idx = digits.size(); idx-- > 0;) {
    if (!IsDigit(digits[idx])) continue;
    int digit = digits[idx] - '0';
    if (count % 2 == 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    ++count;
  }
  return count >= 2 && sum % 10 == 0;
}

PiiKind ClassifyPiiValue(std::string_view value) {
  if (value.empty() || value.size() > 254) return PiiKind::kNone;
  if (IsEmail(value)) return PiiKind::kEmail;
  if (IsUsSsn(value) || IsUkNino(value)) return PiiKind::kNationalId;
  const int card_digits = CardDigits(value);
  if (card_digits >= 13 && card_digits <= 19 && PassesLuhn(value)) return PiiKind::kCardNumber;
  if (IsPhone(value)) return PiiKind::kPhone;
  return PiiKind::kNone;
}

void PiiColumnDetector::Observe(std::string_view value) {
  if (sampled_ >= kMaxSamples) return;
  ++sampled_;
  ++counts_[static_cast<size_t>(ClassifyPiiValue(value))];
}

PiiKind PiiColumnDetector::Verdict() const {
  for (PiiKind kind : {PiiKind::kEmail, PiiKind::kCardNumber, PiiKind::kNationalId, PiiKind::kPhone}) {
    const int matches = counts_[static_cast<size_t>(kind)];
    if (matches >= kMinMatches && matches >= kMinShare * sampled_) return kind;
  }
  return PiiKind::kNone;
}

}  // namespace amp::data
