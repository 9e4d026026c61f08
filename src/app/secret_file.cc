#include "app/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "auth/api_key.h"
#include "core/log.h"

namespace amp::app {
namespace fs = std::filesystem;

core::Status WriteSecretFile(const fs::path& path, const std::string& secret, SecretWrite mode) {
  fs::path temp = path;
  temp += "." + std::to_string(::getpid()) + ".tmp";
  ::unlink(temp.c_str());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return core::Internal("cannot create " + temp.string() + ": " + std::strerror(errno));
  const std::string line = secret + "\n";
  bool written = ::fchmod(fd, 0600) == 0 &&
                 ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  written = ::close(fd) == 0 && written;
  if (!written) {
    ::unlink(temp.c_str());
    return core::Internal("cannot write " + temp.string());
  }
  if (mode == SecretWrite::kCreateOnly) {
    int linked = ::link(temp.c_str(), path.c_str());
    int link_errno = errno;
    ::unlink(temp.c_str());
    if (linked == 0) return core::Status::Ok();
    if (link_errno == EEXIST) return core::AlreadyExists(path.string() + " was created by another process");
    return core::Internal("cannot write " + path.string() + ": " + std::strerror(link_errno));
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    ::unlink(temp.c_str());
    return core::Internal("cannot write " + path.string() + ": " + ec.message());
  }
  return core::Status::Ok();
}

core::Result<std::string> LoadWebhookSecret(const fs::path& file, const fs::path& data_dir) {
  const fs::path path = file.empty() ? data_dir / "webhook.secret" : file;
  std::error_code ec;
  if (file.empty() && !fs::exists(path, ec)) {
    AMP_ASSIGN_OR_RETURN(std::string secret, auth::GenerateSecret());
    core::Status written = WriteSecretFile(path, secret, SecretWrite::kCreateOnly);
    if (written.ok()) {
      core::LogInfo("created the webhook signing secret in " + path.string() + " (mode 0600)");
      return secret;
    }
    // Another replica on this data folder created it first: every process must sign with the same secret.
    if (written.code() != core::StatusCode::kAlreadyExists) return written;
  }
  std::ifstream in(path);
  std::string secret;
  if (!in || !std::getline(in, secret)) return core::InvalidArgument("cannot read the webhook secret " + path.string());
  while (!secret.empty() && (secret.back() == '\r' || secret.back() == ' ')) secret.pop_back();
  if (secret.size() < 16) {
    return core::InvalidArgument("the webhook secret in " + path.string() + " must be at least 16 characters");
  }
  return secret;
}

}  // namespace amp::app
