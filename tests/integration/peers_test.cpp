// Conformance against servers nobody here wrote: httpbin (under gunicorn) for
// HTTP semantics, nginx for TLS and HTTP/2.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>

#include "support/external_servers.hpp"
#include "tether/client.hpp"

using namespace std::chrono_literals;
using tether::Client;
using tether::ErrorCode;
using tether::RequestConfig;
using tether::Response;
using tether::test::HttpbinServer;
using tether::test::NginxServer;

namespace {

tether::Result<Response> run(tether::Future<Response> f) {
  return f.result();
}

class HttpbinConformance : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (HttpbinServer::available()) server_ = std::make_unique<HttpbinServer>();
  }
  static void TearDownTestSuite() { server_.reset(); }
  void SetUp() override { TETHER_REQUIRE_PEER(server_ != nullptr, "httpbin/gunicorn"); }
  std::string url(std::string_view path) { return server_->url(path); }
  Response ok(tether::Future<Response> f) {
    auto r = f.result();
    if (!r) ADD_FAILURE() << r.error().what();
    return r ? std::move(r).value() : Response{};
  }
  static inline std::unique_ptr<HttpbinServer> server_;
  Client client;
};

class NginxTransport : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (NginxServer::available()) server_ = std::make_unique<NginxServer>();
  }
  static void TearDownTestSuite() { server_.reset(); }
  void SetUp() override { TETHER_REQUIRE_PEER(server_ != nullptr, "nginx/openssl"); }
  static inline std::unique_ptr<NginxServer> server_;
  Client client;
};

}  // namespace

TEST_F(HttpbinConformance, Methods) {
  for (auto method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    auto r = ok(client.request({.method = method, .url = url("/anything")}));
    EXPECT_EQ(r.data.json()["method"], method);
  }
}

TEST_F(HttpbinConformance, EchoedHeadersArgsJsonForm) {
  auto g = ok(client.get(
      url("/get"), {.headers = {{"X-Test", "yes"}}, .params = {{"a", "1"}, {"b", "two words"}}}));
  EXPECT_EQ(g.data.json()["args"]["a"], "1");
  EXPECT_EQ(g.data.json()["args"]["b"], "two words");
  EXPECT_EQ(g.data.json()["headers"]["X-Test"], "yes");

  auto j = ok(client.post(url("/post"), nlohmann::json{{"name", "new name"}, {"n", 3}}));
  EXPECT_EQ(j.data.json()["json"], (nlohmann::json{{"name", "new name"}, {"n", 3}}));

  auto f = ok(client.post(url("/post"), tether::UrlEncoded{{"k", "v w"}}));
  EXPECT_EQ(f.data.json()["form"]["k"], "v w");
}

TEST_F(HttpbinConformance, MultipartFiles) {
  tether::Form form{{"field", "value"}};
  form.append_file("upload", "hello.txt", "hello file", "text/plain");
  auto r = ok(client.post(url("/post"), form));
  EXPECT_EQ(r.data.json()["form"]["field"], "value");
  EXPECT_EQ(r.data.json()["files"]["upload"], "hello file");
}

TEST_F(HttpbinConformance, StatusCodes) {
  auto teapot = run(client.get(url("/status/418")));
  ASSERT_FALSE(teapot);
  EXPECT_EQ(teapot.error().code(), ErrorCode::BadRequest);
  EXPECT_EQ(teapot.error().response()->status, 418);
  auto server_error = run(client.get(url("/status/503")));
  ASSERT_FALSE(server_error);
  EXPECT_EQ(server_error.error().code(), ErrorCode::BadResponse);
  EXPECT_EQ(ok(client.get(url("/status/204"))).status, 204);
}

TEST_F(HttpbinConformance, Redirects) {
  auto relative = ok(client.get(url("/redirect/3")));
  EXPECT_EQ(relative.redirects, 3);
  auto absolute = ok(client.get(url("/absolute-redirect/2")));
  EXPECT_EQ(absolute.redirects, 2);
  auto too_many = run(client.get(url("/redirect/5"), {.max_redirects = 4}));
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().code(), ErrorCode::TooManyRedirects);
  EXPECT_EQ(tether::to_string(too_many.error().code()), "ERR_FR_TOO_MANY_REDIRECTS");
}

TEST_F(HttpbinConformance, Decompression) {
  EXPECT_EQ(ok(client.get(url("/gzip"))).data.json()["gzipped"], true);
  EXPECT_EQ(ok(client.get(url("/deflate"))).data.json()["deflated"], true);
  EXPECT_EQ(ok(client.get(url("/brotli"))).data.json()["brotli"], true);
}

TEST_F(HttpbinConformance, StreamDripBytes) {
  auto stream = ok(client.get(url("/stream/5")));
  std::string lines = stream.data.to_string();
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 5);
  auto drip = ok(client.get(url("/drip?numbytes=5&duration=0.2&delay=0")));
  EXPECT_EQ(drip.data.to_string(), "*****");
  auto bytes = ok(client.get(url("/bytes/1024")));
  ASSERT_TRUE(bytes.data.is_bytes());
  EXPECT_EQ(bytes.data.bytes().size(), 1024u);
}

TEST_F(HttpbinConformance, DelayAndTimeout) {
  auto slow = run(client.get(url("/delay/3"), {.timeout = 300ms}));
  ASSERT_FALSE(slow);
  EXPECT_EQ(slow.error().code(), ErrorCode::Timeout);
  EXPECT_STREQ(slow.error().what(), "timeout of 300ms exceeded");
}

TEST_F(HttpbinConformance, BasicAuth) {
  RequestConfig good{.url = url("/basic-auth/user/passwd")};
  good.auth = tether::Auth{"user", "passwd"};
  EXPECT_EQ(ok(client.request(good)).data.json()["authenticated"], true);
  RequestConfig bad{.url = url("/basic-auth/user/passwd")};
  bad.auth = tether::Auth{"user", "wrong"};
  auto r = run(client.request(bad));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().response()->status, 401);
}

TEST_F(NginxTransport, TlsVerificationFailsByDefault) {
  auto r = run(client.get(server_->https_url("/hello.txt")));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::Network);
  EXPECT_EQ(r.error().phase(), tether::RequestPhase::Tls);
}

TEST_F(NginxTransport, TlsWithTheCaAndHttp2ByAlpn) {
  RequestConfig config{.url = server_->https_url("/hello.txt")};
  config.tls.ca_file = server_->ca_file();
  auto r = run(client.request(config));
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(r.value().data.text(), "hello from nginx\n");
  EXPECT_EQ(r.value().http_version, "2");
  EXPECT_EQ(r.value().status_text, "OK");  // HTTP/2 has no reason phrase: the standard one
}

TEST_F(NginxTransport, TlsVerificationOptOut) {
  RequestConfig config{.url = server_->https_url("/hello.txt")};
  config.tls.verify = false;
  EXPECT_TRUE(run(client.request(config)));
}

TEST_F(NginxTransport, H2cPriorKnowledge) {
  RequestConfig config{.url = server_->h2c_url("/echo-status")};
  config.http_version = tether::HttpVersion::Http2PriorKnowledge;
  auto r = run(client.request(config));
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(r.value().http_version, "2");
  EXPECT_EQ(r.value().data.to_string(), "HTTP/2.0\n");
}

TEST_F(NginxTransport, H2cPriorKnowledgeManyRequests) {
  // Concurrent and one after another: libcurl before 8.0 cannot reuse such a
  // connection, and the engine must not let it try.
  RequestConfig config{.url = server_->h2c_url("/echo-status")};
  config.http_version = tether::HttpVersion::Http2PriorKnowledge;
  for (int round = 0; round < 2; ++round) {
    std::vector<tether::Future<tether::Response>> burst;
    for (int i = 0; i < 8; ++i) burst.push_back(client.request(config));
    for (auto& f : burst) {
      auto r = run(std::move(f));
      ASSERT_TRUE(r) << r.error().what();
      EXPECT_EQ(r.value().http_version, "2");
    }
  }
  for (int i = 0; i < 3; ++i) {
    auto r = run(client.request(config));
    ASSERT_TRUE(r) << r.error().what();
  }
}

TEST_F(NginxTransport, LargeDownloadOverHttp2) {
  RequestConfig config{.url = server_->https_url("/big.bin")};
  config.tls.ca_file = server_->ca_file();
  auto r = run(client.request(config));
  ASSERT_TRUE(r) << r.error().what();
  std::ifstream file(server_->big_file_path(), std::ios::binary);
  std::string expected((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const auto& bytes = r.value().data.bytes();
  ASSERT_EQ(bytes.size(), expected.size());
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), expected.begin(),
                         [](std::byte b, char c) { return b == static_cast<std::byte>(c); }));
}

TEST_F(NginxTransport, AbortingOneHttp2StreamLeavesTheOthers) {
  RequestConfig base{.url = server_->https_url("/big.bin")};
  base.tls.ca_file = server_->ca_file();
  tether::AbortController controller;
  RequestConfig aborted = base;
  aborted.signal = controller.signal();
  std::atomic<bool> started{false};
  aborted.on_data = [&](std::string_view) { started = true; };
  auto victim = client.request(aborted);
  auto survivor = client.request(base);
  while (!started && !victim.ready()) std::this_thread::sleep_for(1ms);
  controller.abort();
  auto v = victim.result();
  auto s = survivor.result();
  // It may have finished first on a fast machine.
  if (!v) {
    EXPECT_TRUE(v.error().is_cancel());
  }
  ASSERT_TRUE(s) << s.error().what();
  EXPECT_EQ(s.value().data.bytes().size(), 4u << 20);
}
