// Self-test of the project's fault-injection test server, driven with plain
// POSIX sockets (no HTTP client library involved).
#include "support/test_server.hpp"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#if __has_include(<zlib.h>)
#include <zlib.h>
#define TETHER_TEST_HAVE_ZLIB_H 1
#endif

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

using namespace std::chrono_literals;
using tether::test::TestServer;
using Clock = TestServer::Clock;

namespace {

constexpr auto kLimit = 10s;  // generous bound for every wait

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

struct Response {
  int status = 0;
  std::string status_line;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  std::optional<std::string> header(const std::string& name) const {
    for (auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return std::nullopt;
  }
  std::vector<std::string> all(const std::string& name) const {
    std::vector<std::string> out;
    for (auto& [n, v] : headers) {
      if (n == name) out.push_back(v);
    }
    return out;
  }
};

// A plain TCP connection to the server with bounded, poll-based reads.
class Client {
 public:
  explicit Client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::system_error(errno, std::generic_category(), "connect");
    }
  }
  ~Client() { close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  int fd() const { return fd_; }
  int last_errno() const { return last_errno_; }
  bool eof() const { return eof_; }

  void send_all(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw std::system_error(errno, std::generic_category(), "send");
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // Reads more bytes into the buffer. False on EOF, error (last_errno) or timeout.
  bool fill(Clock::time_point deadline) {
    for (;;) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(left));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      char buf[64 * 1024];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        buf_.append(buf, static_cast<std::size_t>(n));
        return true;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) {
        eof_ = true;
      } else {
        last_errno_ = errno;
      }
      return false;
    }
  }

  // True if nothing at all arrives within `quiet`.
  bool silent_for(std::chrono::milliseconds quiet) {
    std::size_t before = buf_.size();
    return !fill(Clock::now() + quiet) && !eof_ && last_errno_ == 0 && buf_.size() == before;
  }

  std::optional<Response> read_response(bool head = false,
                                        std::chrono::milliseconds limit = kLimit) {
    auto deadline = Clock::now() + limit;
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill(deadline)) return std::nullopt;
    }
    Response r;
    std::string block = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    std::size_t pos = block.find("\r\n");
    r.status_line = block.substr(0, pos);
    if (r.status_line.size() < 12 || r.status_line.compare(0, 9, "HTTP/1.1 ") != 0) {
      return std::nullopt;
    }
    r.status = std::stoi(r.status_line.substr(9, 3));
    while (pos != std::string::npos) {
      std::size_t next = block.find("\r\n", pos + 2);
      std::string line =
          block.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      pos = next;
      auto colon = line.find(':');
      if (colon == std::string::npos) return std::nullopt;
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      r.headers.emplace_back(lower(line.substr(0, colon)), value);
    }
    bool no_body = head || r.status / 100 == 1 || r.status == 204 || r.status == 304;
    if (no_body) return r;
    if (auto cl = r.header("content-length")) {
      std::size_t n = std::stoull(*cl);
      while (buf_.size() < n) {
        if (!fill(deadline)) return std::nullopt;
      }
      r.body = buf_.substr(0, n);
      buf_.erase(0, n);
    } else {
      while (fill(deadline)) {
      }
      if (!eof_) return std::nullopt;
      r.body = std::move(buf_);
      buf_.clear();
    }
    return r;
  }

  // Everything until the server closes (or the limit passes).
  std::string read_until_close(std::chrono::milliseconds limit = kLimit) {
    auto deadline = Clock::now() + limit;
    while (fill(deadline)) {
    }
    std::string out = std::move(buf_);
    buf_.clear();
    return out;
  }

  std::string& buffer() { return buf_; }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Abortive close: RST instead of FIN.
  void reset() {
    linger lg{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close();
  }

 private:
  int fd_ = -1;
  std::string buf_;
  bool eof_ = false;
  int last_errno_ = 0;
};

std::string get(std::string_view target, std::string_view extra_headers = "",
                std::string_view method = "GET") {
  return std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
         std::string(extra_headers) + "\r\n";
}

std::optional<Response> fetch(const TestServer& server, std::string_view target,
                              std::string_view extra_headers = "",
                              std::string_view method = "GET") {
  Client c(server.port());
  c.send_all(get(target, extra_headers, method));
  return c.read_response(method == "HEAD");
}

std::string pattern(std::uint64_t from, std::size_t n) {
  std::string out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out += TestServer::pattern_byte(from + i);
  return out;
}

std::uint32_t crc32_of(std::string_view data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char ch : data) {
    crc ^= ch;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::uint32_t le32(std::string_view s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

// gunzip through the system zlib, loaded at run time (the test binary does not
// link zlib). nullopt if libz is not available.
std::optional<std::string> gunzip([[maybe_unused]] std::string_view data) {
#ifndef TETHER_TEST_HAVE_ZLIB_H
  return std::nullopt;
#else
  void* lib = ::dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) return std::nullopt;
  auto init = reinterpret_cast<decltype(&::inflateInit2_)>(::dlsym(lib, "inflateInit2_"));
  auto step = reinterpret_cast<decltype(&::inflate)>(::dlsym(lib, "inflate"));
  auto end = reinterpret_cast<decltype(&::inflateEnd)>(::dlsym(lib, "inflateEnd"));
  if (!init || !step || !end) {
    ::dlclose(lib);
    return std::nullopt;
  }
  z_stream zs{};
  std::string out;
  std::string input(data);
  if (init(&zs, 16 + MAX_WBITS, ZLIB_VERSION, static_cast<int>(sizeof zs)) != Z_OK) {
    ::dlclose(lib);
    return std::nullopt;
  }
  zs.next_in = reinterpret_cast<Bytef*>(input.data());
  zs.avail_in = static_cast<uInt>(input.size());
  char buf[4096];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = step(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
  }
  end(&zs);
  ::dlclose(lib);
  if (rc != Z_STREAM_END) return std::string("<inflate failed>");
  return out;
#endif
}

// ---------------------------------------------------------------------------
// Simple endpoints

TEST(TestServer, UrlAndPort) {
  TestServer server;
  EXPECT_NE(server.port(), 0);
  EXPECT_EQ(server.url(), "http://127.0.0.1:" + std::to_string(server.port()) + "/");
  EXPECT_EQ(server.url("/ok?x=1"), "http://127.0.0.1:" + std::to_string(server.port()) + "/ok?x=1");
  EXPECT_EQ(server.accepted_count(), 0u);
  EXPECT_EQ(server.open_count(), 0u);
}

TEST(TestServer, Ok) {
  TestServer server;
  auto r = fetch(server, "/ok");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(r->header("content-type"), "text/plain");
  EXPECT_EQ(r->header("content-length"), "2");
  EXPECT_EQ(r->body, "ok");
}

TEST(TestServer, EchoGet) {
  TestServer server;
  auto r = fetch(server, "/echo?a=1&b=two", "X-Custom-Thing: Some Value\r\nAccept: */*\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "application/json");
  auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j["method"], "GET");
  EXPECT_EQ(j["target"], "/echo?a=1&b=two");
  EXPECT_EQ(j["path"], "/echo");
  EXPECT_EQ(j["query"], "a=1&b=two");
  EXPECT_EQ(j["headers"]["x-custom-thing"], "Some Value");
  EXPECT_EQ(j["headers"]["accept"], "*/*");
  EXPECT_EQ(j["headers"]["host"], "127.0.0.1");
  EXPECT_EQ(j["body"], "");
}

TEST(TestServer, EchoPostWithContentLength) {
  TestServer server;
  Client c(server.port());
  std::string body = R"({"hello":"world"})";
  c.send_all(
      "PUT /echo?t=cl HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n");
  c.send_all(body.substr(0, 5));  // the body arrives in two pieces
  std::this_thread::sleep_for(20ms);
  c.send_all(body.substr(5));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j["method"], "PUT");
  EXPECT_EQ(j["body"], body);
  EXPECT_EQ(j["headers"]["content-type"], "application/json");
  auto conns = server.connections();
  ASSERT_EQ(conns.size(), 1u);
  EXPECT_EQ(conns[0].body_bytes_received, body.size());
}

TEST(TestServer, EchoPostChunked) {
  TestServer server;
  Client c(server.port());
  c.send_all(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n"
      "6;ext=1\r\n wor\r\n\r\n"  // chunk data may contain CRLF
      "3\r\nld!\r\n"
      "0\r\nX-Trailer: yes\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j["method"], "POST");
  EXPECT_EQ(j["body"], "hello wor\r\nld!");
  EXPECT_EQ(j["headers"]["transfer-encoding"], "chunked");
  EXPECT_EQ(server.connections().at(0).body_bytes_received, 14u);
}

TEST(TestServer, EchoExpectContinue) {
  TestServer server;
  Client c(server.port());
  c.send_all("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  auto interim = c.read_response();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  c.send_all("data");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(nlohmann::json::parse(r->body)["body"], "data");
}

TEST(TestServer, StatusDefaultBody) {
  TestServer server;
  auto r = fetch(server, "/status/418");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 418);
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_EQ(nlohmann::json::parse(r->body), nlohmann::json({{"status", 418}}));
}

TEST(TestServer, StatusWithBodyAndContentType) {
  TestServer server;
  auto r = fetch(server, "/status/503?body=down%20for+now&ctype=text/html%3B%20charset%3Dutf-8");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(r->body, "down for now");

  auto plain = fetch(server, "/status/500?body=oops");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 500);
  EXPECT_EQ(plain->header("content-type"), "text/plain");
  EXPECT_EQ(plain->body, "oops");
}

TEST(TestServer, Status204HasNoBody) {
  TestServer server;
  Client c(server.port());
  c.send_all(get("/status/204"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_FALSE(r->header("content-length"));
  // Nothing follows; the connection is still usable.
  c.send_all(get("/ok"));
  auto next = c.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "ok");
}

TEST(TestServer, NotFound) {
  TestServer server;
  for (auto target : {"/nope", "/status/abc", "/bytes/x", "/delay/soon", "/redirect/-1"}) {
    auto r = fetch(server, target);
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 404) << target;
    EXPECT_EQ(r->header("content-type"), "application/json");
    auto j = nlohmann::json::parse(r->body);
    EXPECT_EQ(j["type"], "NotFound");
    EXPECT_EQ(j["message"], "no such endpoint");
  }
}

TEST(TestServer, BadRequestIsAnsweredAndClosed) {
  TestServer server;
  Client c(server.port());
  c.send_all("this is not a request\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(c.read_until_close(), "");
  EXPECT_TRUE(c.eof());
}

TEST(TestServer, SetCookie) {
  TestServer server;
  auto r = fetch(server, "/set-cookie");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto cookies = r->all("set-cookie");
  ASSERT_EQ(cookies.size(), 2u);
  EXPECT_EQ(cookies[0].substr(0, 4), "a=1;");
  EXPECT_EQ(cookies[1].substr(0, 4), "b=2;");
}

TEST(TestServer, Gzip) {
  TestServer server;
  auto r = fetch(server, "/gzip", "Accept-Encoding: gzip\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-encoding"), "gzip");
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_EQ(r->body, TestServer::gzip_body());
  ASSERT_GE(r->body.size(), 18u);
  EXPECT_EQ(static_cast<unsigned char>(r->body[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(r->body[1]), 0x8b);
  // The trailer: CRC-32 and size of the uncompressed data.
  EXPECT_EQ(le32(r->body, r->body.size() - 8), crc32_of(TestServer::kGzipPlain));
  EXPECT_EQ(le32(r->body, r->body.size() - 4), TestServer::kGzipPlain.size());
  auto plain = gunzip(r->body);
  if (!plain) GTEST_SKIP() << "zlib not available; the compressed bytes were not inflated";
  EXPECT_EQ(*plain, TestServer::kGzipPlain);
  EXPECT_TRUE(nlohmann::json::parse(*plain)["gzipped"].get<bool>());
}

TEST(TestServer, Redirects) {
  TestServer server;
  auto r3 = fetch(server, "/redirect/3");
  ASSERT_TRUE(r3);
  EXPECT_EQ(r3->status, 302);
  EXPECT_EQ(r3->header("location"), "/redirect/2");
  EXPECT_EQ(r3->header("content-length"), "0");

  auto r0 = fetch(server, "/redirect/0");
  ASSERT_TRUE(r0);
  EXPECT_EQ(r0->status, 302);
  EXPECT_EQ(r0->header("location"), "/ok");

  auto abs = fetch(server, "/redirect-to?url=http%3A%2F%2Fexample.com%2Fx%3Fy%3D1&status=307");
  ASSERT_TRUE(abs);
  EXPECT_EQ(abs->status, 307);
  EXPECT_EQ(abs->header("location"), "http://example.com/x?y=1");

  auto rel = fetch(server, "/redirect-to?url=/echo");
  ASSERT_TRUE(rel);
  EXPECT_EQ(rel->status, 302);
  EXPECT_EQ(rel->header("location"), "/echo");
}

TEST(TestServer, Malformed) {
  TestServer server;
  Client c(server.port());
  c.send_all(get("/malformed"));
  EXPECT_EQ(c.read_until_close(), "HTTP/1.1 abc\r\nthis is not http\r\n\r\n");
  EXPECT_TRUE(c.eof());
  ASSERT_TRUE(server.wait_for_request("/malformed", kLimit));
  auto conns = server.connections();
  ASSERT_EQ(conns.size(), 1u);
  EXPECT_TRUE(conns[0].server_closed);
}

TEST(TestServer, Head) {
  TestServer server;
  Client c(server.port());
  c.send_all(get("/ok", "", "HEAD"));
  auto r = c.read_response(/*head=*/true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-length"), "2");
  c.send_all(get("/bytes/100000", "", "HEAD"));
  auto b = c.read_response(/*head=*/true);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->header("content-length"), "100000");
  // No body bytes were sent: the next response follows directly.
  c.send_all(get("/ok"));
  auto next = c.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "ok");
  EXPECT_TRUE(c.buffer().empty());
}

// ---------------------------------------------------------------------------
// Timers, streaming and stalls

TEST(TestServer, Delay) {
  TestServer server;
  Client c(server.port());
  auto before = Clock::now();
  c.send_all(get("/delay/200?t=delay"));
  auto r = c.read_response();
  auto after = Clock::now();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok");
  auto requested = server.wait_for_request("t=delay", kLimit);
  ASSERT_TRUE(requested);
  EXPECT_LE(before, *requested);
  EXPECT_GE(after - *requested, 200ms);  // never early
}

TEST(TestServer, DelayDoesNotBlockTheLoop) {
  TestServer server;
  Client slow(server.port());
  slow.send_all(get("/delay/1500?t=slow"));
  ASSERT_TRUE(server.wait_for_request("t=slow", kLimit));
  auto quick = fetch(server, "/ok");  // answered while the delay is pending
  ASSERT_TRUE(quick);
  EXPECT_EQ(quick->body, "ok");
  EXPECT_TRUE(slow.buffer().empty());
  auto r = slow.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "ok");
}

TEST(TestServer, HeadersNever) {
  TestServer server;
  Client c(server.port());
  c.send_all(get("/headers-never?t=hn"));
  ASSERT_TRUE(server.wait_for_request("t=hn", kLimit));
  EXPECT_TRUE(c.silent_for(300ms));
  EXPECT_EQ(server.open_count(), 1u);
  auto before_close = Clock::now();
  c.close();
  auto closed = server.wait_for_client_close("t=hn", kLimit);
  ASSERT_TRUE(closed);
  EXPECT_GE(*closed, before_close);
  EXPECT_FALSE(server.connections().at(0).server_closed);
}

TEST(TestServer, StallDefaults) {
  TestServer server;
  Client c(server.port());
  c.send_all(get("/stall?t=st"));
  auto deadline = Clock::now() + kLimit;
  while (c.buffer().find("\r\n\r\n") == std::string::npos ||
         c.buffer().size() < c.buffer().find("\r\n\r\n") + 4 + 16) {
    ASSERT_TRUE(c.fill(deadline));
  }
  const std::string& raw = c.buffer();
  EXPECT_EQ(raw.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_NE(raw.find("Content-Length: 1000000\r\n"), std::string::npos);
  EXPECT_EQ(raw.substr(raw.find("\r\n\r\n") + 4), pattern(0, 16));
  EXPECT_TRUE(c.silent_for(300ms));
  auto before_close = Clock::now();
  c.close();
  auto closed = server.wait_for_client_close("t=st", kLimit);
  ASSERT_TRUE(closed);
  EXPECT_GE(*closed, before_close);
}

TEST(TestServer, StallCustom) {
  TestServer server;
  Client c(server.port());
  c.send_all(get("/stall?bytes=5&length=100"));
  auto deadline = Clock::now() + kLimit;
  while (c.buffer().find("\r\n\r\n") == std::string::npos ||
         c.buffer().size() < c.buffer().find("\r\n\r\n") + 4 + 5) {
    ASSERT_TRUE(c.fill(deadline));
  }
  const std::string& raw = c.buffer();
  EXPECT_NE(raw.find("Content-Length: 100\r\n"), std::string::npos);
  EXPECT_EQ(raw.substr(raw.find("\r\n\r\n") + 4), pattern(0, 5));
  EXPECT_TRUE(c.silent_for(300ms));
}

TEST(TestServer, Drip) {
  TestServer server;
  Client c(server.port());
  c.send_all(get("/drip?bytes=5&interval_ms=30"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-length"), "5");
  EXPECT_EQ(r->body, pattern(0, 5));
  // Keep-alive after the drip.
  c.send_all(get("/ok"));
  auto next = c.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "ok");
}

TEST(TestServer, DripIsPacedByItsTimer) {
  TestServer server;
  Client c(server.port());
  auto before = Clock::now();
  c.send_all(get("/drip?bytes=3&interval_ms=200"));
  auto r = c.read_response();
  auto after = Clock::now();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, pattern(0, 3));
  EXPECT_GE(after - before, 600ms);  // a lower bound only: one byte per interval, never early
}

TEST(TestServer, Bytes) {
  TestServer server;
  Client c(server.port());
  constexpr std::size_t kSize = 8 * 1024 * 1024;  // more than the socket buffers hold
  c.send_all(get("/bytes/" + std::to_string(kSize)));
  std::this_thread::sleep_for(100ms);  // let the server hit EAGAIN
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "application/octet-stream");
  ASSERT_EQ(r->body.size(), kSize);
  EXPECT_TRUE(r->body == pattern(0, kSize));
  c.send_all(get("/bytes/0"));
  auto empty = c.read_response();
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->body, "");
}

// ---------------------------------------------------------------------------
// Connection faults

TEST(TestServer, Reset) {
  TestServer server;
  Client c(server.port());
  c.send_all(get("/reset?t=rst"));
  EXPECT_EQ(c.read_until_close(), "");
  EXPECT_EQ(c.last_errno(), ECONNRESET);
  ASSERT_TRUE(server.wait_for_request("t=rst", kLimit));
  auto conns = server.connections();
  ASSERT_EQ(conns.size(), 1u);
  EXPECT_TRUE(conns[0].server_closed);
  EXPECT_FALSE(conns[0].client_closed);
}

TEST(TestServer, CloseWithoutAnswer) {
  TestServer server;
  Client c(server.port());
  c.send_all(get("/close"));
  EXPECT_EQ(c.read_until_close(), "");
  EXPECT_TRUE(c.eof());
  EXPECT_EQ(c.last_errno(), 0);
  auto conns = server.connections();
  ASSERT_EQ(conns.size(), 1u);
  EXPECT_TRUE(conns[0].server_closed);
}

TEST(TestServer, CloseAfterReadingTheBody) {
  TestServer server;
  Client c(server.port());
  c.send_all("POST /close HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234");
  EXPECT_TRUE(c.silent_for(200ms));  // still waiting for the rest of the body
  c.send_all("56789");
  EXPECT_EQ(c.read_until_close(), "");
  EXPECT_TRUE(c.eof());
  EXPECT_EQ(server.connections().at(0).body_bytes_received, 10u);
}

TEST(TestServer, SinkStallBlocksTheUploader) {
  TestServer server;
  Client c(server.port());
  constexpr std::size_t kBody = 16 * 1024 * 1024;
  c.send_all("POST /sink-stall?t=sink HTTP/1.1\r\nHost: x\r\nContent-Length: " +
             std::to_string(kBody) + "\r\n\r\n");
  ASSERT_TRUE(server.wait_for_request("t=sink", kLimit));
  ASSERT_EQ(::fcntl(c.fd(), F_SETFL, ::fcntl(c.fd(), F_GETFL) | O_NONBLOCK), 0);
  std::string chunk(64 * 1024, 'u');
  std::size_t sent = 0;
  bool blocked = false;
  auto deadline = Clock::now() + kLimit;
  while (sent < kBody && Clock::now() < deadline) {
    ssize_t n = ::send(c.fd(), chunk.data(), std::min(chunk.size(), kBody - sent), MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    ASSERT_TRUE(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) << std::strerror(errno);
    // Full send buffer. Blocked for good once it stays unwritable for a while.
    pollfd p{c.fd(), POLLOUT, 0};
    if (::poll(&p, 1, 500) == 0) {
      blocked = true;
      break;
    }
  }
  EXPECT_TRUE(blocked);
  EXPECT_LT(sent, kBody);
  EXPECT_TRUE(c.silent_for(100ms));  // and never answered
  auto conns = server.connections();
  ASSERT_EQ(conns.size(), 1u);
  EXPECT_LT(conns[0].body_bytes_received, kBody);
  // A plain close() would leave the FIN queued behind the unsent body; an
  // abortive close reaches the server.
  auto before_close = Clock::now();
  c.reset();
  auto closed = server.wait_for_client_close("t=sink", kLimit);
  ASSERT_TRUE(closed);
  EXPECT_GE(*closed, before_close);
}

// ---------------------------------------------------------------------------
// Keep-alive and connection bookkeeping

TEST(TestServer, KeepAliveTwoRequestsOnOneConnection) {
  TestServer server;
  Client c(server.port());
  c.send_all(get("/ok?t=ka1"));
  auto first = c.read_response();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->body, "ok");
  EXPECT_FALSE(first->header("connection"));
  c.send_all(get("/echo?t=ka2"));
  auto second = c.read_response();
  ASSERT_TRUE(second);
  EXPECT_EQ(nlohmann::json::parse(second->body)["target"], "/echo?t=ka2");

  EXPECT_EQ(server.accepted_count(), 1u);
  EXPECT_EQ(server.open_count(), 1u);
  auto conns = server.connections();
  ASSERT_EQ(conns.size(), 1u);
  EXPECT_EQ(conns[0].id, 1u);
  EXPECT_EQ(conns[0].targets, (std::vector<std::string>{"/ok?t=ka1", "/echo?t=ka2"}));
  ASSERT_EQ(conns[0].request_times.size(), 2u);
  EXPECT_LE(conns[0].accepted, conns[0].request_times[0]);
  EXPECT_LE(conns[0].request_times[0], conns[0].request_times[1]);
  EXPECT_FALSE(conns[0].client_closed);
  EXPECT_FALSE(conns[0].server_closed);

  auto first_seen = server.wait_for_request("t=ka1", kLimit);
  auto second_seen = server.wait_for_request("t=ka2", kLimit);
  ASSERT_TRUE(first_seen && second_seen);
  EXPECT_LE(*first_seen, *second_seen);
}

TEST(TestServer, PipelinedRequests) {
  TestServer server;
  Client c(server.port());
  c.send_all(get("/delay/50") + get("/echo?n=2") + get("/ok"));
  auto a = c.read_response();
  auto b = c.read_response();
  auto d = c.read_response();
  ASSERT_TRUE(a && b && d);
  EXPECT_EQ(a->body, "ok");
  EXPECT_EQ(nlohmann::json::parse(b->body)["target"], "/echo?n=2");
  EXPECT_EQ(d->body, "ok");
  EXPECT_EQ(server.connections().at(0).targets.size(), 3u);
}

TEST(TestServer, ConnectionCloseIsHonoured) {
  TestServer server;
  Client c(server.port());
  c.send_all(get("/ok", "Connection: close\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_EQ(c.read_until_close(), "");
  EXPECT_TRUE(c.eof());
  auto conns = server.connections();
  ASSERT_EQ(conns.size(), 1u);
  EXPECT_TRUE(conns[0].server_closed);
  EXPECT_FALSE(conns[0].client_closed);
}

TEST(TestServer, ClientCloseIsRecorded) {
  TestServer server;
  Client c(server.port());
  c.send_all(get("/ok?t=cc"));
  ASSERT_TRUE(c.read_response());
  EXPECT_EQ(server.client_closed_count(), 0u);
  auto before_close = Clock::now();
  c.close();
  auto closed = server.wait_for_client_close("t=cc", kLimit);
  ASSERT_TRUE(closed);
  EXPECT_GE(*closed, before_close);
  EXPECT_TRUE(server.wait_for_client_closes(1, kLimit));
  EXPECT_EQ(server.client_closed_count(), 1u);
  EXPECT_EQ(server.open_count(), 0u);
  EXPECT_FALSE(server.connections().at(0).server_closed);
}

TEST(TestServer, ClientCloseDuringDelayIsSeenBeforeTheTimer) {
  TestServer server;
  Client c(server.port());
  c.send_all(get("/delay/60000?t=abort"));
  auto requested = server.wait_for_request("t=abort", kLimit);
  ASSERT_TRUE(requested);
  auto before_close = Clock::now();
  c.close();
  auto closed = server.wait_for_client_close("t=abort", kLimit);
  ASSERT_TRUE(closed);
  EXPECT_GE(*closed, before_close);
  EXPECT_LT(*closed, *requested + 60s);
}

TEST(TestServer, ClientAbortDuringDownloadIsRecorded) {
  TestServer server;
  Client c(server.port());
  c.send_all(get("/bytes/1000000000?t=dl"));
  ASSERT_TRUE(c.fill(Clock::now() + kLimit));  // some of it arrived
  auto before_close = Clock::now();
  c.close();  // with unread data: RST
  auto closed = server.wait_for_client_close("t=dl", kLimit);
  ASSERT_TRUE(closed);
  EXPECT_GE(*closed, before_close);
}

TEST(TestServer, WaitsTimeOut) {
  TestServer server;
  EXPECT_FALSE(server.wait_for_request("never-sent", 50ms));
  EXPECT_FALSE(server.wait_for_client_close("never-sent", 50ms));
  EXPECT_FALSE(server.wait_for_client_closes(1, 50ms));
  Client c(server.port());
  c.send_all(get("/ok?t=open"));
  ASSERT_TRUE(c.read_response());
  EXPECT_TRUE(server.wait_for_request("t=open", kLimit));
  EXPECT_FALSE(server.wait_for_client_close("t=open", 50ms));  // still open
}

TEST(TestServer, DestructorClosesEverySocket) {
  auto server = std::make_unique<TestServer>();
  Client idle(server->port());
  Client waiting(server->port());
  waiting.send_all(get("/headers-never?t=d"));
  ASSERT_TRUE(server->wait_for_request("t=d", kLimit));
  server.reset();
  EXPECT_EQ(waiting.read_until_close(), "");
  EXPECT_TRUE(waiting.eof());
  EXPECT_EQ(idle.read_until_close(), "");
  EXPECT_TRUE(idle.eof());
}

TEST(TestServer, ManyConcurrentConnections) {
  TestServer server;
  constexpr std::size_t kConns = 2000;
  std::vector<int> fds;
  fds.reserve(kConns);
  struct Closer {
    std::vector<int>& fds;
    ~Closer() {
      for (int fd : fds) ::close(fd);
    }
  } closer{fds};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(server.port());
  for (std::size_t i = 0; i < kConns; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    fds.push_back(fd);
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ASSERT_TRUE(rc == 0 || errno == EINPROGRESS) << std::strerror(errno);
  }
  auto deadline = Clock::now() + 60s;
  while (server.accepted_count() < kConns && Clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(server.accepted_count(), kConns);
  EXPECT_EQ(server.open_count(), kConns);

  // Every one of them is served.
  const std::string request = get("/ok?t=many");
  for (int fd : fds) {
    ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size()));
  }
  std::vector<std::string> got(kConns);
  std::size_t done = 0;
  std::vector<pollfd> pfds(kConns);
  while (done < kConns && Clock::now() < deadline) {
    for (std::size_t i = 0; i < kConns; ++i) {
      bool complete = got[i].size() >= 2 && got[i].compare(got[i].size() - 2, 2, "ok") == 0;
      pfds[i] = pollfd{complete ? -1 : fds[i], POLLIN, 0};
    }
    int r = ::poll(pfds.data(), pfds.size(), 1000);
    ASSERT_GE(r, 0);
    for (std::size_t i = 0; i < kConns; ++i) {
      if (!(pfds[i].revents & POLLIN)) continue;
      char buf[512];
      ssize_t n = ::recv(fds[i], buf, sizeof buf, 0);
      ASSERT_GT(n, 0);
      got[i].append(buf, static_cast<std::size_t>(n));
      if (got[i].size() >= 2 && got[i].compare(got[i].size() - 2, 2, "ok") == 0) ++done;
    }
  }
  ASSERT_EQ(done, kConns);
  for (auto& g : got) EXPECT_EQ(g.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);

  for (int fd : fds) ::close(fd);
  fds.clear();
  EXPECT_TRUE(server.wait_for_client_closes(kConns, 60s));
  EXPECT_EQ(server.open_count(), 0u);
  auto conns = server.connections();
  ASSERT_EQ(conns.size(), kConns);
  for (std::size_t i = 0; i < conns.size(); ++i) {
    EXPECT_EQ(conns[i].id, i + 1);
    EXPECT_TRUE(conns[i].client_closed);
  }
}

}  // namespace
