#include "app/metadata_store_opener.h"

#include "core/log.h"
#include "storage/postgres_metadata_store.h"
#include "storage/sqlite_metadata_store.h"

namespace amp::app {
namespace {

bool StartsWith(const std::string& text, const char* prefix) {
  return text.rfind(prefix, 0) == 0;
}

}  // namespace

std::string RedactMetadataSpec(const std::string& spec) {
  // scheme://user:password@host... -> scheme://user:***@host...
  size_t scheme_end = spec.find("://");
  if (scheme_end == std::string::npos) return spec;
  size_t authority = scheme_end + 3;
  size_t at = spec.find('@', authority);
  size_t slash = spec.find('/', authority);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return spec;
  size_t colon = spec.find(':', authority);
  if (colon == std::string::npos || colon > at) return spec;
  return spec.substr(0, colon + 1) + "***" + spec.substr(at);
}

core::Result<std::unique_ptr<storage::MetadataStore>> OpenMetadataStore(const std::string& spec,
                                                                        const std::filesystem::path& data_dir) {
  if (StartsWith(spec, "postgresql://") || StartsWith(spec, "postgres://")) {
    auto store = storage::PostgresMetadataStore::Open(spec);
    if (!store.ok()) return store.status().WithContext("metadata store " + RedactMetadataSpec(spec));
    core::LogInfo("metadata in PostgreSQL at " + RedactMetadataSpec(spec) + " (schema version " +
                  std::to_string((*store)->schema_version()) + ")");
    return std::unique_ptr<storage::MetadataStore>(std::move(store).value());
  }
  if (spec.find("://") != std::string::npos) {
    return core::InvalidArgument(
        "--metadata takes a SQLite file or postgresql://user:password@host:port/database, not '" +
        RedactMetadataSpec(spec) + "'");
  }
  std::string path = spec.empty() ? (data_dir / "amp.db").string() : spec;
  auto store = storage::SqliteMetadataStore::Open(path);
  if (!store.ok()) return store.status();
  return std::unique_ptr<storage::MetadataStore>(std::move(store).value());
}

}  // namespace amp::app
