#include "storage/fault_injecting_artifact_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "core/temp_dir.h"
#include "storage/in_memory_artifact_store.h"

namespace amp::storage {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// Each test's folder is named after this suite.
class TempDir : public core::TempDir {
 public:
  TempDir() : core::TempDir("amp_fault_test") { EXPECT_FALSE(path().empty()) << "cannot make a temporary folder"; }
};

class FaultInjectingArtifactStoreTest : public testing::Test {
 protected:
  fs::path WriteSource(const std::string& name, std::string_view bytes) {
    fs::path path = temp_.path() / name;
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  TempDir temp_;
  InMemoryArtifactStore inner_;
  FaultInjectingArtifactStore store_{inner_};
};

TEST_F(FaultInjectingArtifactStoreTest, PassesThroughWhenNothingIsArmed) {
  ASSERT_TRUE(store_.Put("k", "value").ok());
  EXPECT_EQ(*inner_.Get("k"), "value");
  EXPECT_EQ(*store_.Get("k"), "value");
  ASSERT_TRUE(store_.Delete("k").ok());
  EXPECT_EQ(inner_.size(), 0u);
}

TEST_F(FaultInjectingArtifactStoreTest, FailNthWriteFailsExactlyTheSecondWriteAndStoresNothing) {
  store_.FailNthWrite(2);
  ASSERT_TRUE(store_.Put("first", "1").ok());
  core::Status second = store_.Put("second", "2");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.code(), core::StatusCode::kInternal);
  EXPECT_THAT(second.message(), HasSubstr("injected"));
  ASSERT_TRUE(store_.Put("third", "3").ok());
  ASSERT_TRUE(store_.Put("fourth", "4").ok());

  EXPECT_EQ(inner_.Get("second").status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(inner_.size(), 3u);
  EXPECT_EQ(*inner_.Get("first"), "1");
  EXPECT_EQ(*inner_.Get("third"), "3");
}

TEST_F(FaultInjectingArtifactStoreTest, FailedOverwriteKeepsTheOldObject) {
  ASSERT_TRUE(store_.Put("k", "old").ok());
  store_.FailNthWrite(1);
  EXPECT_FALSE(store_.Put("k", "new").ok());
  EXPECT_EQ(*store_.Get("k"), "old");
}

TEST_F(FaultInjectingArtifactStoreTest, FailNthWriteCountsPutFileAsOneWrite) {
  store_.FailNthWrite(2);
  ASSERT_TRUE(store_.PutFile("first", WriteSource("a", "1")).ok());
  fs::path second_source = WriteSource("b", "2");
  EXPECT_FALSE(store_.PutFile("second", second_source).ok());
  EXPECT_EQ(inner_.Get("second").status().code(), core::StatusCode::kNotFound);
  ASSERT_TRUE(store_.PutFile("third", WriteSource("c", "3")).ok());
  EXPECT_EQ(inner_.size(), 2u);
}

TEST_F(FaultInjectingArtifactStoreTest, FailNthWriteZeroDisables) {
  store_.FailNthWrite(1);
  store_.FailNthWrite(0);
  EXPECT_TRUE(store_.Put("k", "v").ok());
}

TEST_F(FaultInjectingArtifactStoreTest, ReadsAndDeletesDoNotCountAsWrites) {
  ASSERT_TRUE(inner_.Put("existing", "x").ok());
  store_.FailNthWrite(2);
  ASSERT_TRUE(store_.Put("one", "1").ok());
  ASSERT_TRUE(store_.Get("existing").ok());
  ASSERT_TRUE(store_.OpenForRead("existing").ok());
  ASSERT_TRUE(store_.Delete("existing").ok());
  EXPECT_FALSE(store_.Put("two", "2").ok());
}

TEST_F(FaultInjectingArtifactStoreTest, ShortenWritesStoresHalfAndReportsSuccess) {
  store_.ShortenWrites(true);
  ASSERT_TRUE(store_.Put("k", "0123456789").ok());
  EXPECT_EQ(*inner_.Get("k"), "01234");
  ASSERT_TRUE(store_.Put("odd", "abc").ok());
  EXPECT_EQ(*inner_.Get("odd"), "a");
  store_.ShortenWrites(false);
  ASSERT_TRUE(store_.Put("k", "0123456789").ok());
  EXPECT_EQ(*inner_.Get("k"), "0123456789");
}

TEST_F(FaultInjectingArtifactStoreTest, ShortenWritesAppliesToPutFileAndConsumesTheSource) {
  store_.ShortenWrites(true);
  fs::path source = WriteSource("upload", "abcdefgh");
  ASSERT_TRUE(store_.PutFile("k", source).ok());
  EXPECT_EQ(*inner_.Get("k"), "abcd");
  EXPECT_FALSE(fs::exists(source));
}

TEST_F(FaultInjectingArtifactStoreTest, ShortenedPutFileCountsAsOneWrite) {
  store_.ShortenWrites(true);
  store_.FailNthWrite(2);
  ASSERT_TRUE(store_.PutFile("first", WriteSource("a", "1111")).ok());
  EXPECT_FALSE(store_.Put("second", "2222").ok());
  EXPECT_EQ(*inner_.Get("first"), "11");
}

TEST_F(FaultInjectingArtifactStoreTest, CorruptReadsFlipsTheFirstByte) {
  ASSERT_TRUE(store_.Put("k", "Abc").ok());
  store_.CorruptReads(true);
  core::Result<std::string> got = store_.Get("k");
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ(static_cast<unsigned char>((*got)[0]), static_cast<unsigned char>(~'A'));
  EXPECT_EQ(got->substr(1), "bc");
  EXPECT_EQ(*inner_.Get("k"), "Abc");  // the stored bytes are untouched

  core::Result<std::unique_ptr<std::istream>> stream = store_.OpenForRead("k");
  ASSERT_TRUE(stream.ok());
  std::string streamed((std::istreambuf_iterator<char>(**stream)), std::istreambuf_iterator<char>());
  EXPECT_EQ(streamed, *got);

  store_.CorruptReads(false);
  EXPECT_EQ(*store_.Get("k"), "Abc");
}

TEST_F(FaultInjectingArtifactStoreTest, CorruptReadsKeepsNotFoundAndEmptyObjects) {
  ASSERT_TRUE(store_.Put("empty", "").ok());
  store_.CorruptReads(true);
  EXPECT_EQ(store_.Get("missing").status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(store_.OpenForRead("missing").status().code(), core::StatusCode::kNotFound);
  core::Result<std::string> empty = store_.Get("empty");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace amp::storage
