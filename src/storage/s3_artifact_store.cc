#include "storage/s3_artifact_store.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/sha256.h"

namespace amp::storage {
namespace {

constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// What one HTTP exchange gave back. Header names are lowercase.
struct Reply {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
};

// Where a request's body comes from, re-read from the start on each attempt.
struct Upload {
  std::string_view bytes;
  size_t position = 0;
};

size_t ReadBody(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  size_t n = std::min(size * count, upload->bytes.size() - upload->position);
  std::memcpy(buffer, upload->bytes.data() + upload->position, n);
  upload->position += n;
  return n;
}

size_t WriteToString(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t WriteToFile(char* data, size_t size, size_t count, void* user) {
  return std::fwrite(data, 1, size * count, static_cast<FILE*>(user));
}

size_t KeepHeader(char* data, size_t size, size_t count, void* user) {
  std::string_view line(data, size * count);
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    (*static_cast<std::map<std::string, std::string>*>(user))[name] = std::string(value);
  }
  return size * count;
}

// RFC 3986 percent-encoding of a query value (libcurl's SigV4 signer expects query values already encoded).
std::string EncodeQueryValue(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

// The text of the first <tag>...</tag> in an S3 XML answer, or "".
std::string XmlField(std::string_view xml, std::string_view tag) {
  std::string open = "<" + std::string(tag) + ">";
  std::string close = "</" + std::string(tag) + ">";
  size_t start = xml.find(open);
  if (start == std::string_view::npos) return "";
  start += open.size();
  size_t end = xml.find(close, start);
  return end == std::string_view::npos ? "" : std::string(xml.substr(start, end - start));
}

// "HTTP 403 AccessDenied: ..." from an S3 error answer, for messages.
std::string Describe(const Reply& reply) {
  std::string text = "HTTP " + std::to_string(reply.status);
  std::string code = XmlField(reply.body, "Code");
  if (!code.empty()) text += " " + code;
  std::string message = XmlField(reply.body, "Message");
  if (!message.empty()) text += ": " + message;
  return text;
}

bool Retryable(CURLcode code, long status) {
  if (code != CURLE_OK) {
    return code == CURLE_COULDNT_CONNECT || code == CURLE_OPERATION_TIMEDOUT || code == CURLE_SEND_ERROR ||
           code == CURLE_RECV_ERROR || code == CURLE_GOT_NOTHING || code == CURLE_PARTIAL_FILE ||
           code == CURLE_COULDNT_RESOLVE_HOST;
  }
  return status >= 500 || status == 429;
}

struct Request {
  Request(const char* method_in, std::string url_in, std::string_view body_in = {})
      : method(method_in), url(std::move(url_in)), body(body_in) {}
  const char* method;
  std::string url;
  std::string_view body;            // sent for PUT and POST
  std::string body_sha256;          // of `body`; computed when empty
  std::vector<std::string> headers;  // extra "Name: value" lines
  FILE* sink = nullptr;              // if set, the answer's body goes here instead of Reply::body
};

core::Result<Reply> Send(const S3Options& options, const Request& request) {
  static std::once_flag curl_ready;
  std::call_once(curl_ready, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  const std::string payload_sha256 =
      !request.body_sha256.empty() ? request.body_sha256 : request.body.empty() ? kEmptySha256 : Sha256Hex(request.body);
  const std::string sigv4 = "aws:amz:" + options.region + ":s3";
  const std::string credentials = options.access_key + ":" + options.secret_key;
  const std::string method(request.method);

  std::chrono::milliseconds backoff = options.first_backoff;
  std::string last_error;
  for (int attempt = 1; attempt <= options.max_attempts; ++attempt) {
    CURL* curl = curl_easy_init();
    if (curl == nullptr) return core::Internal("cannot start a libcurl handle");
    Reply reply;
    Upload upload{request.body, 0};
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, ("x-amz-content-sha256: " + payload_sha256).c_str());
    // (Suppressing "Expect: 100-continue" with an empty "Expect:" header would break the signature: libcurl 7.88
    // signs the empty header it then does not send.)
    for (const std::string& header : request.headers) headers = curl_slist_append(headers, header.c_str());
    if (request.sink != nullptr) {
      std::fflush(request.sink);
      if (ftruncate(fileno(request.sink), 0) != 0 || std::fseek(request.sink, 0, SEEK_SET) != 0) {
        curl_slist_free_all(headers);
        curl_easy_cleanup(curl);
        return core::Internal("cannot reset the download file");
      }
    }
    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
    curl_easy_setopt(curl, CURLOPT_USERPWD, credentials.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(options.request_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, KeepHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.headers);
    if (request.sink != nullptr) {
      curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteToFile);
      curl_easy_setopt(curl, CURLOPT_WRITEDATA, request.sink);
    } else {
      curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteToString);
      curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
    }
    if (method == "PUT") {
      curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadBody);
      curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
      curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    } else if (method == "POST") {
      curl_easy_setopt(curl, CURLOPT_POST, 1L);
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    } else if (method != "GET") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method);
    }
    CURLcode code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (code == CURLE_OK && !Retryable(code, reply.status)) return reply;
    last_error = code != CURLE_OK ? curl_easy_strerror(code) : Describe(reply);
    if (!Retryable(code, reply.status)) break;
    if (attempt < options.max_attempts) {
      std::this_thread::sleep_for(backoff);
      backoff *= 2;
    }
  }
  return core::Unavailable("S3 " + method + " " + request.url + " failed: " + last_error);
}

std::string ObjectUrl(const S3Options& options, std::string_view key) {
  std::string url = options.endpoint + "/" + options.bucket + "/";
  if (!options.prefix.empty()) url += options.prefix + "/";
  url += key;
  return url;
}

core::Status Unexpected(const std::string& what, const Reply& reply) {
  // Refused credentials are a configuration problem, not something a retry fixes.
  if (reply.status == 403) return core::FailedPrecondition(what + ": " + Describe(reply));
  return core::Unavailable(what + ": " + Describe(reply));
}

core::Result<std::string> ReadFile(const std::filesystem::path& path, uint64_t offset, uint64_t length) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::NotFound("cannot open " + path.string());
  in.seekg(static_cast<std::streamoff>(offset));
  std::string bytes(length, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(length));
  if (static_cast<uint64_t>(in.gcount()) != length) return core::Internal("short read of " + path.string());
  return bytes;
}

// An ifstream over a file that is already unlinked: the space goes when the stream is closed.
class UnlinkedFileStream : public std::ifstream {
 public:
  explicit UnlinkedFileStream(const std::string& path) : std::ifstream(path, std::ios::binary) {
    ::unlink(path.c_str());
  }
};

}  // namespace

core::Status ParseS3Uri(std::string_view uri, S3Options* options) {
  constexpr std::string_view kScheme = "s3://";
  if (uri.substr(0, kScheme.size()) != kScheme) {
    return core::InvalidArgument("an S3 location looks like s3://bucket/prefix, not '" + std::string(uri) + "'");
  }
  std::string_view rest = uri.substr(kScheme.size());
  size_t slash = rest.find('/');
  std::string_view bucket = rest.substr(0, slash);
  std::string_view prefix = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  if (bucket.size() < 3 || bucket.size() > 63) {
    return core::InvalidArgument("an S3 bucket name has 3-63 characters: '" + std::string(bucket) + "'");
  }
  for (char c : bucket) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-' ||
          c == '.')) {
      return core::InvalidArgument("an S3 bucket name has lowercase letters, digits, '-' and '.': '" +
                                   std::string(bucket) + "'");
    }
  }
  if (!prefix.empty()) AMP_RETURN_IF_ERROR(ValidateArtifactKey(prefix));
  options->bucket = std::string(bucket);
  options->prefix = std::string(prefix);
  return core::Status::Ok();
}

void FillS3OptionsFromEnvironment(S3Options* options) {
  auto env = [](const char* name) -> std::string {
    const char* value = std::getenv(name);
    return value != nullptr ? value : "";
  };
  if (std::string region = env("AWS_REGION"); !region.empty()) {
    options->region = region;
  } else if (std::string fallback = env("AWS_DEFAULT_REGION"); !fallback.empty()) {
    options->region = fallback;
  }
  if (options->endpoint.empty()) options->endpoint = env("AWS_ENDPOINT_URL");
  if (options->endpoint.empty()) options->endpoint = "https://s3." + options->region + ".amazonaws.com";
  if (options->access_key.empty()) options->access_key = env("AWS_ACCESS_KEY_ID");
  if (options->secret_key.empty()) options->secret_key = env("AWS_SECRET_ACCESS_KEY");
}

core::Result<std::unique_ptr<S3ArtifactStore>> S3ArtifactStore::Open(S3Options options) {
  while (!options.endpoint.empty() && options.endpoint.back() == '/') options.endpoint.pop_back();
  if (options.endpoint.rfind("http://", 0) != 0 && options.endpoint.rfind("https://", 0) != 0) {
    return core::InvalidArgument("the S3 endpoint must be an http:// or https:// URL, not '" + options.endpoint + "'");
  }
  if (options.bucket.empty()) return core::InvalidArgument("no S3 bucket given");
  if (options.access_key.empty() || options.secret_key.empty()) {
    return core::InvalidArgument("no S3 credentials: give an access key and a secret key (or set AWS_ACCESS_KEY_ID "
                                 "and AWS_SECRET_ACCESS_KEY)");
  }
  if (options.part_size_bytes < (5ULL << 20)) return core::InvalidArgument("S3 parts must be at least 5 MiB");
  if (options.max_attempts < 1) options.max_attempts = 1;
  std::unique_ptr<S3ArtifactStore> store(new S3ArtifactStore(std::move(options)));
  const S3Options& opts = store->options_;
  const std::string bucket_url = opts.endpoint + "/" + opts.bucket;
  AMP_ASSIGN_OR_RETURN(Reply listed, Send(opts, Request("GET", bucket_url + "?max-keys=1")));
  if (listed.status == 404) {
    AMP_ASSIGN_OR_RETURN(Reply created, Send(opts, Request("PUT", bucket_url)));
    if (created.status != 200 && created.status != 409) {
      return Unexpected("cannot create the S3 bucket " + opts.bucket, created);
    }
  } else if (listed.status != 200) {
    return Unexpected("cannot use the S3 bucket " + opts.bucket, listed);
  }
  return store;
}

core::Status S3ArtifactStore::Put(std::string_view key, std::string_view bytes) {
  AMP_RETURN_IF_ERROR(ValidateArtifactKey(key));
  const std::string sha256 = Sha256Hex(bytes);
  Request request("PUT", ObjectUrl(options_, key), bytes);
  request.body_sha256 = sha256;
  request.headers.push_back("x-amz-meta-sha256: " + sha256);
  AMP_ASSIGN_OR_RETURN(Reply reply, Send(options_, request));
  if (reply.status != 200) return Unexpected("cannot store " + std::string(key), reply);
  return core::Status::Ok();
}

core::Status S3ArtifactStore::PutFile(std::string_view key, const std::filesystem::path& source) {
  AMP_RETURN_IF_ERROR(ValidateArtifactKey(key));
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(source, ec);
  if (ec) return core::NotFound("cannot read " + source.string() + ": " + ec.message());
  if (size <= options_.multipart_threshold_bytes) {
    AMP_ASSIGN_OR_RETURN(std::string bytes, ReadFile(source, 0, size));
    AMP_RETURN_IF_ERROR(Put(key, bytes));
  } else {
    AMP_ASSIGN_OR_RETURN(std::string sha256, Sha256HexOfFile(source));
    AMP_RETURN_IF_ERROR(PutMultipart(ObjectUrl(options_, key), source, size, sha256));
  }
  std::filesystem::remove(source, ec);
  return core::Status::Ok();
}

core::Status S3ArtifactStore::PutMultipart(const std::string& url, const std::filesystem::path& source,
                                           uint64_t size, const std::string& sha256) {
  Request start("POST", url + "?uploads=");
  start.headers.push_back("x-amz-meta-sha256: " + sha256);
  AMP_ASSIGN_OR_RETURN(Reply started, Send(options_, start));
  std::string upload_id = XmlField(started.body, "UploadId");
  if (started.status != 200 || upload_id.empty()) return Unexpected("cannot start a multipart upload", started);
  const std::string upload_query = "uploadId=" + EncodeQueryValue(upload_id);
  auto abort = [&](core::Status why) {
    (void)Send(options_, Request("DELETE", url + "?" + upload_query));
    return why;
  };

  std::string complete = "<CompleteMultipartUpload>";
  int part_number = 1;
  for (uint64_t offset = 0; offset < size; offset += options_.part_size_bytes, ++part_number) {
    const uint64_t length = std::min(options_.part_size_bytes, size - offset);
    auto bytes = ReadFile(source, offset, length);
    if (!bytes.ok()) return abort(bytes.status());
    auto part = Send(options_, Request("PUT", url + "?partNumber=" + std::to_string(part_number) + "&" + upload_query,
                                       *bytes));
    if (!part.ok()) return abort(part.status());
    auto etag = part->headers.find("etag");
    if (part->status != 200 || etag == part->headers.end()) {
      return abort(Unexpected("cannot upload part " + std::to_string(part_number), *part));
    }
    complete += "<Part><PartNumber>" + std::to_string(part_number) + "</PartNumber><ETag>" + etag->second +
                "</ETag></Part>";
  }
  complete += "</CompleteMultipartUpload>";
  auto done = Send(options_, Request("POST", url + "?" + upload_query, complete));
  if (!done.ok()) return abort(done.status());
  // S3 may answer 200 and still put an <Error> in the body of a completion.
  if (done->status != 200 || done->body.find("<Error>") != std::string::npos) {
    return abort(Unexpected("cannot complete the multipart upload", *done));
  }
  return core::Status::Ok();
}

core::Result<std::string> S3ArtifactStore::Get(std::string_view key) {
  AMP_RETURN_IF_ERROR(ValidateArtifactKey(key));
  AMP_ASSIGN_OR_RETURN(Reply reply, Send(options_, Request("GET", ObjectUrl(options_, key))));
  if (reply.status == 404) return core::NotFound("no artifact " + std::string(key));
  if (reply.status != 200) return Unexpected("cannot read " + std::string(key), reply);
  auto sha256 = reply.headers.find("x-amz-meta-sha256");
  if (sha256 != reply.headers.end() && Sha256Hex(reply.body) != sha256->second) {
    return core::DataLoss("artifact " + std::string(key) + " does not match the SHA-256 it was stored with");
  }
  return std::move(reply.body);
}

core::Result<std::unique_ptr<std::istream>> S3ArtifactStore::OpenForRead(std::string_view key) {
  AMP_RETURN_IF_ERROR(ValidateArtifactKey(key));
  std::string path = (std::filesystem::temp_directory_path() / "amp_s3_XXXXXX").string();
  int fd = ::mkstemp(path.data());
  if (fd < 0) return core::Internal("cannot make a temporary file for a download");
  FILE* file = ::fdopen(fd, "w+b");
  if (file == nullptr) {
    ::close(fd);
    ::unlink(path.c_str());
    return core::Internal("cannot open a temporary file for a download");
  }
  Request download("GET", ObjectUrl(options_, key));
  download.sink = file;
  auto reply = Send(options_, download);
  const bool written = std::fflush(file) == 0;
  std::fclose(file);
  auto discard = [&](core::Status why) {
    ::unlink(path.c_str());
    return why;
  };
  if (!reply.ok()) return discard(reply.status());
  if (reply->status == 404) return discard(core::NotFound("no artifact " + std::string(key)));
  if (reply->status != 200) return discard(Unexpected("cannot read " + std::string(key), *reply));
  if (!written) return discard(core::Internal("cannot write a temporary file for a download"));
  auto sha256 = reply->headers.find("x-amz-meta-sha256");
  if (sha256 != reply->headers.end()) {
    auto actual = Sha256HexOfFile(path);
    if (!actual.ok()) return discard(actual.status());
    if (*actual != sha256->second) {
      return discard(core::DataLoss("artifact " + std::string(key) + " does not match the SHA-256 it was stored with"));
    }
  }
  return std::unique_ptr<std::istream>(std::make_unique<UnlinkedFileStream>(path));
}

core::Status S3ArtifactStore::Delete(std::string_view key) {
  AMP_RETURN_IF_ERROR(ValidateArtifactKey(key));
  AMP_ASSIGN_OR_RETURN(Reply reply, Send(options_, Request("DELETE", ObjectUrl(options_, key))));
  if (reply.status != 204 && reply.status != 200 && reply.status != 404) {
    return Unexpected("cannot delete " + std::string(key), reply);
  }
  return core::Status::Ok();
}

}  // namespace amp::storage
