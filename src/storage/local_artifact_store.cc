#include "storage/local_artifact_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/id.h"

namespace amp::storage {
namespace fs = std::filesystem;
namespace {

core::Status ErrnoStatus(std::string_view what, const fs::path& path) {
  return core::Internal(std::string(what) + " " + path.string() + ": " + std::strerror(errno));
}

core::Status FsyncPath(const fs::path& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", path);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return ErrnoStatus("fsync", path);
  return core::Status::Ok();
}

// Writes all of `bytes` to a new file at `path` and fsyncs it.
core::Status WriteAndSync(const fs::path& path, std::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return ErrnoStatus("create", path);
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t rc = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (rc < 0) {
      if (errno == EINTR) continue;
      core::Status status = ErrnoStatus("write", path);
      ::close(fd);
      return status;
    }
    written += static_cast<size_t>(rc);
  }
  if (::fsync(fd) != 0) {
    core::Status status = ErrnoStatus("fsync", path);
    ::close(fd);
    return status;
  }
  if (::close(fd) != 0) return ErrnoStatus("close", path);
  return core::Status::Ok();
}

// Renames `temp` over `target` and makes the rename durable.
core::Status CommitRename(const fs::path& temp, const fs::path& target) {
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    core::Status status = ErrnoStatus("rename to", target);
    ::unlink(temp.c_str());
    return status;
  }
  return FsyncPath(target.parent_path(), O_RDONLY | O_DIRECTORY);
}

fs::path TempPathBeside(const fs::path& target) {
  return target.parent_path() / ("." + target.filename().string() + "." + core::NewId("tmp"));
}

}  // namespace

core::Status ValidateArtifactKey(std::string_view key) {
  if (key.empty() || key.size() > 512) return core::InvalidArgument("artifact key must be 1-512 characters");
  size_t segment_start = 0;
  for (size_t pos = 0; pos <= key.size(); ++pos) {
    if (pos == key.size() || key[pos] == '/') {
      std::string_view segment = key.substr(segment_start, pos - segment_start);
      if (segment.empty() || segment == "." || segment == "..") {
        return core::InvalidArgument("artifact key has an empty, '.' or '..' segment: " + std::string(key));
      }
      segment_start = pos + 1;
      continue;
    }
    char c = key[pos];
    bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                   c == '_' || c == '-';
    if (!allowed) return core::InvalidArgument("artifact key has a character outside [A-Za-z0-9._-/]");
  }
  return core::Status::Ok();
}

core::Result<std::unique_ptr<LocalArtifactStore>> LocalArtifactStore::Open(const fs::path& root) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return core::Internal("cannot create artifact folder " + root.string() + ": " + ec.message());
  return std::unique_ptr<LocalArtifactStore>(new LocalArtifactStore(fs::absolute(root)));
}

core::Result<fs::path> LocalArtifactStore::PathFor(std::string_view key) const {
  AMP_RETURN_IF_ERROR(ValidateArtifactKey(key));
  return root_ / fs::path(std::string(key));
}

core::Status LocalArtifactStore::Put(std::string_view key, std::string_view bytes) {
  AMP_ASSIGN_OR_RETURN(fs::path target, PathFor(key));
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return core::Internal("cannot create " + target.parent_path().string() + ": " + ec.message());
  fs::path temp = TempPathBeside(target);
  core::Status status = WriteAndSync(temp, bytes);
  if (!status.ok()) {
    ::unlink(temp.c_str());
    return status;
  }
  return CommitRename(temp, target);
}

core::Status LocalArtifactStore::PutFile(std::string_view key, const fs::path& source) {
  AMP_ASSIGN_OR_RETURN(fs::path target, PathFor(key));
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return core::Internal("cannot create " + target.parent_path().string() + ": " + ec.message());
  if (!fs::is_regular_file(source, ec)) return core::NotFound("cannot open " + source.string());
  AMP_RETURN_IF_ERROR(FsyncPath(source, O_RDONLY));
  if (::rename(source.c_str(), target.c_str()) == 0) {
    return FsyncPath(target.parent_path(), O_RDONLY | O_DIRECTORY);
  }
  if (errno != EXDEV) return ErrnoStatus("rename to", target);
  // Another filesystem: copy to a temporary beside the target, then rename.
  fs::path temp = TempPathBeside(target);
  fs::copy_file(source, temp, fs::copy_options::overwrite_existing, ec);
  if (ec) return core::Internal("copy to " + temp.string() + ": " + ec.message());
  AMP_RETURN_IF_ERROR(FsyncPath(temp, O_RDONLY));
  AMP_RETURN_IF_ERROR(CommitRename(temp, target));
  fs::remove(source, ec);
  return core::Status::Ok();
}

core::Result<std::string> LocalArtifactStore::Get(std::string_view key) {
  AMP_ASSIGN_OR_RETURN(fs::path path, PathFor(key));
  // A folder opens as a stream too (and reads as empty); it is not an object.
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return core::NotFound("artifact not found: " + std::string(key));
  std::ifstream input(path, std::ios::binary);
  if (!input) return core::NotFound("artifact not found: " + std::string(key));
  std::ostringstream contents;
  contents << input.rdbuf();
  if (input.bad()) return core::Internal("read error on artifact " + std::string(key));
  return std::move(contents).str();
}

core::Result<std::unique_ptr<std::istream>> LocalArtifactStore::OpenForRead(std::string_view key) {
  AMP_ASSIGN_OR_RETURN(fs::path path, PathFor(key));
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return core::NotFound("artifact not found: " + std::string(key));
  auto input = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*input) return core::NotFound("artifact not found: " + std::string(key));
  return std::unique_ptr<std::istream>(std::move(input));
}

core::Status LocalArtifactStore::Delete(std::string_view key) {
  AMP_ASSIGN_OR_RETURN(fs::path path, PathFor(key));
  // A folder (a prefix of other keys) is not an object, so it counts as absent.
  if (::unlink(path.c_str()) != 0 && errno != ENOENT && errno != EISDIR) return ErrnoStatus("delete", path);
  return core::Status::Ok();
}

}  // namespace amp::storage
