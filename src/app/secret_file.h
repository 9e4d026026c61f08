// Secret files in a data folder (admin.key, webhook.secret): written mode 0600, never wider even for a moment, through
// a temp file named after this process, so replicas starting at once on a shared data folder never write each
// other's temp file. Used by `amp serve` and `amp worker`. Thread-safe (no shared state).
#pragma once

#include <filesystem>
#include <string>

#include "core/status.h"

namespace amp::app {

// kReplace renames over an existing file; kCreateOnly links instead and returns AlreadyExists when another process
// created `path` first. Internal when the file cannot be written.
enum class SecretWrite { kReplace, kCreateOnly };
core::Status WriteSecretFile(const std::filesystem::path& path, const std::string& secret, SecretWrite mode);

// The webhook signing key: read from `file` if given, else from <data_dir>/webhook.secret, created on first start
// (by whichever process sharing the folder gets there first). InvalidArgument when it cannot be read or is shorter
// than 16 characters.
core::Result<std::string> LoadWebhookSecret(const std::filesystem::path& file, const std::filesystem::path& data_dir);

}  // namespace amp::app
