// Security defaults against real servers (docs/security.md lists each
// guarantee with the test that holds it).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

#include "abort/signal_state.hpp"
#include "support/external_servers.hpp"
#include "support/outcomes.hpp"
#include "support/test_server.hpp"
#include "tether/client.hpp"

using namespace std::chrono_literals;
using tether::Client;
using tether::ErrorCode;
using tether::RequestConfig;
using tether::ResponseType;
using tether::TransportError;
using tether::test::fails;
using tether::test::ok;
using tether::test::TestServer;

namespace {

// A port where nothing listens (bound, never listening: connections are refused).
struct ClosedPort {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  std::uint16_t port = 0;
  ClosedPort() {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port = ntohs(addr.sin_port);
    }
  }
  ~ClosedPort() { ::close(fd); }
  std::string where() const { return "127.0.0.1:" + std::to_string(port); }
};

// This process's peak resident set size (VmHWM), in bytes.
std::uint64_t peak_rss() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

void expect_no_secret(const tether::Error& e, const std::string& secret) {
  EXPECT_EQ(std::string(e.what()).find(secret), std::string::npos) << e.what();
  const std::string json = e.to_json().dump();
  EXPECT_EQ(json.find(secret), std::string::npos) << json;
}

struct Security : ::testing::Test {
  TestServer server;
  Client client;
};

TEST_F(Security, TlsIsVerifiedByDefault) {
  TETHER_REQUIRE_PEER(tether::test::NginxServer::available(), "nginx");
  tether::test::NginxServer nginx;
  auto e = fails(client.get(nginx.https_url("/hello.txt")));
  EXPECT_EQ(e.code(), ErrorCode::Network);
  EXPECT_EQ(e.transport(), TransportError::TlsVerify) << e.what();
  RequestConfig trusted{.url = nginx.https_url("/hello.txt")};
  trusted.tls.ca_file = nginx.ca_file();
  EXPECT_EQ(ok(client.request(trusted)).data.text(), "hello from nginx\n");
  // Only an explicit opt-out turns verification off.
  RequestConfig unverified{.url = nginx.https_url("/hello.txt")};
  unverified.tls.verify = false;
  EXPECT_EQ(ok(client.request(unverified)).status, 200);
}

TEST_F(Security, ControlCharactersAreRefusedAndNothingIsSent) {
  const std::string nul("\0", 1);
  for (const std::string& url : {server.url("/ok\r\nX-Injected: 1"), server.url("/ok\nx"),
                                 server.url("/ok" + nul + "x"), server.url("/ok?q=a\rb")}) {
    EXPECT_EQ(fails(client.get(url)).code(), ErrorCode::BadOptionValue);
  }
  for (const std::string& method :
       {std::string("GET\r\nX: 1"), "GET" + nul, std::string("G\nET")}) {
    EXPECT_EQ(fails(client.request({.method = method, .url = server.url("/ok")})).code(),
              ErrorCode::BadOptionValue)
        << method;
  }
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"X-A\r\nB", "v"},
                                                        {"X-A" + nul, "v"},
                                                        {"X-A", "a\rb"},
                                                        {"X-A", "a\nb"},
                                                        {"X-A", "a" + nul + "b"}}) {
    RequestConfig config{.url = server.url("/ok")};
    config.headers.set(name, value);
    EXPECT_EQ(fails(client.request(config)).code(), ErrorCode::BadOptionValue) << name;
  }
  EXPECT_EQ(server.accepted_count(), 0u);
}

TEST_F(Security, OnlyHttpAndHttpsAtTheRequestAndAtEveryRedirect) {
  TestServer target;  // what a refused scheme would have reached
  const std::string where = "127.0.0.1:" + std::to_string(target.port());
  for (const std::string scheme :
       {"file", "gopher", "ftp", "dict", "ldap", "telnet", "smtp", "tftp", "scp", "ws", "mqtt"}) {
    auto direct = fails(client.get(scheme + "://" + where + "/x"));
    EXPECT_EQ(direct.code(), ErrorCode::InvalidUrl) << scheme << ": " << direct.what();
    auto redirected = fails(client.get(server.url("/redirect-to?url=" + scheme + "://" + where)));
    EXPECT_EQ(redirected.code(), ErrorCode::InvalidUrl) << scheme << ": " << redirected.what();
  }
  EXPECT_EQ(target.accepted_count(), 0u);
  // HTTPS and HTTP in any case are fine.
  EXPECT_EQ(ok(client.get("HTTP://" + where + "/ok")).data.text(), "ok");
}

TEST_F(Security, CredentialsAreDroppedWhenARedirectLeavesTheirOrigin) {
  const std::string port = std::to_string(server.port());
  RequestConfig secret{.headers = {{"Authorization", "Bearer s3cret"},
                                   {"Cookie", "sid=1"},
                                   {"Proxy-Authorization", "Basic eA=="}}};
  auto echoed = [&](const std::string& location) {
    secret.url = server.url("/redirect-to?url=" + location);
    return ok(client.request(secret)).data.json()["headers"];
  };
  // Another host name for the same address is another origin.
  auto other = echoed("http://localhost:" + port + "/echo");
  EXPECT_FALSE(other.contains("authorization"));
  EXPECT_FALSE(other.contains("cookie"));
  EXPECT_FALSE(other.contains("proxy-authorization"));
  // The same origin spelled another way is the same origin.
  auto same = echoed("http://127.1:" + port + "/echo");
  EXPECT_EQ(same["authorization"], "Bearer s3cret");
  EXPECT_EQ(same["cookie"], "sid=1");
  // `auth` (basic) follows the same rule.
  RequestConfig basic{.url = server.url("/redirect-to?url=http://localhost:" + port + "/echo")};
  basic.auth = tether::Auth{"alice", "s3cret"};
  EXPECT_FALSE(ok(client.request(basic)).data.json()["headers"].contains("authorization"));
  basic.url = server.url("/redirect-to?url=/echo");
  EXPECT_TRUE(ok(client.request(basic)).data.json()["headers"].contains("authorization"));
}

TEST_F(Security, BaseUrlRefusesEverySpellingOfAnotherHost) {
  TestServer other;
  const std::string host = "127.0.0.1:" + std::to_string(other.port());
  Client api(RequestConfig{.base_url = server.url("/api")});
  for (const std::string& url :
       {"//" + host + "/x", "\\\\" + host + "/x", "/\\" + host + "/x", "\\/" + host + "/x",
        "http:" + host + "/x", "http:/" + host + "/x", "HTTP://" + host + "/x", " //" + host + "/x",
        "/\t/" + host + "/x", "http://" + host + "/x"}) {
    auto e = fails(api.get(url));
    EXPECT_EQ(e.code(), ErrorCode::InvalidUrl) << url << ": " << e.what();
  }
  EXPECT_EQ(other.accepted_count(), 0u);
  EXPECT_EQ(server.accepted_count(), 0u);
  auto allowed = ok(api.get("http://" + host + "/ok", {.allow_absolute_urls = true}));
  EXPECT_EQ(allowed.data.text(), "ok");
}

TEST_F(Security, DefaultBodyCapStopsAGzipBombWhileStreaming) {
  // ~1 MiB on the wire, 1 GiB decoded: stopped at the default 64 MiB of
  // decoded bytes, long before the body is in.
  const std::uint64_t peak_before = peak_rss();
  auto e = fails(client.get(server.url("/gzip-bomb?mib=1024")));
  EXPECT_EQ(e.code(), ErrorCode::BadResponse);
  EXPECT_EQ(e.transport(), TransportError::TooLarge) << e.what();
  EXPECT_STREQ(e.what(), ("maxContentLength size of " +
                          std::to_string(tether::kDefaultMaxContentLength) + " exceeded")
                             .c_str());
  // Held at most the cap (plus curl's buffers), never the gigabyte. A
  // sanitizer's shadow memory multiplies what each byte costs.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  constexpr std::uint64_t kBound = 900ull << 20;
#else
  constexpr std::uint64_t kBound = 320ull << 20;
#endif
  EXPECT_LT(peak_rss(), peak_before + kBound)
      << "peak RSS grew by " << (peak_rss() - peak_before) / (1 << 20) << " MiB";
}

TEST_F(Security, BodyCapCountsDecodedBytes) {
  // 4 MiB decoded from ~4 KiB on the wire: the wire size would pass a 1 MiB cap.
  auto e = fails(client.get(server.url("/gzip-bomb?mib=4"), {.max_content_length = 1 << 20}));
  EXPECT_EQ(e.transport(), TransportError::TooLarge) << e.what();
  // Streamed: the cap holds for what on_data is given, too.
  std::uint64_t streamed = 0;
  RequestConfig stream{.url = server.url("/gzip-bomb?mib=4")};
  stream.response_type = ResponseType::Stream;
  stream.max_content_length = 1 << 20;
  stream.on_data = [&](std::string_view chunk) { streamed += chunk.size(); };
  EXPECT_EQ(fails(client.request(stream)).transport(), TransportError::TooLarge);
  EXPECT_LE(streamed, 1u << 20);
  // -1 lifts the cap.
  auto whole = ok(client.get(server.url("/gzip-bomb?mib=65"), {.max_content_length = -1}));
  EXPECT_EQ(whole.data.to_string().size(), 65u << 20);
}

TEST_F(Security, AStreamedBodyHasNoDefaultCap) {
  // Nothing is buffered, so nothing to cap: 80 MiB (over the default) stream through.
  std::uint64_t streamed = 0;
  RequestConfig stream{.url = server.url("/gzip-bomb?mib=80")};
  stream.response_type = ResponseType::Stream;
  stream.on_data = [&](std::string_view chunk) { streamed += chunk.size(); };
  ok(client.request(stream));
  EXPECT_EQ(streamed, 80u << 20);
}

TEST_F(Security, RedirectsAreCapped) {
  auto e = fails(client.get(server.url("/redirect/30")));
  EXPECT_EQ(e.code(), ErrorCode::TooManyRedirects);
  auto capped = fails(client.get(server.url("/redirect/5"), {.max_redirects = 3}));
  EXPECT_EQ(capped.code(), ErrorCode::TooManyRedirects);
}

TEST_F(Security, NoSecretsInErrorsOrTheirJson) {
  ClosedPort closed;
  // URL userinfo, on a transport failure.
  auto refused = fails(client.get("http://alice:s3cret-url@" + closed.where() + "/x"));
  EXPECT_EQ(refused.transport(), TransportError::Refused) << refused.what();
  expect_no_secret(refused, "s3cret-url");
  expect_no_secret(refused, "alice");
  // Proxy credentials, in the config and in the proxy's URL.
  RequestConfig proxied{.url = server.url("/ok")};
  proxied.proxy = tether::Proxy{"http://" + closed.where(), tether::Auth{"carol", "s3cret-px"}};
  expect_no_secret(fails(client.request(proxied)), "s3cret-px");
  proxied.proxy = tether::Proxy{"http://carol:s3cret-px2@" + closed.where(), std::nullopt};
  expect_no_secret(fails(client.request(proxied)), "s3cret-px2");
  // Credential headers, cookies and Set-Cookie on an error response.
  RequestConfig rejected{.url = server.url("/set-cookie"),
                         .headers = {{"Authorization", "Bearer s3cret-auth"},
                                     {"Cookie", "sid=s3cret-cookie"},
                                     {"Proxy-Authorization", "Basic s3cret-pa"}}};
  rejected.validate_status = [](int) { return false; };
  rejected.auth = tether::Auth{"bob", "s3cret-basic"};
  auto e = fails(client.request(rejected));
  for (const char* secret : {"s3cret", "a=1", "b=2"}) expect_no_secret(e, secret);
  // A redirect to a refused scheme names its URL without the userinfo.
  auto redirect = fails(client.get(server.url("/redirect-to?url=ftp://u:s3cret-ftp@h/f")));
  expect_no_secret(redirect, "s3cret-ftp");
  // A bad URL's message, too.
  expect_no_secret(fails(client.get("http://u:s3cret-bad@127.0.0.1:99999/")), "s3cret-bad");
}

TEST_F(Security, PolicyHoldsAfterInterceptors) {
  TestServer other;
  Client api(RequestConfig{.base_url = server.url("/api")});
  std::string step;
  api.interceptors().request.use([&](RequestConfig c) {
    if (step == "absolute") c.url = other.url("/echo");
    if (step == "file") c.url = "file:///etc/passwd";
    if (step == "header") c.headers.set("X-Evil", "a\r\nInjected: 1");
    if (step == "method") c.method = "GET /x HTTP/1.1\r\n";
    if (step == "cap") {
      c.url = "/../gzip-bomb?mib=1024";
      c.max_content_length.reset();  // the default cap still applies
    }
    return c;
  });
  for (std::string s : {"absolute", "file"}) {
    step = s;
    EXPECT_EQ(fails(api.get("/ok")).code(), ErrorCode::InvalidUrl) << s;
  }
  for (std::string s : {"header", "method"}) {
    step = s;
    EXPECT_EQ(fails(api.get("/ok")).code(), ErrorCode::BadOptionValue) << s;
  }
  EXPECT_EQ(other.accepted_count(), 0u);
  EXPECT_EQ(server.accepted_count(), 0u);
  step = "cap";
  EXPECT_EQ(fails(api.get("/ok")).transport(), TransportError::TooLarge);
}

TEST_F(Security, ALongLivedSignalHoldsNothingOnceRequestsSettle) {
  tether::AbortController shutdown;
  Client with_interceptor;
  with_interceptor.interceptors().request.use([](RequestConfig c) { return c; });
  for (int i = 0; i < 500; ++i) {
    RequestConfig config{.url = server.url("/ok"), .signal = shutdown.signal()};
    ok(client.request(config));
    ok(with_interceptor.request(config));
    EXPECT_LE(tether::detail::listener_count(shutdown.signal()), 2u);
  }
  // A settled request lets go of its registration as it finishes (bounded wait).
  for (int i = 0; i < 10'000 && tether::detail::listener_count(shutdown.signal()) > 0; ++i) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(tether::detail::listener_count(shutdown.signal()), 0u);
}

}  // namespace
