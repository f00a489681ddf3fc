#include "http/upload.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tether::detail {

namespace {

Error too_long() {
  return Error(ErrorCode::BadRequest, "Request body larger than maxBodyLength limit");
}

// A file read through its own descriptor (no stdio buffer: curl's buffer is
// the only copy of the bytes in flight).
class FileUpload final : public UploadSource {
 public:
  FileUpload(int fd, std::optional<std::uint64_t> size, std::int64_t limit, std::string path)
      : UploadSource(size, limit), fd_(fd), path_(std::move(path)) {}
  ~FileUpload() override { ::close(fd_); }

 private:
  std::size_t produce(char* buffer, std::size_t n) override {
    for (;;) {
      ssize_t got = ::read(fd_, buffer, n);
      if (got >= 0) return static_cast<std::size_t>(got);
      if (errno != EINTR) {
        throw Error(ErrorCode::BadOptionValue,
                    "Cannot read the request body file \"" + path_ + "\": " + std::strerror(errno));
      }
    }
  }
  // A regular file starts again; a pipe or device cannot.
  bool restart() override { return size().has_value() && ::lseek(fd_, 0, SEEK_SET) == 0; }

  int fd_;
  std::string path_;
};

class StreamUpload final : public UploadSource {
 public:
  StreamUpload(Body body, std::int64_t limit)
      : UploadSource(body.stream_source()->size, limit),
        body_(std::move(body)),
        stream_(*body_.stream_source()) {}

 private:
  std::size_t produce(char* buffer, std::size_t n) override {
    if (!stream_.read) return 0;
    std::size_t got = stream_.read(std::span<char>(buffer, n));
    if (got > n) {
      throw Error(ErrorCode::BadOptionValue, "the request body stream's read returned " +
                                                 std::to_string(got) + " bytes for a buffer of " +
                                                 std::to_string(n));
    }
    return got;
  }
  bool restart() override { return stream_.restart && stream_.restart(); }

  Body body_;  // keeps the shared BodyStream alive (its producer is the user's, not a copy)
  const BodyStream& stream_;
};

}  // namespace

std::size_t UploadSource::read(char* buffer, std::size_t n) {
  if (size_) n = static_cast<std::size_t>(std::min<std::uint64_t>(n, *size_ - sent_));
  if (n == 0) return 0;
  std::size_t got = produce(buffer, n);
  if (got == 0 && size_) {
    throw Error(ErrorCode::BadOptionValue, "the request body ended after " + std::to_string(sent_) +
                                               " of the " + std::to_string(*size_) +
                                               " bytes its size declared");
  }
  sent_ += got;
  if (limit_ >= 0 && sent_ > static_cast<std::uint64_t>(limit_)) throw too_long();
  return got;
}

bool UploadSource::rewind() {
  if (sent_ == 0) return true;
  if (!restart()) return false;
  sent_ = 0;
  return true;
}

std::variant<std::shared_ptr<UploadSource>, Error> open_upload(const Body& body,
                                                               std::int64_t max_body_length) {
  std::shared_ptr<UploadSource> source;
  if (const BodyFile* file = body.file_source()) {
    int fd = ::open(file->path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
      std::string why = S_ISDIR(st.st_mode) ? "is a directory" : std::strerror(errno);
      if (fd >= 0) ::close(fd);
      return Error(ErrorCode::BadOptionValue,
                   "Cannot read the request body file \"" + file->path + "\": " + why);
    }
    std::optional<std::uint64_t> size;
    if (S_ISREG(st.st_mode)) size = static_cast<std::uint64_t>(st.st_size);
    source = std::make_shared<FileUpload>(fd, size, max_body_length, file->path);
  } else if (body.stream_source()) {
    source = std::make_shared<StreamUpload>(body, max_body_length);
  } else {
    return Error(ErrorCode::BadOptionValue, "not a streamed body");
  }
  if (max_body_length >= 0 && source->size() &&
      *source->size() > static_cast<std::uint64_t>(max_body_length)) {
    return too_long();
  }
  return source;
}

std::optional<Error> restart_stream(const Body& body) {
  const BodyStream* stream = body.stream_source();
  if (!stream) return std::nullopt;
  if (!stream->restart) {
    return Error(ErrorCode::BadOptionValue,
                 "the request body is a stream without a restart function: it cannot be sent "
                 "again");
  }
  try {
    if (stream->restart()) return std::nullopt;
  } catch (...) {
    return Error::from_exception(std::current_exception());
  }
  return Error(ErrorCode::BadOptionValue,
               "the request body stream could not restart (its restart function returned false)");
}

}  // namespace tether::detail
