// ModelBundle: one published version packed into a single self-contained file, for download
// (GET /v1/models/{m}/versions/{n}/artifact, `amp models download`) and offline scoring (`amp score`). The file is
// JSON:
//   {"format": "amp.bundle", "format_version": 1,
//    "manifest": {"model_id", "model_name", "version", "created_at_micros", "algorithm", "task", "target",
//                 "features": [{"name", "type"}], "metrics": {...}, "params": {...},
//                 "lineage": {"dataset_id", "dataset_sha256", "job_id"},
//                 "model_sha256", "model_size_bytes"},
//    "model": "<the version's amp.model artifact, byte for byte, as a JSON string>"}
// The artifact inside is the very bytes the server loads (schema, preprocessing pipeline and model), so a bundle
// scores exactly as the server does. Pure functions; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "ml/model.h"
#include "storage/records.h"

namespace amp::registry {

inline constexpr std::string_view kBundleFormat = "amp.bundle";
inline constexpr int kBundleFormatVersion = 1;

// Packs a version and its artifact bytes (which must be the version's artifact; their checksum is recomputed).
std::string EncodeBundle(const storage::ModelRecord& model, const storage::VersionRecord& version,
                         std::string_view artifact);

struct DecodedBundle {
  std::string model_name;
  storage::VersionRecord version;  // artifact_key is empty: a bundle is not in any store
  std::shared_ptr<const ml::Model> model;
};

// Unpacks and checks a bundle: InvalidArgument if it is not a bundle (not JSON, another format, a newer
// format_version, a missing field); DataLoss if the model bytes do not match the manifest's SHA-256 or size, or do
// not decode.
core::Result<DecodedBundle> DecodeBundle(std::string_view bytes);

}  // namespace amp::registry
