// The MetadataStore contract as one value-parameterized gtest suite (*_contract_test.cc beside this), so every
// implementation is held to the same behaviour: each instantiates MetadataStoreContractTest with its backends
// (sqlite_metadata_store_test.cc: in memory and on a file; postgres_metadata_store_test.cc: a real server). Also
// the record builders the backend-specific tests share. Test-only; header of the amp_storage_test binary.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "storage/metadata_store.h"

namespace amp::storage::contract {

// Where one contract test's data lives.
class MetadataStoreBackend {
 public:
  virtual ~MetadataStoreBackend() = default;
  // Why this backend's tests are skipped here (e.g. no PostgreSQL server configured); empty to run them.
  virtual std::string SkipReason() { return ""; }
  // Prepares a fresh, empty location and opens a store on it.
  virtual core::Result<std::unique_ptr<MetadataStore>> OpenFresh() = 0;
  // Opens another store on the same location, as a second process would; FailedPrecondition where that cannot be
  // done (an in-memory database), and tests that need it skip.
  virtual core::Result<std::unique_ptr<MetadataStore>> OpenAnother() = 0;
};

struct BackendParam {
  std::string name;
  std::function<std::unique_ptr<MetadataStoreBackend>()> make;
};
// How gtest prints a parameter (in test names and failures): its name, not the struct's bytes.
inline void PrintTo(const BackendParam& param, std::ostream* out) { *out << param.name; }

// For INSTANTIATE_TEST_SUITE_P's name generator.
std::string BackendName(const ::testing::TestParamInfo<BackendParam>& info);

class MetadataStoreContractTest : public ::testing::TestWithParam<BackendParam> {
 protected:
  void SetUp() override;
  void TearDown() override;
  MetadataStore& store() { return *store_; }
  // A second store on the same data (another process's view); skips the test when the backend has none.
  std::unique_ptr<MetadataStore> OpenAnotherOrSkip();

  std::unique_ptr<MetadataStoreBackend> backend_;
  std::unique_ptr<MetadataStore> store_;
};

// ---- Record builders: every field set, including awkward values. ----
DatasetRecord MakeDataset(std::string id, int64_t created_at);
ModelRecord MakeModel(std::string id, std::string name, int64_t created_at);
VersionRecord MakeVersion(const std::string& model_id, int64_t created_at);
JobRecord MakeJob(std::string id, int64_t created_at);
void ExpectSameVersion(const VersionRecord& got, const VersionRecord& want, int64_t number);
void ExpectSameJob(const JobRecord& got, const JobRecord& want);

}  // namespace amp::storage::contract
