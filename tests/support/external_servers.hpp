// Fixtures that start real third-party servers on 127.0.0.1 for integration tests:
// httpbin (Debian's python3-httpbin under gunicorn) and nginx (TLS + HTTP/2, h2c,
// HTTP/1.1). Each fixture picks ephemeral ports, starts the server in its own process
// group with its files in a fresh temp dir, waits until it answers, and on destruction
// stops the whole group and removes the dir.
//
// Install the servers with scripts/setup. Tests check available() first and
// GTEST_SKIP() naming scripts/setup when it is false.
//
// Child processes never outlive the test process: the server's leader gets SIGTERM
// when the *thread* that constructed the fixture exits (PR_SET_PDEATHSIG), so create
// fixtures on a thread that lives as long as the fixture (the test body, SetUp, or
// SetUpTestSuite are all fine).
//
// Not copyable or movable; hold one in std::optional / std::unique_ptr to share it.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tether::test {

// gunicorn serving httpbin:app (Debian's httpbin 0.7.0) on http://127.0.0.1:<port>,
// two sync workers: responses carry "Connection: close" (no keep-alive) and at most
// two requests are served at once.
class HttpbinServer {
 public:
  // Starts the server and waits (up to 30 s) until GET /get answers 200. Throws
  // std::runtime_error carrying the server's log if it does not come up.
  HttpbinServer();
  // SIGTERM to the process group, then SIGKILL after a grace period; removes temp files.
  ~HttpbinServer();
  HttpbinServer(const HttpbinServer&) = delete;
  HttpbinServer& operator=(const HttpbinServer&) = delete;

  std::uint16_t port() const;
  // "http://127.0.0.1:<port>" + path
  std::string url(std::string_view path = "/") const;

  // True if gunicorn is installed and its Python can import httpbin.
  static bool available();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// nginx with a CA and a server certificate (subjectAltName DNS:localhost and
// IP:127.0.0.1) made at start, serving from a temp dir:
//   /hello.txt    "hello from nginx\n" (text/plain)
//   /big.bin      4 MiB of pseudo-random bytes (application/octet-stream); the same
//                 bytes are on disk at big_file_path()
//   /echo-status  "$server_protocol\n", i.e. "HTTP/2.0\n" or "HTTP/1.1\n" (text/plain)
//   /slow/<file>  any of the above files, sent at 1 MB/s (so /slow/big.bin takes ~4 s)
// gzip is on for text/plain, text/html and application/json (any size), when asked.
class NginxServer {
 public:
  // Makes the certificates, starts nginx and waits (up to 30 s) until it answers.
  // Throws std::runtime_error carrying nginx's (or openssl's) log on failure.
  NginxServer();
  ~NginxServer();
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;

  std::uint16_t https_port() const;  // TLS; ALPN h2 and http/1.1
  std::uint16_t h2c_port() const;    // cleartext HTTP/2 with prior knowledge only
  std::uint16_t http_port() const;   // cleartext HTTP/1.1

  std::string https_url(std::string_view path = "/") const;  // "https://localhost:<port>" + path
  std::string h2c_url(std::string_view path = "/") const;    // "http://127.0.0.1:<port>" + path
  std::string http_url(std::string_view path = "/") const;   // "http://127.0.0.1:<port>" + path

  // PEM file of the CA that signed the server certificate; verification succeeds
  // only when the client is given it.
  std::string ca_file() const;
  // Local path of the file served as /big.bin.
  std::string big_file_path() const;

  // The requests nginx has finished (answered, or given up on: status 499), in
  // order, with the connection each came on (nginx's $connection serial).
  struct LoggedRequest {
    std::uint64_t connection = 0;
    int status = 0;
    std::string target;
  };
  std::vector<LoggedRequest> requests() const;

  // True if nginx (with the ssl and http_v2 modules) and the openssl CLI are installed.
  static bool available();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tether::test

// Skips a test whose peer is not installed, except in CI (CI set in the
// environment), where scripts/setup installs every peer: a skip there would hide
// a broken install step, so it fails instead.
#define TETHER_REQUIRE_PEER(available, what)                           \
  do {                                                                 \
    if (!(available)) {                                                \
      if (std::getenv("CI")) FAIL() << what << " not installed in CI"; \
      GTEST_SKIP() << what << " not installed: run scripts/setup";     \
    }                                                                  \
  } while (0)
