// Opens the metadata store named by --metadata: empty (the default) or a path for SQLite (<data_dir>/amp.db, or
// the file named), postgresql://... or postgres://... (a libpq URI) for PostgreSQL. Shared by the commands that
// use the store (serve, worker, audit). Thread-safe (no shared state).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/status.h"
#include "storage/metadata_store.h"

namespace amp::app {

// InvalidArgument for another URI scheme; otherwise the store's own Open errors.
core::Result<std::unique_ptr<storage::MetadataStore>> OpenMetadataStore(const std::string& spec,
                                                                        const std::filesystem::path& data_dir);

// The spec with any password replaced by "***", for logs.
std::string RedactMetadataSpec(const std::string& spec);

}  // namespace amp::app
