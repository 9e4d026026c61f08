// The ArtifactStore contract, run against every implementation (typed tests), plus LocalArtifactStore specifics
// and the pure key validation rule.
#include "storage/artifact_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "core/temp_dir.h"
#include "storage/encrypting_artifact_store.h"
#include "storage/fault_injecting_artifact_store.h"
#include "storage/in_memory_artifact_store.h"
#include "storage/local_artifact_store.h"
#include "storage/s3_artifact_store.h"

namespace amp::storage {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Each test's folder is named after this suite.
class TempDir : public core::TempDir {
 public:
  TempDir() : core::TempDir("amp_artifact_test") { EXPECT_FALSE(path().empty()) << "cannot make a temporary folder"; }
};

void WriteFile(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string ReadAll(std::istream& input) {
  return std::string(std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>());
}

// Every file (not folder) under `root`, as paths relative to it.
std::vector<std::string> ListFiles(const fs::path& root) {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) files.push_back(fs::relative(entry.path(), root).string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// One fixture type per implementation: each owns its store (and whatever the store needs) and a scratch folder for
// PutFile sources.
struct LocalFixture {
  TempDir scratch;
  TempDir root;
  std::unique_ptr<LocalArtifactStore> local;
  ArtifactStore* store = nullptr;
  LocalFixture() {
    auto opened = LocalArtifactStore::Open(root.path() / "artifacts");
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    local = std::move(opened).value();
    store = local.get();
  }
};

struct InMemoryFixture {
  TempDir scratch;
  InMemoryArtifactStore memory;
  ArtifactStore* store = &memory;
};

// A fault-injecting store with no fault armed must behave exactly like the store it wraps.
struct PassThroughFaultFixture {
  TempDir scratch;
  InMemoryArtifactStore memory;
  FaultInjectingArtifactStore faulty{memory};
  ArtifactStore* store = &faulty;
};

// The encrypting decorator over a local folder must keep the whole contract too.
struct EncryptingLocalFixture {
  TempDir scratch;
  TempDir root;
  std::unique_ptr<LocalArtifactStore> local;
  std::unique_ptr<EncryptingArtifactStore> encrypting;
  ArtifactStore* store = nullptr;
  EncryptingLocalFixture() {
    auto opened = LocalArtifactStore::Open(root.path() / "artifacts");
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    local = std::move(opened).value();
    EncryptionKey key;
    key.fill(0x5a);
    encrypting = std::make_unique<EncryptingArtifactStore>(*local, key);
    store = encrypting.get();
  }
};

// S3 against the server named by AMP_TEST_S3_ENDPOINT (with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY): ctest runs
// this binary a second time under tests/services/rgw.sh, which starts a real RADOS Gateway. Without the variable
// the S3 cases skip. Each fixture works under its own random prefix in one bucket, and uploads above 6 MiB go in
// 5 MiB parts so the contract's large object exercises multipart uploads.
std::optional<S3Options> TestS3Options() {
  const char* endpoint = std::getenv("AMP_TEST_S3_ENDPOINT");
  if (endpoint == nullptr || *endpoint == '\0') return std::nullopt;
  S3Options options;
  options.endpoint = endpoint;
  options.bucket = "amp-test";
  options.prefix = "run/" + std::to_string(::getpid()) + "-" + std::to_string(std::rand());
  options.multipart_threshold_bytes = 6ULL << 20;
  options.part_size_bytes = 5ULL << 20;
  options.first_backoff = std::chrono::milliseconds(20);
  FillS3OptionsFromEnvironment(&options);
  return options;
}

struct S3Fixture {
  TempDir scratch;
  std::unique_ptr<S3ArtifactStore> s3;
  ArtifactStore* store = nullptr;  // null when no S3 server is configured (the test skips) or it failed to open
  std::string error;               // why a configured server could not be opened (the test fails)
  S3Fixture() {
    std::optional<S3Options> options = TestS3Options();
    if (!options) return;
    auto opened = S3ArtifactStore::Open(*options);
    if (!opened.ok()) {
      error = opened.status().ToString();
      return;
    }
    s3 = std::move(opened).value();
    store = s3.get();
  }
};

template <typename Fixture>
class ArtifactStoreContractTest : public testing::Test {
 protected:
  void SetUp() override {
    if (fixture_.store != nullptr) return;
    if constexpr (std::is_same_v<Fixture, S3Fixture>) {
      if (!fixture_.error.empty()) FAIL() << "the configured S3 server cannot be used: " << fixture_.error;
    }
    GTEST_SKIP() << "no S3 server (AMP_TEST_S3_ENDPOINT); see tests/services/rgw.sh";
  }
  ArtifactStore& store() { return *fixture_.store; }
  fs::path ScratchFile(const std::string& name, std::string_view bytes) {
    fs::path path = fixture_.scratch.path() / name;
    WriteFile(path, bytes);
    return path;
  }

  Fixture fixture_;
};

using Implementations =
    testing::Types<LocalFixture, InMemoryFixture, PassThroughFaultFixture, EncryptingLocalFixture, S3Fixture>;

class ImplementationNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    if (std::is_same_v<T, LocalFixture>) return "Local";
    if (std::is_same_v<T, InMemoryFixture>) return "InMemory";
    if (std::is_same_v<T, S3Fixture>) return "S3";
    if (std::is_same_v<T, EncryptingLocalFixture>) return "EncryptingLocal";
    return "FaultInjectingPassThrough";
  }
};

TYPED_TEST_SUITE(ArtifactStoreContractTest, Implementations, ImplementationNames);

TYPED_TEST(ArtifactStoreContractTest, PutThenGet) {
  ASSERT_TRUE(this->store().Put("models/m1/a.json", "hello").ok());
  core::Result<std::string> got = this->store().Get("models/m1/a.json");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "hello");
}

TYPED_TEST(ArtifactStoreContractTest, BinaryAndEmptyObjectsRoundTrip) {
  std::string binary("\0\x01\xff\n\r\0end", 9);
  ASSERT_TRUE(this->store().Put("bin", binary).ok());
  ASSERT_TRUE(this->store().Put("empty", "").ok());
  core::Result<std::string> got = this->store().Get("bin");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, binary);
  core::Result<std::string> empty = this->store().Get("empty");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_THAT(*empty, IsEmpty());
}

TYPED_TEST(ArtifactStoreContractTest, LargeObjectRoundTrips) {
  std::string big(3 << 20, '\0');
  for (size_t byte_idx = 0; byte_idx < big.size(); ++byte_idx) big[byte_idx] = static_cast<char>(byte_idx * 31);
  ASSERT_TRUE(this->store().Put("big.bin", big).ok());
  core::Result<std::string> got = this->store().Get("big.bin");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(*got == big);
}

// 13 MiB: above the S3 fixture's multipart threshold, so it goes up in three parts and comes back as a stream.
TYPED_TEST(ArtifactStoreContractTest, LargeFileRoundTripsThroughPutFileAndOpenForRead) {
  std::string big((13 << 20) + 17, '\0');
  for (size_t byte_idx = 0; byte_idx < big.size(); ++byte_idx) big[byte_idx] = static_cast<char>(byte_idx * 7 + 3);
  ASSERT_TRUE(this->store().PutFile("datasets/big.csv", this->ScratchFile("big.csv", big)).ok());
  auto stream = this->store().OpenForRead("datasets/big.csv");
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  EXPECT_TRUE(ReadAll(**stream) == big);
}

TYPED_TEST(ArtifactStoreContractTest, PutOverwrites) {
  ASSERT_TRUE(this->store().Put("k", "a much longer first value").ok());
  ASSERT_TRUE(this->store().Put("k", "short").ok());
  core::Result<std::string> got = this->store().Get("k");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "short");
}

TYPED_TEST(ArtifactStoreContractTest, KeysAreIndependent) {
  ASSERT_TRUE(this->store().Put("a/x", "1").ok());
  ASSERT_TRUE(this->store().Put("a/y", "2").ok());
  ASSERT_TRUE(this->store().Put("b/x", "3").ok());
  EXPECT_EQ(*this->store().Get("a/x"), "1");
  EXPECT_EQ(*this->store().Get("a/y"), "2");
  EXPECT_EQ(*this->store().Get("b/x"), "3");
}

TYPED_TEST(ArtifactStoreContractTest, GetMissingIsNotFound) {
  core::Result<std::string> got = this->store().Get("no/such/key");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), core::StatusCode::kNotFound);
}

// A key that is only a folder of other keys is not an object.
TYPED_TEST(ArtifactStoreContractTest, PrefixOfAKeyIsNotFound) {
  ASSERT_TRUE(this->store().Put("datasets/ds1.csv", "x").ok());
  core::Result<std::string> got = this->store().Get("datasets");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), core::StatusCode::kNotFound) << got.status().ToString();
  core::Result<std::unique_ptr<std::istream>> stream = this->store().OpenForRead("datasets");
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.status().code(), core::StatusCode::kNotFound) << stream.status().ToString();
}

TYPED_TEST(ArtifactStoreContractTest, DeleteOfAPrefixOfAKeyIsOkAndKeepsTheKey) {
  ASSERT_TRUE(this->store().Put("datasets/ds1.csv", "x").ok());
  core::Status status = this->store().Delete("datasets");
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(*this->store().Get("datasets/ds1.csv"), "x");
}

TYPED_TEST(ArtifactStoreContractTest, DeleteRemoves) {
  ASSERT_TRUE(this->store().Put("k", "v").ok());
  ASSERT_TRUE(this->store().Delete("k").ok());
  core::Result<std::string> got = this->store().Get("k");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), core::StatusCode::kNotFound);
}

TYPED_TEST(ArtifactStoreContractTest, DeleteMissingIsOk) {
  EXPECT_TRUE(this->store().Delete("never/stored").ok());
  ASSERT_TRUE(this->store().Put("k", "v").ok());
  ASSERT_TRUE(this->store().Delete("k").ok());
  EXPECT_TRUE(this->store().Delete("k").ok());
}

TYPED_TEST(ArtifactStoreContractTest, DeleteLeavesOtherKeys) {
  ASSERT_TRUE(this->store().Put("a/1", "one").ok());
  ASSERT_TRUE(this->store().Put("a/2", "two").ok());
  ASSERT_TRUE(this->store().Delete("a/1").ok());
  core::Result<std::string> got = this->store().Get("a/2");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "two");
}

TYPED_TEST(ArtifactStoreContractTest, OpenForReadStreamsTheObject) {
  std::string bytes = "a,b\n1,2\n3,4\n";
  ASSERT_TRUE(this->store().Put("datasets/d.csv", bytes).ok());
  core::Result<std::unique_ptr<std::istream>> stream = this->store().OpenForRead("datasets/d.csv");
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  EXPECT_EQ(ReadAll(**stream), bytes);
}

TYPED_TEST(ArtifactStoreContractTest, OpenForReadMissingIsNotFound) {
  core::Result<std::unique_ptr<std::istream>> stream = this->store().OpenForRead("missing");
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.status().code(), core::StatusCode::kNotFound);
}

// A reader that opened the object before an overwrite keeps reading a whole object (old or new), never a mix.
TYPED_TEST(ArtifactStoreContractTest, OpenStreamSurvivesOverwrite) {
  ASSERT_TRUE(this->store().Put("k", std::string(1000, 'a')).ok());
  core::Result<std::unique_ptr<std::istream>> stream = this->store().OpenForRead("k");
  ASSERT_TRUE(stream.ok());
  ASSERT_TRUE(this->store().Put("k", std::string(1000, 'b')).ok());
  std::string seen = ReadAll(**stream);
  EXPECT_TRUE(seen == std::string(1000, 'a') || seen == std::string(1000, 'b')) << seen.substr(0, 20);
}

TYPED_TEST(ArtifactStoreContractTest, PutFileStoresAndConsumesTheSource) {
  fs::path source = this->ScratchFile("upload.csv", "x,y\n1,2\n");
  ASSERT_TRUE(this->store().PutFile("datasets/up.csv", source).ok());
  EXPECT_FALSE(fs::exists(source));
  core::Result<std::string> got = this->store().Get("datasets/up.csv");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "x,y\n1,2\n");
}

TYPED_TEST(ArtifactStoreContractTest, PutFileOverwrites) {
  ASSERT_TRUE(this->store().Put("k", "old").ok());
  fs::path source = this->ScratchFile("new", "new");
  ASSERT_TRUE(this->store().PutFile("k", source).ok());
  EXPECT_EQ(*this->store().Get("k"), "new");
}

TYPED_TEST(ArtifactStoreContractTest, PutFileOfMissingSourceIsNotFound) {
  core::Status status = this->store().PutFile("k", this->fixture_.scratch.path() / "does-not-exist");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), core::StatusCode::kNotFound) << status.ToString();
  EXPECT_EQ(this->store().Get("k").status().code(), core::StatusCode::kNotFound);
}

TYPED_TEST(ArtifactStoreContractTest, EveryOperationRejectsABadKey) {
  for (std::string_view key : {"../escape", "/abs", "a//b", "", "with space"}) {
    SCOPED_TRACE(key);
    EXPECT_EQ(this->store().Put(key, "x").code(), core::StatusCode::kInvalidArgument);
    EXPECT_EQ(this->store().Get(key).status().code(), core::StatusCode::kInvalidArgument);
    EXPECT_EQ(this->store().OpenForRead(key).status().code(), core::StatusCode::kInvalidArgument);
    EXPECT_EQ(this->store().Delete(key).code(), core::StatusCode::kInvalidArgument);
    fs::path source = this->ScratchFile("bad-key-source", "x");
    EXPECT_EQ(this->store().PutFile(key, source).code(), core::StatusCode::kInvalidArgument);
  }
}

TYPED_TEST(ArtifactStoreContractTest, ConcurrentWritersAndReadersSeeWholeObjects) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 50;
  const std::string value_a(4096, 'a');
  const std::string value_b(8192, 'b');
  ASSERT_TRUE(this->store().Put("shared", value_a).ok());
  std::atomic<int> torn_reads{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    threads.emplace_back([&, thread_idx] {
      for (int round = 0; round < kRounds; ++round) {
        if (thread_idx % 2 == 0) {
          if (!this->store().Put("shared", round % 2 == 0 ? value_a : value_b).ok()) ++failures;
          std::string own = "own/" + std::to_string(thread_idx) + "-" + std::to_string(round);
          if (!this->store().Put(own, own).ok()) ++failures;
        } else {
          core::Result<std::string> got = this->store().Get("shared");
          if (!got.ok()) {
            ++failures;
          } else if (*got != value_a && *got != value_b) {
            ++torn_reads;
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(torn_reads.load(), 0);
  for (int thread_idx = 0; thread_idx < kThreads; thread_idx += 2) {
    for (int round = 0; round < kRounds; ++round) {
      std::string own = "own/" + std::to_string(thread_idx) + "-" + std::to_string(round);
      core::Result<std::string> got = this->store().Get(own);
      ASSERT_TRUE(got.ok()) << own;
      EXPECT_EQ(*got, own);
    }
  }
}

// ---- ValidateArtifactKey: a pure rule, tested with a table. ----

struct KeyCase {
  std::string name;
  std::string key;
  bool valid;
};
// How gtest prints a case (in --gtest_list_tests and failures): its name and key, not the struct's bytes.
void PrintTo(const KeyCase& key_case, std::ostream* out) {
  *out << key_case.name << ": " << testing::PrintToString(key_case.key) << (key_case.valid ? " valid" : " invalid");
}

class ValidateArtifactKeyTest : public testing::TestWithParam<KeyCase> {};

TEST_P(ValidateArtifactKeyTest, Decides) {
  core::Status status = ValidateArtifactKey(GetParam().key);
  if (GetParam().valid) {
    EXPECT_TRUE(status.ok()) << status.ToString();
  } else {
    EXPECT_EQ(status.code(), core::StatusCode::kInvalidArgument) << "key '" << GetParam().key << "' was accepted";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, ValidateArtifactKeyTest,
    testing::Values(KeyCase{"Simple", "ok", true}, KeyCase{"NestedWithDashDigitDot", "ok/key-1.csv", true},
                    KeyCase{"ModelKey", "models/mdl_0123456789abcdef/art_0123456789abcdef.amp.json", true},
                    KeyCase{"Underscore", "a_b/C_D", true}, KeyCase{"DotPrefixedName", ".hidden", true},
                    KeyCase{"DoubleDotInsideName", "a..b", true}, KeyCase{"Max512", std::string(512, 'k'), true},
                    KeyCase{"ParentFirst", "../x", false}, KeyCase{"ParentMiddle", "a/../b", false},
                    KeyCase{"ParentLast", "a/..", false}, KeyCase{"ParentOnly", "..", false},
                    KeyCase{"Absolute", "/abs", false}, KeyCase{"EmptySegment", "a//b", false},
                    KeyCase{"DotSegment", "a/./b", false}, KeyCase{"DotOnly", ".", false},
                    KeyCase{"TrailingSlash", "a/", false}, KeyCase{"SlashOnly", "/", false},
                    KeyCase{"Space", "with space", false}, KeyCase{"LeadingSpace", " a", false},
                    KeyCase{"Empty", "", false}, KeyCase{"TooLong513", std::string(513, 'k'), false},
                    KeyCase{"TooLong600", std::string(600, 'k'), false}, KeyCase{"Backslash", "a\\b", false},
                    KeyCase{"Nul", std::string("a\0b", 3), false}, KeyCase{"Newline", "a\nb", false},
                    KeyCase{"Colon", "c:x", false}, KeyCase{"Tilde", "~/x", false},
                    KeyCase{"NonAscii", "caf\xc3\xa9", false}, KeyCase{"Quote", "a'b", false}),
    [](const testing::TestParamInfo<KeyCase>& info) { return info.param.name; });

// ---- LocalArtifactStore specifics. ----

class LocalArtifactStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    root_ = temp_.path() / "root";
    auto opened = LocalArtifactStore::Open(root_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  TempDir temp_;
  fs::path root_;
  std::unique_ptr<LocalArtifactStore> store_;
};

TEST_F(LocalArtifactStoreTest, OpenCreatesNestedRootAndMakesItAbsolute) {
  EXPECT_TRUE(fs::is_directory(root_));
  EXPECT_TRUE(store_->root().is_absolute());
  auto nested = LocalArtifactStore::Open(temp_.path() / "x" / "y" / "z");
  ASSERT_TRUE(nested.ok());
  EXPECT_TRUE(fs::is_directory(temp_.path() / "x" / "y" / "z"));
}

TEST_F(LocalArtifactStoreTest, OpenOverAFileFails) {
  WriteFile(temp_.path() / "file", "x");
  auto opened = LocalArtifactStore::Open(temp_.path() / "file");
  EXPECT_FALSE(opened.ok());
}

TEST_F(LocalArtifactStoreTest, ObjectsAreFilesAtTheirKey) {
  ASSERT_TRUE(store_->Put("models/m/a.json", "{}").ok());
  std::ifstream file(root_ / "models" / "m" / "a.json", std::ios::binary);
  ASSERT_TRUE(file);
  EXPECT_EQ(ReadAll(file), "{}");
}

TEST_F(LocalArtifactStoreTest, PutLeavesNoTemporaryFiles) {
  ASSERT_TRUE(store_->Put("models/m/a.json", "one").ok());
  ASSERT_TRUE(store_->Put("models/m/a.json", "two").ok());
  ASSERT_TRUE(store_->Put("models/m/b.json", "three").ok());
  ASSERT_TRUE(store_->Put("top", "four").ok());
  EXPECT_EQ(ListFiles(root_), (std::vector<std::string>{"models/m/a.json", "models/m/b.json", "top"}));
}

TEST_F(LocalArtifactStoreTest, PutFileLeavesNoTemporaryFiles) {
  fs::path source = temp_.path() / "upload";
  WriteFile(source, "data");
  ASSERT_TRUE(store_->PutFile("datasets/d.csv", source).ok());
  EXPECT_EQ(ListFiles(root_), (std::vector<std::string>{"datasets/d.csv"}));
}

TEST_F(LocalArtifactStoreTest, FailedPutLeavesNoTemporaryFilesAndKeepsTheOldObject) {
  ASSERT_TRUE(store_->Put("a/b", "old").ok());
  // "a/b" is a file, so "a/b/c" cannot be created.
  EXPECT_FALSE(store_->Put("a/b/c", "new").ok());
  EXPECT_EQ(ListFiles(root_), (std::vector<std::string>{"a/b"}));
  EXPECT_EQ(*store_->Get("a/b"), "old");
}

TEST_F(LocalArtifactStoreTest, DotDotKeysNeverEscapeTheRoot) {
  WriteFile(temp_.path() / "secret", "do not touch");
  for (std::string_view key : {"../secret", "a/../../secret", "..", "x/..", "./../secret"}) {
    SCOPED_TRACE(key);
    EXPECT_EQ(store_->Get(key).status().code(), core::StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Put(key, "overwritten").code(), core::StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Delete(key).code(), core::StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->OpenForRead(key).status().code(), core::StatusCode::kInvalidArgument);
  }
  std::ifstream secret(temp_.path() / "secret");
  EXPECT_EQ(ReadAll(secret), "do not touch");
  EXPECT_TRUE(ListFiles(root_).empty());
}

TEST_F(LocalArtifactStoreTest, DataSurvivesReopening) {
  ASSERT_TRUE(store_->Put("k/v", "persisted").ok());
  store_.reset();
  auto reopened = LocalArtifactStore::Open(root_);
  ASSERT_TRUE(reopened.ok());
  core::Result<std::string> got = (*reopened)->Get("k/v");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "persisted");
}

TEST_F(LocalArtifactStoreTest, FailedPutFileKeepsTheSourceAndReportsTheFolder) {
  ASSERT_TRUE(store_->Put("a", "file").ok());
  fs::path source = temp_.path() / "upload";
  WriteFile(source, "data");
  core::Status status = store_->PutFile("a/b", source);  // "a" is a file, not a folder
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("cannot create"));
  EXPECT_TRUE(fs::exists(source));
}

// ---- InMemoryArtifactStore specifics. ----

TEST(InMemoryArtifactStoreTest, SizeCountsObjects) {
  InMemoryArtifactStore store;
  EXPECT_EQ(store.size(), 0u);
  ASSERT_TRUE(store.Put("a", "1").ok());
  ASSERT_TRUE(store.Put("b", "2").ok());
  ASSERT_TRUE(store.Put("a", "3").ok());
  EXPECT_EQ(store.size(), 2u);
  ASSERT_TRUE(store.Delete("a").ok());
  EXPECT_EQ(store.size(), 1u);
}

TEST(S3UriTest, ParsesBucketAndPrefix) {
  struct Case {
    const char* uri;
    bool ok;
    const char* bucket;
    const char* prefix;
  };
  const Case cases[] = {
      {"s3://models/amp", true, "models", "amp"},
      {"s3://models/amp/prod/", true, "models", "amp/prod"},
      {"s3://models", true, "models", ""},
      {"s3://models/", true, "models", ""},
      {"s3://my.bucket-1/x", true, "my.bucket-1", "x"},
      {"http://models/amp", false, "", ""},
      {"s3://", false, "", ""},
      {"s3://ab", false, "", ""},
      {"s3://Models/amp", false, "", ""},
      {"s3://models/../etc", false, "", ""},
      {"s3://models/a//b", false, "", ""},
  };
  for (const Case& c : cases) {
    S3Options options;
    core::Status status = ParseS3Uri(c.uri, &options);
    EXPECT_EQ(status.ok(), c.ok) << c.uri << ": " << status.ToString();
    if (status.ok()) {
      EXPECT_EQ(options.bucket, c.bucket) << c.uri;
      EXPECT_EQ(options.prefix, c.prefix) << c.uri;
    }
  }
}

TEST(S3ArtifactStoreTest, IncompleteOptionsAreInvalidArgument) {
  S3Options options;
  options.endpoint = "http://127.0.0.1:1";
  options.bucket = "amp-test";
  EXPECT_EQ(S3ArtifactStore::Open(options).status().code(), core::StatusCode::kInvalidArgument);  // no keys
  options.access_key = "a";
  options.secret_key = "b";
  options.endpoint = "ftp://example";
  EXPECT_EQ(S3ArtifactStore::Open(options).status().code(), core::StatusCode::kInvalidArgument);
}

TEST(S3ArtifactStoreTest, UnreachableServerIsUnavailableAfterRetries) {
  S3Options options;
  options.endpoint = "http://127.0.0.1:1";  // nothing listens on port 1
  options.bucket = "amp-test";
  options.access_key = "a";
  options.secret_key = "b";
  options.max_attempts = 3;
  options.first_backoff = std::chrono::milliseconds(1);
  auto opened = S3ArtifactStore::Open(options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), core::StatusCode::kUnavailable);
  EXPECT_THAT(opened.status().message(), HasSubstr("127.0.0.1:1"));
}

TEST(S3ArtifactStoreTest, WrongSecretIsFailedPrecondition) {
  std::optional<S3Options> options = TestS3Options();
  if (!options) GTEST_SKIP() << "no S3 server (AMP_TEST_S3_ENDPOINT); see tests/services/rgw.sh";
  options->secret_key += "-wrong";
  auto opened = S3ArtifactStore::Open(*options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), core::StatusCode::kFailedPrecondition) << opened.status().ToString();
}

}  // namespace
}  // namespace amp::storage
