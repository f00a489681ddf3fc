// The engine's own guarantees, end to end against the test server and nginx:
// transport failures classified, ambiguous framing refused, a non-idempotent
// request sent at most once, timeouts that reach the socket, HTTP/2 sharing,
// the default User-Agent.
#include <dlfcn.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/external_servers.hpp"
#include "support/outcomes.hpp"
#include "support/test_server.hpp"
#include "tether/client.hpp"
#include "tether/limits.hpp"

using namespace std::chrono_literals;
using tether::Client;
using tether::ErrorCode;
using tether::RequestConfig;
using tether::RequestPhase;
using tether::Response;
using tether::TransportError;
using tether::test::TestServer;

// A slow name resolution without any lookup leaving the process: this
// definition of getaddrinfo interposes on libc's for the whole test binary
// (libcurl's resolver thread included). Every name but kSlowName goes to libc;
// kSlowName blocks until released and then fails, never reaching libc.
namespace slow_dns {
constexpr std::string_view kSlowName = "slow-dns.tether.test";
std::mutex mu;
std::condition_variable cv;
bool entered = false;
bool released = false;
}  // namespace slow_dns

extern "C" int getaddrinfo(const char* node, const char* service, const addrinfo* hints,
                           addrinfo** res) {
  if (node && node == slow_dns::kSlowName) {
    std::unique_lock lock(slow_dns::mu);
    slow_dns::entered = true;
    slow_dns::cv.notify_all();
    slow_dns::cv.wait(lock, [] { return slow_dns::released; });
    return EAI_NONAME;
  }
  using Fn = int (*)(const char*, const char*, const addrinfo*, addrinfo**);
  static const auto real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "getaddrinfo"));
  return real(node, service, hints, res);
}

using tether::test::fails;
using tether::test::ok;

namespace {

constexpr auto kGenerous = 10s;

struct Engine : ::testing::Test {
  TestServer server;
  Client client;

  // How many requests whose target contains `tag` the server received.
  std::size_t received(std::string_view tag) const {
    std::size_t n = 0;
    for (const auto& c : server.connections()) {
      for (const auto& target : c.targets) n += target.find(tag) != std::string::npos;
    }
    return n;
  }
};

// A port on 127.0.0.1 where nothing listens.
std::uint16_t closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);  // bound, never listened: a connect is refused
  return ntohs(addr.sin_port);
}

}  // namespace

// --- transport failures: the axios code stays, the detail says what happened ---

TEST_F(Engine, RefusedConnection) {
  auto e = fails(client.get("http://127.0.0.1:" + std::to_string(closed_port()) + "/"));
  EXPECT_EQ(e.code(), ErrorCode::Network);
  EXPECT_EQ(e.transport(), TransportError::Refused) << e.what();
  EXPECT_EQ(e.phase(), RequestPhase::Connect);
  EXPECT_FALSE(e.maybe_delivered());
  EXPECT_TRUE(e.is_transient());
  EXPECT_EQ(std::string(e.what()).rfind("connection refused", 0), 0u) << e.what();
}

TEST_F(Engine, ResetMidBody) {
  auto e = fails(client.get(server.url("/reset-mid-body")));
  EXPECT_EQ(e.code(), ErrorCode::Network);
  EXPECT_EQ(e.transport(), TransportError::Receive) << e.what();
  EXPECT_TRUE(e.maybe_delivered());
}

TEST_F(Engine, ClosedWithoutAnswer) {
  auto e = fails(client.get(server.url("/close")));
  EXPECT_EQ(e.code(), ErrorCode::Network);
  EXPECT_EQ(e.transport(), TransportError::Receive) << e.what();
}

TEST_F(Engine, BadStatusLineIsAProtocolError) {
  auto e = fails(client.get(server.url("/malformed")));
  EXPECT_EQ(e.code(), ErrorCode::Network);
  EXPECT_EQ(e.transport(), TransportError::Protocol) << e.what();
  EXPECT_FALSE(e.is_transient());
}

TEST_F(Engine, TlsSpokenToAPlainPortIsAHandshakeFailure) {
  // A plain-HTTP peer answers the ClientHello with a 400 and hangs up.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::thread peer([fd] {
    int c = ::accept(fd, nullptr, nullptr);
    if (c < 0) return;
    char buf[512];
    [[maybe_unused]] auto n = ::read(c, buf, sizeof buf);  // the ClientHello
    const char reply[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    [[maybe_unused]] auto w = ::write(c, reply, sizeof reply - 1);
    ::close(c);
  });
  auto e = fails(client.get("https://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/"));
  peer.join();
  ::close(fd);
  EXPECT_EQ(e.code(), ErrorCode::Network);
  EXPECT_EQ(e.transport(), TransportError::TlsHandshake) << e.what();
}

TEST_F(Engine, UntrustedCertificateIsAVerifyFailure) {
  TETHER_REQUIRE_PEER(tether::test::NginxServer::available(), "nginx");
  tether::test::NginxServer nginx;
  auto e = fails(client.get(nginx.https_url("/hello.txt")));  // its CA not given
  EXPECT_EQ(e.code(), ErrorCode::Network);
  EXPECT_EQ(e.transport(), TransportError::TlsVerify) << e.what();
  EXPECT_FALSE(e.is_transient()) << "a certificate failure repeats: not worth a retry";
}

TEST_F(Engine, TimeoutsAndLimitsHaveTheirDetail) {
  RequestConfig slow{.url = server.url("/headers-never")};
  slow.timeout = 200ms;
  auto e = fails(client.request(slow));
  EXPECT_EQ(e.code(), ErrorCode::Timeout);
  EXPECT_EQ(e.transport(), TransportError::Timeout);
  EXPECT_TRUE(e.is_timeout());

  RequestConfig big{.url = server.url("/bytes/100000")};
  big.max_content_length = 1000;
  e = fails(client.request(big));
  EXPECT_EQ(e.code(), ErrorCode::BadResponse);
  EXPECT_EQ(e.transport(), TransportError::TooLarge);
}

// --- framing (RFC 9112 §6.3) and header size ---

TEST_F(Engine, AmbiguousContentLengthIsRefused) {
  for (auto kind : {"two-lengths", "bad-length", "length-list"}) {
    auto e = fails(client.get(server.url(std::string("/framing/") + kind)));
    EXPECT_EQ(e.code(), ErrorCode::BadResponse) << kind;
    EXPECT_EQ(e.transport(), TransportError::Protocol) << kind;
    EXPECT_NE(std::string(e.what()).find("Content-Length"), std::string::npos) << e.what();
  }
}

TEST_F(Engine, RepeatedEqualContentLengthIsAccepted) {
  auto r = ok(client.get(server.url("/framing/same-lengths")));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.data.to_string(), "hello");
}

TEST_F(Engine, HugeHeaderSaysHeadersTooLarge) {
  auto e = fails(client.get(server.url("/big-header?bytes=1048576")));
  EXPECT_EQ(e.code(), ErrorCode::BadResponse);
  EXPECT_EQ(e.transport(), TransportError::TooLarge);
  EXPECT_NE(std::string(e.what()).find("headers too large"), std::string::npos) << e.what();
}

// --- a non-idempotent request is sent at most once ---

TEST_F(Engine, PostOnAConnectionThatDiesIsNotSentTwice) {
  ok(client.post(server.url("/close-second?t=warm"), std::string("first")));
  // Same connection, kept alive: the server reads this one in full, then closes.
  auto e = fails(client.post(server.url("/close-second?t=post-once"), std::string("second")));
  EXPECT_EQ(e.code(), ErrorCode::Network);
  EXPECT_TRUE(e.maybe_delivered());
  EXPECT_EQ(e.transport(), TransportError::Receive) << e.what();
  EXPECT_EQ(received("t=post-once"), 1u);
}

TEST_F(Engine, BodylessPostIsNotSentTwice) {
  ok(client.post(server.url("/close-second?t=warm")));
  auto e = fails(client.post(server.url("/close-second?t=bodyless-once")));
  EXPECT_TRUE(e.maybe_delivered());
  EXPECT_EQ(received("t=bodyless-once"), 1u);
}

TEST_F(Engine, IdempotentRequestsMayStillBeRetried) {
  ok(client.get(server.url("/close-second?t=warm")));
  // curl retries a GET on a fresh connection, where it is the first request.
  ok(client.get(server.url("/close-second?t=get-again")));
  EXPECT_EQ(received("t=get-again"), 2u);
}

// --- a timeout reaches the socket as promptly as an abort ---

TEST_F(Engine, TotalTimeoutResetsAStalledUpload) {
  RequestConfig config{.method = "POST", .url = server.url("/sink-stall?t=total-timeout")};
  config.data = std::string(64 << 20, 'x');  // far more than the socket buffers hold
  config.timeout = 500ms;
  auto e = fails(client.request(std::move(config)));
  EXPECT_EQ(e.transport(), TransportError::Timeout);
  // A graceful close would queue behind the unread upload and never arrive.
  EXPECT_TRUE(server.wait_for_client_close("t=total-timeout", kGenerous))
      << "the server never saw the connection close";
}

TEST_F(Engine, IdleTimeoutResetsAStalledUpload) {
  RequestConfig config{.method = "POST", .url = server.url("/sink-stall?t=idle-timeout")};
  config.data = std::string(64 << 20, 'x');
  config.idle_timeout = 300ms;
  auto e = fails(client.request(std::move(config)));
  EXPECT_EQ(e.transport(), TransportError::Timeout);
  EXPECT_TRUE(server.wait_for_client_close("t=idle-timeout", kGenerous))
      << "the server never saw the connection close";
}

// --- an abort during DNS does not block the loop ---

TEST_F(Engine, AbortWhileResolvingDoesNotBlockTheLoop) {
  // Only where the interposer above is what the dynamic linker finds (else the
  // made-up name could reach a real resolver).
  using Fn = int (*)(const char*, const char*, const addrinfo*, addrinfo**);
  if (reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "getaddrinfo")) != &getaddrinfo) {
    GTEST_SKIP() << "getaddrinfo is not interposed in this build";
  }
  struct Release {  // whatever happens, the resolver thread ends
    ~Release() {
      std::lock_guard lock(slow_dns::mu);
      slow_dns::released = true;
      slow_dns::cv.notify_all();
    }
  } release;
  tether::AbortController controller;
  auto resolving = client.get("http://" + std::string(slow_dns::kSlowName) + ":1/",
                              {.signal = controller.signal()});
  {
    std::unique_lock lock(slow_dns::mu);
    ASSERT_TRUE(slow_dns::cv.wait_for(lock, kGenerous, [] { return slow_dns::entered; }));
  }
  controller.abort();
  auto e = fails(std::move(resolving));
  EXPECT_TRUE(e.is_cancel());
  EXPECT_EQ(e.phase(), RequestPhase::Connect);
  // The lookup is still blocked; the loop must not be waiting for it.
  auto next = client.get(server.url("/ok"));
  ASSERT_TRUE(next.wait_for(kGenerous)) << "the loop is stuck behind the resolver thread";
  EXPECT_TRUE(next.result());
}

// --- User-Agent ---

TEST_F(Engine, SendsItsUserAgentUnlessTheUserSetsOne) {
  auto r = ok(client.get(server.url("/echo")));
  auto agent = r.data.json()["headers"].value("user-agent", "");
  EXPECT_EQ(agent.rfind("tether/", 0), 0u) << agent;
  EXPECT_GT(agent.size(), 7u) << "no version";

  RequestConfig mine{.url = server.url("/echo")};
  mine.headers.set("user-agent", "mine/1.0");  // any case
  r = ok(client.request(mine));
  EXPECT_EQ(r.data.json()["headers"].value("user-agent", ""), "mine/1.0");
}

TEST_F(Engine, UserAgentGoesWithABodyToo) {
  auto r = ok(client.post(server.url("/echo"), nlohmann::json{{"a", 1}}));
  EXPECT_EQ(r.data.json()["headers"].value("user-agent", "").rfind("tether/", 0), 0u);
  r = ok(client.post(server.url("/echo"), std::string("text")));
  EXPECT_EQ(r.data.json()["headers"].value("user-agent", "").rfind("tether/", 0), 0u);
}

TEST_F(Engine, ABodyIsSentOnAHandleLeftByAPlainGet) {
  // A plain GET leaves its easy handle configured for the next plain GET; a
  // GET that carries a body (or a form) must not be taken for one.
  ok(client.get(server.url("/echo")));
  auto r = ok(client.request({.url = server.url("/echo"), .data = std::string("hello")}));
  EXPECT_EQ(r.data.json()["body"], "hello");
  ok(client.get(server.url("/echo")));
  tether::Form form;
  form.append("field", "value");
  r = ok(client.request({.url = server.url("/echo"), .data = form}));
  EXPECT_NE(r.data.json()["body"].get<std::string>().find("value"), std::string::npos);
}

TEST_F(Engine, AnUnsetContentTypeSendsNone) {
  RequestConfig config{.method = "POST", .url = server.url("/echo"), .data = nlohmann::json{1}};
  config.headers.unset("Content-Type");
  auto r = ok(client.request(config));
  EXPECT_FALSE(r.data.json()["headers"].contains("content-type")) << r.data.json().dump();
  // A form keeps curl's multipart type: it carries the boundary.
  tether::Form form;
  form.append("field", "value");
  RequestConfig multipart{.method = "POST", .url = server.url("/echo"), .data = form};
  multipart.headers.unset("Content-Type");
  r = ok(client.request(multipart));
  EXPECT_EQ(r.data.json()["headers"].value("content-type", "").rfind("multipart/form-data", 0), 0u);
}

TEST_F(Engine, AnUnsetHeaderIsNotSentNotEvenCurlsOwn) {
  // Headers::unset removes the User-Agent Tether would add and the Accept
  // libcurl would add, on a client default or on the request.
  Client plain({.headers = {{"Accept", "application/json"}}});
  RequestConfig config{.url = server.url("/echo")};
  config.headers.unset("Accept");
  config.headers.unset("User-Agent");
  auto r = ok(plain.request(config));
  auto headers = r.data.json()["headers"];
  EXPECT_FALSE(headers.contains("accept")) << headers.dump();
  EXPECT_FALSE(headers.contains("user-agent")) << headers.dump();
  // The next plain GET on a reused handle still carries the default agent.
  r = ok(plain.get(server.url("/echo"), {.headers = {{"X-After", "1"}}}));
  EXPECT_EQ(r.data.json()["headers"].value("user-agent", "").rfind("tether/", 0), 0u);
}

// --- the open-file limit is the application's ---

TEST(Limits, ClientsLeaveTheOpenFileLimitAlone) {
  TestServer server;  // (the test server raises the limit for itself: before the check)
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit lowered = saved;
  lowered.rlim_cur = std::min<rlim_t>(saved.rlim_max, 512);  // below the hard limit
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  {
    Client client;
    EXPECT_TRUE(client.get(server.url("/ok")).result());
  }
  rlimit after{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &after), 0);
  EXPECT_EQ(after.rlim_cur, lowered.rlim_cur) << "a client raised the process's limit";
  setrlimit(RLIMIT_NOFILE, &saved);
}

TEST(Limits, RaiseOpenFileLimitIsExplicit) {
  rlimit before{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &before), 0);
  std::uint64_t now = tether::raise_open_file_limit();
  rlimit after{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &after), 0);
  EXPECT_EQ(now, after.rlim_cur);
  EXPECT_GE(after.rlim_cur, before.rlim_cur);
  EXPECT_EQ(after.rlim_cur, std::min<rlim_t>(before.rlim_max, rlim_t{1} << 20));
}

// --- HTTP/2: one connection per origin, a stream aborted alone ---

namespace {

struct Http2 : ::testing::Test {
  void SetUp() override {
    TETHER_REQUIRE_PEER(tether::test::NginxServer::available(), "nginx");
    nginx.emplace();
  }
  RequestConfig config(std::string path) {
    RequestConfig c{.url = nginx->https_url(path)};
    c.tls.ca_file = nginx->ca_file();
    return c;
  }
  // Waits until nginx has logged `n` requests whose target contains `tag`
  // (the fixture's own readiness probes have none).
  std::vector<tether::test::NginxServer::LoggedRequest> logged(std::size_t n,
                                                               std::string_view tag) {
    auto deadline = std::chrono::steady_clock::now() + kGenerous;
    for (;;) {
      std::vector<tether::test::NginxServer::LoggedRequest> ours;
      for (auto& r : nginx->requests()) {
        if (r.target.find(tag) != std::string::npos) ours.push_back(r);
      }
      if (ours.size() >= n || std::chrono::steady_clock::now() > deadline) return ours;
      std::this_thread::sleep_for(10ms);
    }
  }
  std::optional<tether::test::NginxServer> nginx;
  Client client;
};

}  // namespace

TEST_F(Http2, ColdBurstSharesOneConnection) {
  constexpr int kBurst = 8;
  std::vector<tether::Future<Response>> futures;
  for (int i = 0; i < kBurst; ++i)
    futures.push_back(client.request(config("/hello.txt?burst=" + std::to_string(i))));
  for (auto& f : futures) {
    auto r = f.result();
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_EQ(r.value().http_version, "2");
  }
  auto requests = logged(kBurst, "burst=");
  ASSERT_EQ(requests.size(), std::size_t{kBurst});
  for (const auto& r : requests) EXPECT_EQ(r.connection, requests[0].connection) << r.target;
}

TEST_F(Http2, AbortingOneStreamLeavesTheOthers) {
  tether::AbortController controller;
  std::promise<void> a_started, b_started;
  bool a_flag = false, b_flag = false;  // engine thread only
  auto a_config = config("/slow/big.bin?stream=a");
  a_config.signal = controller.signal();
  a_config.on_data = [&](std::string_view) {
    if (!std::exchange(a_flag, true)) a_started.set_value();
  };
  auto b_config = config("/slow/big.bin?stream=b");
  b_config.on_data = [&](std::string_view) {
    if (!std::exchange(b_flag, true)) b_started.set_value();
  };
  auto a = client.request(a_config);
  auto b = client.request(b_config);
  auto c = client.request(config("/hello.txt?stream=c"));
  ASSERT_EQ(a_started.get_future().wait_for(kGenerous), std::future_status::ready);
  ASSERT_EQ(b_started.get_future().wait_for(kGenerous), std::future_status::ready);
  controller.abort();
  auto ra = a.result();
  ASSERT_FALSE(ra);
  EXPECT_TRUE(ra.error().is_cancel());
  // The others finish on the connection the aborted stream shared.
  auto rb = b.result();
  ASSERT_TRUE(rb) << rb.error().what();
  EXPECT_EQ(rb.value().data.to_string().size(), 4u << 20);
  ASSERT_TRUE(c.result());
  auto d = client.request(config("/hello.txt?stream=d")).result();
  ASSERT_TRUE(d) << d.error().what();
  auto requests = logged(4, "stream=");
  ASSERT_EQ(requests.size(), 4u);
  for (const auto& r : requests) EXPECT_EQ(r.connection, requests[0].connection) << r.target;
}
