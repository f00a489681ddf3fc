// A streamed request body as the transport reads it: Body::file and
// Body::stream behind one interface, read as curl asks for bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "tether/body.hpp"
#include "tether/error.hpp"

namespace tether::detail {

class UploadSource {
 public:
  virtual ~UploadSource() = default;
  // The next bytes into buffer[0, n), how many (0: the end). Throws what the
  // producer throws, or an Error when the body breaks its declared size.
  std::size_t read(char* buffer, std::size_t n);
  // Back to the first byte (a redirect, curl's rewind); false if it cannot.
  bool rewind();
  std::optional<std::uint64_t> size() const { return size_; }
  std::uint64_t sent() const { return sent_; }
  // Told what read() or rewind() threw, to keep it as the request's cause().
  std::function<void(std::exception_ptr)> on_throw;

 protected:
  explicit UploadSource(std::optional<std::uint64_t> size, std::int64_t limit)
      : size_(size), limit_(limit) {}
  virtual std::size_t produce(char* buffer, std::size_t n) = 0;
  virtual bool restart() = 0;

 private:
  std::optional<std::uint64_t> size_;
  std::int64_t limit_ = -1;  // max_body_length; -1: none
  std::uint64_t sent_ = 0;
};

// The source of `body` (a File or Stream body), for one try: a file is opened
// here. An Error (BadOptionValue naming the path, or BadRequest over
// max_body_length) when it cannot be sent.
std::variant<std::shared_ptr<UploadSource>, Error> open_upload(const Body& body,
                                                               std::int64_t max_body_length);

// A Stream body read by an earlier try starts again (its restart function),
// before a retry sends it; an Error when it cannot.
std::optional<Error> restart_stream(const Body& body);

}  // namespace tether::detail
