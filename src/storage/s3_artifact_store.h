// S3ArtifactStore: artifacts as objects in an S3-compatible object store (AWS S3, Ceph RADOS Gateway, ...), for
// replicas that share one store. Path-style URLs (endpoint/bucket/prefix/key), requests signed with AWS Signature
// V4 by libcurl. Every upload carries its SHA-256 (x-amz-content-sha256, which the server checks against the bytes
// it received) and keeps it as object metadata (x-amz-meta-sha256), which every download is checked against.
// Objects larger than the multipart threshold go up in parts (an interrupted upload is aborted, so a reader sees
// the old object or the whole new one). Transient failures (connection errors, 5xx, 429) are retried with
// exponential backoff. Thread-safe: each call uses its own connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "storage/artifact_store.h"

namespace amp::storage {

struct S3Options {
  std::string endpoint;  // e.g. "http://127.0.0.1:7480" or "https://s3.eu-west-1.amazonaws.com"
  std::string bucket;
  std::string prefix;  // folder inside the bucket, without leading or trailing '/'; may be empty
  std::string region = "us-east-1";
  std::string access_key;
  std::string secret_key;
  uint64_t multipart_threshold_bytes = 64ULL << 20;
  uint64_t part_size_bytes = 16ULL << 20;  // S3's minimum for all parts but the last is 5 MiB
  int max_attempts = 5;
  std::chrono::milliseconds first_backoff{100};  // doubled after each failed attempt
  std::chrono::seconds request_timeout{300};
};

// Parses "s3://bucket/prefix" into options.bucket and options.prefix. InvalidArgument for anything else.
core::Status ParseS3Uri(std::string_view uri, S3Options* options);

// Fills what `options` leaves empty from the usual environment variables: AWS_ENDPOINT_URL (else
// https://s3.<region>.amazonaws.com), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION / AWS_DEFAULT_REGION.
void FillS3OptionsFromEnvironment(S3Options* options);

class S3ArtifactStore final : public ArtifactStore {
 public:
  // Checks the options and that the bucket answers, creating it if it does not exist. InvalidArgument for
  // incomplete options; Unavailable (with the server's message) if the store cannot be reached or refuses.
  static core::Result<std::unique_ptr<S3ArtifactStore>> Open(S3Options options);

  core::Status Put(std::string_view key, std::string_view bytes) override;
  core::Status PutFile(std::string_view key, const std::filesystem::path& source) override;
  core::Result<std::string> Get(std::string_view key) override;
  core::Result<std::unique_ptr<std::istream>> OpenForRead(std::string_view key) override;
  core::Status Delete(std::string_view key) override;

  const S3Options& options() const { return options_; }

 private:
  explicit S3ArtifactStore(S3Options options) : options_(std::move(options)) {}
  core::Status PutMultipart(const std::string& url, const std::filesystem::path& source, uint64_t size,
                            const std::string& sha256);

  S3Options options_;
};

}  // namespace amp::storage
