// PII detection for uploaded datasets: pure classifiers for single values (email addresses, phone numbers, payment
// card numbers that pass the Luhn check, national id numbers: US SSN and UK National Insurance) and
// PiiColumnDetector, which samples a column's values during ScanCsv and names the kind most of them have. Reported
// in the dataset profile so personal or payment data is seen before a model is trained on it.
// Pure functions; PiiColumnDetector is thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace amp::data {

enum class PiiKind { kNone, kEmail, kPhone, kCardNumber, kNationalId };

// "", "email", "phone", "card_number", "national_id".
std::string_view PiiKindName(PiiKind kind);

// The kind of personal data `value` (already trimmed) looks like; kNone for anything else. Card numbers (13-19
// digits, blanks or dashes between groups) must pass the Luhn check; phone numbers need 10-15 digits, or 7-15 after
// a leading '+', so ids, prices and dates are not phones.
PiiKind ClassifyPiiValue(std::string_view value);

// The Luhn (mod 10) check over the digits of `digits` (other characters are skipped); false with fewer than 2 digits.
bool PassesLuhn(std::string_view digits);

class PiiColumnDetector {
 public:
  // The first kMaxSamples non-missing values are classified; the rest only counted.
  static constexpr int kMaxSamples = 1000;
  // A column is reported when at least this share of its sampled values are of one kind (and at least kMinMatches).
  static constexpr double kMinShare = 0.8;
  static constexpr int kMinMatches = 3;

  void Observe(std::string_view value);
  PiiKind Verdict() const;

 private:
  int sampled_ = 0;
  std::array<int, 5> counts_{};  // by PiiKind
};

}  // namespace amp::data
