// Self-test of the external-server fixtures (tests/support/external_servers.*), driven
// with libcurl's easy interface directly so it does not depend on Tether itself.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "support/external_servers.hpp"

namespace tether::test {
namespace {

#define SKIP_UNLESS_HTTPBIN() \
  TETHER_REQUIRE_PEER(HttpbinServer::available(), "gunicorn + python3-httpbin")

#define SKIP_UNLESS_NGINX() \
  TETHER_REQUIRE_PEER(NginxServer::available(), "nginx (ssl + http_v2) / openssl")

struct Fetched {
  CURLcode code = CURLE_OK;
  long status = 0;
  long http_version = 0;
  std::string body;
  std::string headers;
  std::string error;
};

struct FetchOptions {
  long http_version = CURL_HTTP_VERSION_NONE;
  std::string ca_file;
  std::string accept_encoding;  // "" = do not ask for compression
  bool raw = false;             // leave content-encoded bodies as they came

  FetchOptions& version(long v) {
    http_version = v;
    return *this;
  }
  FetchOptions& ca(std::string path) {
    ca_file = std::move(path);
    return *this;
  }
  FetchOptions& encoding(std::string e, bool undecoded = false) {
    accept_encoding = std::move(e);
    raw = undecoded;
    return *this;
  }
};

std::size_t append(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

Fetched fetch(const std::string& url, const FetchOptions& opt = {}) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw std::runtime_error("curl_easy_init failed");
  Fetched r;
  char error[CURL_ERROR_SIZE] = {};
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, append);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, opt.http_version);
  if (!opt.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, opt.ca_file.c_str());
  // raw: send the header ourselves so curl does not decode the body.
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(nullptr, curl_slist_free_all);
  if (!opt.accept_encoding.empty() && opt.raw) {
    const std::string header = "Accept-Encoding: " + opt.accept_encoding;
    headers.reset(curl_slist_append(nullptr, header.c_str()));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  } else if (!opt.accept_encoding.empty()) {
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, opt.accept_encoding.c_str());
  }
  r.code = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
  curl_easy_getinfo(h, CURLINFO_HTTP_VERSION, &r.http_version);
  r.error = error;
  return r;
}

bool accepts_connections(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

template <typename Server>
std::unique_ptr<Server> start_timed(const char* name) {
  const auto t0 = std::chrono::steady_clock::now();
  auto server = std::make_unique<Server>();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  std::printf("[   INFO   ] %s started in %lld ms\n", name, static_cast<long long>(ms));
  ::testing::Test::RecordProperty(std::string(name) + "_startup_ms", std::to_string(ms));
  return server;
}

// ---- httpbin ----------------------------------------------------------------------

TEST(Httpbin, GetReturnsJson) {
  SKIP_UNLESS_HTTPBIN();
  auto server = start_timed<HttpbinServer>("HttpbinServer");
  EXPECT_EQ(server->url("/get"), "http://127.0.0.1:" + std::to_string(server->port()) + "/get");
  const auto r = fetch(server->url("/get?x=1"));
  ASSERT_EQ(r.code, CURLE_OK) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(lower(r.headers).find("content-type: application/json"), std::string::npos)
      << r.headers;
  ASSERT_FALSE(r.body.empty());
  EXPECT_EQ(r.body.front(), '{') << r.body;
  EXPECT_NE(r.body.find("\"url\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"x\""), std::string::npos) << r.body;
}

TEST(Httpbin, StatusAndCompressionEndpoints) {
  SKIP_UNLESS_HTTPBIN();
  HttpbinServer server;
  EXPECT_EQ(fetch(server.url("/status/418")).status, 418);
  const auto gz = fetch(server.url("/gzip"), FetchOptions().encoding("gzip"));
  ASSERT_EQ(gz.code, CURLE_OK) << gz.error;
  EXPECT_NE(gz.body.find("\"gzipped\":true"), std::string::npos) << gz.body;
  const auto br = fetch(server.url("/brotli"), FetchOptions().encoding("br"));
  ASSERT_EQ(br.code, CURLE_OK) << br.error;
  EXPECT_NE(br.body.find("\"brotli\":true"), std::string::npos) << br.body;
}

TEST(Httpbin, StopsOnDestruction) {
  SKIP_UNLESS_HTTPBIN();
  std::optional<HttpbinServer> server(std::in_place);
  const auto port = server->port();
  ASSERT_TRUE(accepts_connections(port));
  server.reset();
  EXPECT_FALSE(accepts_connections(port));
}

TEST(Httpbin, CleansUpWhenDestroyedDuringAnException) {
  SKIP_UNLESS_HTTPBIN();
  std::uint16_t port = 0;
  try {
    HttpbinServer server;
    port = server.port();
    throw std::runtime_error("test failure");
  } catch (const std::runtime_error&) {
  }
  ASSERT_NE(port, 0);
  EXPECT_FALSE(accepts_connections(port));
}

// ---- nginx ------------------------------------------------------------------------

// One server for the suite; tests that need their own make it themselves.
class Nginx : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!NginxServer::available()) return;
    try {
      server_ = start_timed<NginxServer>("NginxServer");
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }
  static void TearDownTestSuite() { server_.reset(); }
  void SetUp() override {
    SKIP_UNLESS_NGINX();
    ASSERT_TRUE(server_) << "NginxServer did not start: " << start_error_;
  }

  static std::unique_ptr<NginxServer> server_;
  static std::string start_error_;
};
std::unique_ptr<NginxServer> Nginx::server_;
std::string Nginx::start_error_;

TEST_F(Nginx, PortsAreDistinctAndUrlsAsDocumented) {
  const auto& s = *server_;
  EXPECT_NE(s.https_port(), s.h2c_port());
  EXPECT_NE(s.https_port(), s.http_port());
  EXPECT_NE(s.h2c_port(), s.http_port());
  EXPECT_EQ(s.https_url("/x"), "https://localhost:" + std::to_string(s.https_port()) + "/x");
  EXPECT_EQ(s.h2c_url("/x"), "http://127.0.0.1:" + std::to_string(s.h2c_port()) + "/x");
  EXPECT_EQ(s.http_url("/x"), "http://127.0.0.1:" + std::to_string(s.http_port()) + "/x");
}

TEST_F(Nginx, HttpsFailsVerificationWithoutTheCa) {
  const auto r = fetch(server_->https_url("/hello.txt"));
  EXPECT_EQ(r.code, CURLE_PEER_FAILED_VERIFICATION)
      << curl_easy_strerror(r.code) << ": " << r.error;
}

TEST_F(Nginx, HttpsWithTheCaNegotiatesHttp2) {
  const auto r = fetch(server_->https_url("/hello.txt"), FetchOptions().ca(server_->ca_file()));
  ASSERT_EQ(r.code, CURLE_OK) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.http_version, CURL_HTTP_VERSION_2_0);
  EXPECT_EQ(r.body, "hello from nginx\n");

  const auto proto =
      fetch(server_->https_url("/echo-status"), FetchOptions().ca(server_->ca_file()));
  ASSERT_EQ(proto.code, CURLE_OK) << proto.error;
  EXPECT_EQ(proto.body, "HTTP/2.0\n");
}

TEST_F(Nginx, CertificateCoversTheLoopbackAddress) {
  const auto r = fetch("https://127.0.0.1:" + std::to_string(server_->https_port()) + "/hello.txt",
                       FetchOptions().ca(server_->ca_file()));
  ASSERT_EQ(r.code, CURLE_OK) << r.error;
  EXPECT_EQ(r.body, "hello from nginx\n");
}

TEST_F(Nginx, HttpsAlsoSpeaksHttp11) {
  const auto r = fetch(server_->https_url("/echo-status"),
                       FetchOptions().version(CURL_HTTP_VERSION_1_1).ca(server_->ca_file()));
  ASSERT_EQ(r.code, CURLE_OK) << r.error;
  EXPECT_EQ(r.http_version, CURL_HTTP_VERSION_1_1);
  EXPECT_EQ(r.body, "HTTP/1.1\n");
}

TEST_F(Nginx, H2cWithPriorKnowledge) {
  const auto r = fetch(server_->h2c_url("/echo-status"),
                       FetchOptions().version(CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE));
  ASSERT_EQ(r.code, CURLE_OK) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.http_version, CURL_HTTP_VERSION_2_0);
  EXPECT_EQ(r.body, "HTTP/2.0\n");
}

TEST_F(Nginx, PlainPortAnswersHttp11) {
  const auto r = fetch(server_->http_url("/echo-status"));
  ASSERT_EQ(r.code, CURLE_OK) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.http_version, CURL_HTTP_VERSION_1_1);
  EXPECT_EQ(r.body, "HTTP/1.1\n");
}

TEST_F(Nginx, BigFileOverHttp2) {
  const auto r = fetch(server_->https_url("/big.bin"), FetchOptions().ca(server_->ca_file()));
  ASSERT_EQ(r.code, CURLE_OK) << r.error;
  EXPECT_EQ(r.http_version, CURL_HTTP_VERSION_2_0);
  ASSERT_EQ(r.body.size(), 4u * 1024 * 1024);
  std::ifstream in(server_->big_file_path(), std::ios::binary);
  const std::string expected((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  EXPECT_TRUE(r.body == expected);
}

TEST_F(Nginx, GzipsTextWhenAsked) {
  const auto raw = fetch(server_->http_url("/hello.txt"), FetchOptions().encoding("gzip", true));
  ASSERT_EQ(raw.code, CURLE_OK) << raw.error;
  EXPECT_NE(lower(raw.headers).find("content-encoding: gzip"), std::string::npos) << raw.headers;
  EXPECT_NE(raw.body, "hello from nginx\n");

  const auto decoded = fetch(server_->http_url("/hello.txt"), FetchOptions().encoding("gzip"));
  ASSERT_EQ(decoded.code, CURLE_OK) << decoded.error;
  EXPECT_EQ(decoded.body, "hello from nginx\n");

  const auto plain = fetch(server_->http_url("/hello.txt"));
  EXPECT_EQ(lower(plain.headers).find("content-encoding"), std::string::npos) << plain.headers;
  EXPECT_EQ(plain.body, "hello from nginx\n");
}

// Its own servers, not the suite's.
TEST_F(Nginx, StopsOnDestructionAndRunsSideBySide) {
  std::optional<NginxServer> a(std::in_place);
  std::uint16_t ports[3] = {a->https_port(), a->h2c_port(), a->http_port()};
  {
    NginxServer b;
    EXPECT_NE(b.http_port(), a->http_port());
    EXPECT_EQ(fetch(b.http_url("/hello.txt")).body, "hello from nginx\n");
  }
  EXPECT_EQ(fetch(a->http_url("/hello.txt")).body, "hello from nginx\n");
  const std::string ca = a->ca_file();
  a.reset();
  for (auto port : ports) EXPECT_FALSE(accepts_connections(port)) << port;
  EXPECT_FALSE(std::ifstream(ca).good()) << "temp dir not removed: " << ca;
}

}  // namespace
}  // namespace tether::test
