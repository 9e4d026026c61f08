#include "storage/encrypting_artifact_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/base64.h"
#include "core/temp_dir.h"
#include "storage/in_memory_artifact_store.h"

namespace amp::storage {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kPlaintext = "area,city,price\n50.5,Paris,100\n70,Lyon,150.5\n";

EncryptionKey KeyOf(uint8_t seed) {
  EncryptionKey key;
  for (size_t byte_idx = 0; byte_idx < key.size(); ++byte_idx) {
    key[byte_idx] = static_cast<uint8_t>(seed + byte_idx * 7);
  }
  return key;
}

class EncryptingArtifactStoreTest : public ::testing::Test {
 protected:
  // Changes one byte of the stored object `key` at `offset` (from the end when negative).
  void FlipStoredByte(const std::string& key, long offset) {
    auto stored = inner_.Get(key);
    ASSERT_TRUE(stored.ok());
    std::string bytes = *stored;
    size_t at = offset >= 0 ? static_cast<size_t>(offset) : bytes.size() - static_cast<size_t>(-offset);
    bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
    ASSERT_TRUE(inner_.Put(key, bytes).ok());
  }

  InMemoryArtifactStore inner_;
  EncryptingArtifactStore store_{inner_, KeyOf(1)};
};

TEST_F(EncryptingArtifactStoreTest, RoundTripsAndStoresNoPlaintext) {
  ASSERT_TRUE(store_.Put("datasets/ds_1.csv", kPlaintext).ok());
  auto read = store_.Get("datasets/ds_1.csv");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, kPlaintext);
  auto stream = store_.OpenForRead("datasets/ds_1.csv");
  ASSERT_TRUE(stream.ok());
  std::string streamed((std::istreambuf_iterator<char>(**stream)), std::istreambuf_iterator<char>());
  EXPECT_EQ(streamed, kPlaintext);

  auto stored = inner_.Get("datasets/ds_1.csv");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->size(), kPlaintext.size() + 20 + 16);  // header and tag
  EXPECT_EQ(stored->substr(0, 6), std::string("AMPE\x01\x01", 6));
  EXPECT_EQ(stored->find("Paris"), std::string::npos);
  EXPECT_EQ(stored->find("area,city"), std::string::npos);

  // Empty objects round-trip too.
  ASSERT_TRUE(store_.Put("empty", "").ok());
  auto empty = store_.Get("empty");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(*empty, "");
}

TEST_F(EncryptingArtifactStoreTest, EveryObjectGetsItsOwnNonce) {
  ASSERT_TRUE(store_.Put("a", kPlaintext).ok());
  ASSERT_TRUE(store_.Put("b", kPlaintext).ok());
  auto first = store_.Seal("a", kPlaintext);
  auto second = store_.Seal("a", kPlaintext);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(*first, *second);
  EXPECT_NE(*inner_.Get("a"), *inner_.Get("b"));
}

TEST_F(EncryptingArtifactStoreTest, AnyChangedByteIsRefused) {
  // Magic, version, algorithm, reserved, nonce, ciphertext, tag.
  for (long offset : {0L, 4L, 5L, 6L, 8L, 19L, 20L, 30L, -16L, -1L}) {
    SCOPED_TRACE(offset);
    ASSERT_TRUE(store_.Put("m", kPlaintext).ok());
    FlipStoredByte("m", offset);
    auto read = store_.Get("m");
    EXPECT_EQ(read.status().code(), core::StatusCode::kDataLoss);
  }
  ASSERT_TRUE(store_.Put("m", kPlaintext).ok());
  FlipStoredByte("m", 24);
  EXPECT_THAT(store_.Get("m").status().message(), HasSubstr("fails authentication"));
}

TEST_F(EncryptingArtifactStoreTest, TruncatedPlaintextAndMovedObjectsAreRefused) {
  ASSERT_TRUE(store_.Put("models/a.json", kPlaintext).ok());
  std::string sealed = *inner_.Get("models/a.json");
  ASSERT_TRUE(inner_.Put("truncated", sealed.substr(0, sealed.size() - 1)).ok());
  EXPECT_EQ(store_.Get("truncated").status().code(), core::StatusCode::kDataLoss);
  ASSERT_TRUE(inner_.Put("short", "AMPE").ok());
  EXPECT_EQ(store_.Get("short").status().code(), core::StatusCode::kDataLoss);
  ASSERT_TRUE(inner_.Put("plain", kPlaintext).ok());
  EXPECT_THAT(store_.Get("plain").status().message(), HasSubstr("not encrypted"));
  // The same bytes under another name: the name is authenticated.
  ASSERT_TRUE(inner_.Put("models/b.json", sealed).ok());
  EXPECT_EQ(store_.Get("models/b.json").status().code(), core::StatusCode::kDataLoss);
  // A future format version is named.
  std::string future = sealed;
  future[4] = 2;
  ASSERT_TRUE(inner_.Put("future", future).ok());
  EXPECT_THAT(store_.Get("future").status().message(), HasSubstr("version 2"));
  EXPECT_EQ(store_.Get("absent").status().code(), core::StatusCode::kNotFound);
}

TEST_F(EncryptingArtifactStoreTest, AWrongKeyCannotRead) {
  ASSERT_TRUE(store_.Put("x", kPlaintext).ok());
  EncryptingArtifactStore other(inner_, KeyOf(2));
  auto read = other.Get("x");
  EXPECT_EQ(read.status().code(), core::StatusCode::kDataLoss);
  EXPECT_THAT(read.status().message(), HasSubstr("encryption key is wrong"));
  EncryptingArtifactStore same(inner_, KeyOf(1));
  EXPECT_TRUE(same.Get("x").ok());
}

TEST_F(EncryptingArtifactStoreTest, PutFileConsumesTheFileAndDeletePassesThrough) {
  core::TempDir temp("amp_encrypting_store_test");
  std::filesystem::path source = temp.path() / "upload.csv";
  std::ofstream(source, std::ios::binary) << kPlaintext;
  ASSERT_TRUE(store_.PutFile("datasets/ds_2.csv", source).ok());
  EXPECT_FALSE(std::filesystem::exists(source));
  EXPECT_EQ(*store_.Get("datasets/ds_2.csv"), kPlaintext);
  EXPECT_EQ(inner_.Get("datasets/ds_2.csv")->find("Paris"), std::string::npos);
  ASSERT_TRUE(store_.Delete("datasets/ds_2.csv").ok());
  EXPECT_EQ(inner_.Get("datasets/ds_2.csv").status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(store_.Put("../escape", kPlaintext).code(), core::StatusCode::kInvalidArgument);
}

TEST(EncryptionKeyTest, ParsesHexBase64AndRawFiles) {
  const EncryptionKey key = KeyOf(9);
  std::string hex;
  for (uint8_t byte : key) {
    const char* digits = "0123456789abcdef";
    hex += digits[byte >> 4];
    hex += digits[byte & 15];
  }
  auto from_hex = ParseEncryptionKey("  " + hex + "\n", false);
  ASSERT_TRUE(from_hex.ok());
  EXPECT_EQ(*from_hex, key);
  std::string raw(reinterpret_cast<const char*>(key.data()), key.size());
  auto from_base64 = ParseEncryptionKey(core::Base64Encode(raw) + "\n", false);
  ASSERT_TRUE(from_base64.ok());
  EXPECT_EQ(*from_base64, key);
  auto from_raw = ParseEncryptionKey(raw, true);
  ASSERT_TRUE(from_raw.ok());
  EXPECT_EQ(*from_raw, key);

  EXPECT_FALSE(ParseEncryptionKey(raw, false).ok());  // 32 characters of an environment variable are no key
  EXPECT_FALSE(ParseEncryptionKey(hex.substr(2), false).ok());
  EXPECT_FALSE(ParseEncryptionKey("zz" + hex.substr(2), false).ok());
  EXPECT_FALSE(ParseEncryptionKey("", true).ok());
  auto short_key = ParseEncryptionKey(core::Base64Encode("sixteen bytes!!!"), false);
  ASSERT_FALSE(short_key.ok());
  EXPECT_THAT(short_key.status().message(), HasSubstr("must be 32 bytes"));
}

}  // namespace
}  // namespace amp::storage
