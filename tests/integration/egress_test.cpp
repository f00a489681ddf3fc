// The egress policy against real sockets: checked on the resolved address of
// every connection (redirect hops included), refused before any byte leaves.
//
// Loopback only. Internal ranges other than loopback are covered by the unit
// table (tests/unit/egress_test.cpp, Egress.EveryInternalRangeIsRefusedWithItsClassNamed);
// here, made-up names (*.egress.test) are mapped by ClientOptions::resolve to
// 127.0.0.x or ::1 only, so no name reaches a real resolver.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <vector>

#include "support/outcomes.hpp"
#include "support/test_server.hpp"
#include "tether/client.hpp"

using tether::Client;
using tether::ClientOptions;
using tether::EgressPolicy;
using tether::ErrorCode;
using tether::RequestConfig;
using tether::TransportError;
using tether::test::fails;
using tether::test::ok;
using tether::test::TestServer;

namespace {

// Whether ::1 is configured here (curl then tries IPv6 addresses too).
bool has_ipv6_loopback() {
  int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// Binds a socket without listening: a connection to it is refused at once.
int bound_socket(const char* address, std::uint16_t port, std::uint16_t* chosen = nullptr) {
  bool v6 = std::string(address).find(':') != std::string::npos;
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_storage storage{};
  socklen_t length = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    inet_pton(AF_INET6, address, &a->sin6_addr);
    length = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&storage);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    inet_pton(AF_INET, address, &a->sin_addr);
    length = sizeof *a;
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0) {
    ::close(fd);
    return -1;
  }
  if (chosen) {
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length);
    *chosen = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port
                       : reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
  }
  return fd;
}

// One port on which every one of `addresses` refuses connections.
struct ClosedPort {
  explicit ClosedPort(const std::vector<const char*>& addresses) {
    for (int attempt = 0; attempt < 20 && fds.size() != addresses.size(); ++attempt) {
      release();
      fds.push_back(bound_socket(addresses[0], 0, &port));
      for (std::size_t i = 1; i < addresses.size() && fds.back() >= 0; ++i) {
        fds.push_back(bound_socket(addresses[i], port));
      }
      if (fds.back() < 0) fds.pop_back();
    }
  }
  ~ClosedPort() { release(); }
  void release() {
    for (int fd : fds) ::close(fd);
    fds.clear();
  }
  std::uint16_t port = 0;
  std::vector<int> fds;
};

Client guarded(std::vector<std::string> allow = {}, std::vector<std::string> resolve = {}) {
  return Client(RequestConfig{},
                ClientOptions{.egress = EgressPolicy{.deny_internal = true, .allow = allow},
                              .resolve = resolve});
}

std::string map(const std::string& name, std::uint16_t port, const std::string& addresses) {
  return name + ":" + std::to_string(port) + ":" + addresses;
}

std::string at(const std::string& host, std::uint16_t port, const std::string& path = "/ok") {
  return "http://" + host + ":" + std::to_string(port) + path;
}

void expect_policy(const tether::Error& e, const std::string& cls) {
  EXPECT_EQ(e.code(), ErrorCode::Network) << e.what();
  EXPECT_EQ(e.transport(), TransportError::Policy) << e.what();
  EXPECT_NE(std::string(e.what()).find("refused by the egress policy (" + cls), std::string::npos)
      << e.what();
  EXPECT_FALSE(e.is_transient());
}

bool mentions(const tether::Error& e, const std::string& text) {
  return std::string(e.what()).find(text) != std::string::npos;
}

TEST(EgressPolicy, OffByDefault) {
  TestServer server;
  Client client;
  EXPECT_EQ(ok(client.get(server.url("/ok"))).data.text(), "ok");
}

TEST(EgressPolicy, LoopbackRefusedWhenOnAndNothingConnects) {
  TestServer server;
  Client client = guarded();
  auto e = fails(client.get(server.url("/ok")));
  expect_policy(e, "loopback");
  EXPECT_TRUE(mentions(e, "127.0.0.1")) << e.what();
  EXPECT_EQ(e.to_json()["transport"], "policy");
  EXPECT_EQ(server.accepted_count(), 0u);
}

TEST(EgressPolicy, AllowListLetsAnAddressThrough) {
  TestServer server;
  Client client = guarded({"127.0.0.1"});
  EXPECT_EQ(ok(client.get(server.url("/ok"))).data.text(), "ok");
  Client by_range = guarded({"127.0.0.0/8"});
  EXPECT_EQ(ok(by_range.get(server.url("/ok"))).data.text(), "ok");
}

TEST(EgressPolicy, TheResolvedAddressIsChecked) {
  // A name the policy knows nothing of: what it resolves to decides.
  TestServer server;
  const std::string name = "intranet.egress.test";
  auto refused = guarded({}, {map(name, server.port(), "127.0.0.1")});
  auto e = fails(refused.get(at(name, server.port())));
  expect_policy(e, "loopback");
  EXPECT_TRUE(mentions(e, "Connection to 127.0.0.1 refused")) << e.what();
  EXPECT_EQ(server.accepted_count(), 0u);
  // The same name, its address allowed: the mapping is what connects.
  auto allowed = guarded({"127.0.0.1"}, {map(name, server.port(), "127.0.0.1")});
  EXPECT_EQ(ok(allowed.get(at(name, server.port()))).data.text(), "ok");
  EXPECT_EQ(server.accepted_count(), 1u);
  // localhost (curl resolves it to loopback itself, no resolver asked).
  auto local = fails(refused.get(at("localhost", server.port())));
  expect_policy(local, "loopback");
  EXPECT_EQ(server.accepted_count(), 1u);
}

TEST(EgressPolicy, NamesOfInternalServicesAreRefusedBeforeAnySocketOpens) {
  // What a user-supplied URL would name: metadata, a cache, an admin page,
  // all mapped to loopback here (the other internal ranges: the unit table).
  TestServer server;
  std::vector<std::string> resolve;
  const std::vector<std::string> names = {"metadata.egress.test", "redis.egress.test",
                                          "admin.egress.test"};
  for (const auto& name : names) resolve.push_back(map(name, server.port(), "127.0.0.1"));
  Client client = guarded({}, resolve);
  for (const auto& name : names) {
    auto e = fails(client.get(at(name, server.port(), "/latest/meta-data/")));
    expect_policy(e, "loopback");
  }
  EXPECT_EQ(server.accepted_count(), 0u);
}

TEST(EgressPolicy, EverySpellingOfLoopbackIsRefused) {
  TestServer server;
  Client client = guarded();
  const std::string port = std::to_string(server.port());
  std::vector<std::string> hosts = {"127.1",      "2130706433", "0x7f.1",   "0177.0.0.1",
                                    "127.0.0.1.", "localhost.", "LocalHost"};
  if (has_ipv6_loopback()) {
    hosts.insert(hosts.end(), {"[::ffff:127.0.0.1]", "[::1]"});
  }
  for (const std::string& host : hosts) {
    auto e = fails(client.get("http://" + host + ":" + port + "/ok"));
    EXPECT_EQ(e.transport(), TransportError::Policy) << host << ": " << e.what();
  }
  EXPECT_EQ(server.accepted_count(), 0u);
}

TEST(EgressPolicy, ATrailingDotIsDroppedBeforeResolvingAndThePolicy) {
  // Were the dot kept, "127.0.0.1." and "api.egress.test." would be names of
  // their own, sent to a real resolver, and the mapping would not match.
  TestServer server;
  const std::string name = "api.egress.test";
  Client allowed = guarded({"127.0.0.1"}, {map(name, server.port(), "127.0.0.1")});
  EXPECT_EQ(ok(allowed.get(at("127.0.0.1.", server.port()))).data.text(), "ok");
  auto response = ok(allowed.get(at(name + ".", server.port())));
  EXPECT_EQ(response.data.text(), "ok");
  EXPECT_EQ(response.url, at(name, server.port()));
  Client refused = guarded({}, {map(name, server.port(), "127.0.0.1")});
  expect_policy(fails(refused.get(at(name + ".", server.port()))), "loopback");
  EXPECT_EQ(server.accepted_count(), 2u);
}

TEST(EgressPolicy, ARedirectToADeniedAddressIsRefused) {
  // 127.0.0.1 allowed, 127.0.0.2 (loopback too, but not allowed) denied: the
  // redirect's hop is checked on its own address.
  TestServer server;
  Client client = guarded({"127.0.0.1"});
  const std::string target = at("127.0.0.2", server.port());
  auto e = fails(client.get(server.url("/redirect-to?url=" + target)));
  expect_policy(e, "loopback");
  EXPECT_TRUE(mentions(e, "127.0.0.2")) << e.what();
  EXPECT_EQ(server.accepted_count(), 1u);  // the allowed first hop only
}

TEST(EgressPolicy, ARedirectToANameIsCheckedOnItsAddress) {
  TestServer server;
  const std::string name = "hop.egress.test";
  Client client = guarded({"127.0.0.1"}, {map(name, server.port(), "127.0.0.3")});
  const std::string target = at(name + ".", server.port());
  auto e = fails(client.get(server.url("/redirect-to?url=" + target)));
  expect_policy(e, "loopback");
  EXPECT_TRUE(mentions(e, "127.0.0.3")) << e.what();
  EXPECT_EQ(server.accepted_count(), 1u);
}

// A name with several addresses: the refused ones are skipped; Policy is the
// error only when every one was refused, else the allowed one's failure is.
TEST(EgressPolicy, PolicyOnlyWhenEveryAddressWasRefused) {
  ClosedPort closed({"127.0.0.1", "127.0.0.2"});
  ASSERT_EQ(closed.fds.size(), 2u);
  const std::string name = "pair.egress.test";
  const std::string url = at(name, closed.port);
  const auto resolve = std::vector<std::string>{map(name, closed.port, "127.0.0.1,127.0.0.2")};
  for (const char* allowed : {"127.0.0.1", "127.0.0.2"}) {  // the first, then the second
    auto e = fails(guarded({allowed}, resolve).get(url));
    EXPECT_EQ(e.code(), ErrorCode::Network) << allowed << ": " << e.what();
    EXPECT_NE(e.transport(), TransportError::Policy) << allowed << ": " << e.what();
    EXPECT_TRUE(e.transport() == TransportError::Refused ||
                e.transport() == TransportError::Connect)
        << allowed << ": " << e.what();
  }
  expect_policy(fails(guarded({}, resolve).get(url)), "loopback");
  // And one refused, the other serving: the request goes to the allowed one.
  TestServer server;
  const auto both = std::vector<std::string>{map(name, server.port(), "127.0.0.2,127.0.0.1")};
  EXPECT_EQ(ok(guarded({"127.0.0.1"}, both).get(at(name, server.port()))).data.text(), "ok");
}

TEST(EgressPolicy, HappyEyeballsReportsPolicyOnlyWhenBothFamiliesWereRefused) {
  if (!has_ipv6_loopback()) {
    // No IPv6 here: PolicyOnlyWhenEveryAddressWasRefused covers the logic.
    EXPECT_FALSE(has_ipv6_loopback());
    return;
  }
  ClosedPort closed({"127.0.0.1", "::1"});
  ASSERT_EQ(closed.fds.size(), 2u);
  const std::string name = "dual.egress.test";
  const std::string url = at(name, closed.port);
  const auto resolve = std::vector<std::string>{map(name, closed.port, "127.0.0.1,::1")};
  for (const char* allowed : {"127.0.0.1", "::1"}) {  // one family allowed, failing
    auto e = fails(guarded({allowed}, resolve).get(url));
    EXPECT_NE(e.transport(), TransportError::Policy) << allowed << ": " << e.what();
    EXPECT_EQ(e.code(), ErrorCode::Network) << allowed << ": " << e.what();
  }
  expect_policy(fails(guarded({}, resolve).get(url)), "loopback");
}

TEST(EgressPolicy, AProxyIsRefusedUnlessItsAddressIsAllowed) {
  // Through a proxy the target is out of the policy's sight: an unlisted
  // proxy (here the test server) is refused before any connection.
  TestServer proxy;
  const std::string target = at("target.egress.test", 80);
  const auto resolve = std::vector<std::string>{map("target.egress.test", 80, "127.0.0.1")};
  RequestConfig via{.url = target};
  via.proxy = tether::Proxy{.url = proxy.url("")};
  auto e = fails(guarded({}, resolve).request(via));
  expect_policy(e, "");
  EXPECT_TRUE(mentions(e, "proxy at 127.0.0.1")) << e.what();
  EXPECT_EQ(proxy.accepted_count(), 0u);
  // proxy_from_env: the environment's proxy cannot be vetted.
  RequestConfig from_env{.url = proxy.url("/ok")};
  from_env.proxy_from_env = true;
  auto env = fails(guarded({"127.0.0.1"}, resolve).request(from_env));
  EXPECT_EQ(env.transport(), TransportError::Policy) << env.what();
  EXPECT_TRUE(mentions(env, "proxy_from_env")) << env.what();
  EXPECT_EQ(proxy.accepted_count(), 0u);
  // Listed: the proxy is connected to (whatever it then answers).
  // (The test server serves an absolute-form target by its path, as a proxy.)
  via.url = at("target.egress.test", 80, "/ok");
  EXPECT_EQ(ok(guarded({"127.0.0.1"}, resolve).request(via)).data.text(), "ok");
  EXPECT_EQ(proxy.accepted_count(), 1u);
}

TEST(EgressPolicy, NotRetriedAndNotUndoneByAnInterceptor) {
  TestServer server;
  // The base is allowed (127.0.0.2); the interceptor points the request at a
  // denied address (127.0.0.1), then at a proxy.
  const std::string base = at("api.egress.test", server.port(), "");
  std::atomic<int> intercepted{0}, retried{0}, tries{0};
  Client client(RequestConfig{.base_url = base},
                ClientOptions{.egress = EgressPolicy{.deny_internal = true, .allow = {"127.0.0.2"}},
                              .on_event =
                                  [&](const tether::RequestEvent& event) {
                                    if (event.kind == tether::EventKind::Retried) ++retried;
                                    if (event.kind == tether::EventKind::PhaseChanged &&
                                        event.phase == tether::RequestPhase::Connect) {
                                      ++tries;
                                    }
                                  },
                              .resolve = {map("api.egress.test", server.port(), "127.0.0.2")}});
  bool via_proxy = false;
  client.interceptors().request.use([&](RequestConfig c) {
    ++intercepted;
    c.url = server.url("/ok");  // an interceptor pointing the request inside
    c.allow_absolute_urls = true;
    if (via_proxy) {
      c.url = base + "/ok";  // the allowed base, but through an unlisted proxy
      c.proxy = tether::Proxy{.url = server.url("")};
    }
    return c;
  });
  RequestConfig config{.url = "/x"};
  config.retry = tether::RetryPolicy{.retries = 3, .delay = std::chrono::milliseconds(1)};
  auto e = fails(client.request(config));
  expect_policy(e, "loopback");
  EXPECT_TRUE(mentions(e, "Connection to 127.0.0.1 refused")) << e.what();  // the interceptor's
  EXPECT_GE(intercepted.load(), 1);
  EXPECT_EQ(retried.load(), 0);  // a refusal is final: not one retry
  EXPECT_LE(tries.load(), 1);
  EXPECT_EQ(server.accepted_count(), 0u);

  via_proxy = true;
  auto proxied = fails(client.request(config));
  EXPECT_EQ(proxied.transport(), TransportError::Policy) << proxied.what();
  EXPECT_TRUE(mentions(proxied, "proxy at 127.0.0.1")) << proxied.what();
  EXPECT_EQ(retried.load(), 0);
  EXPECT_EQ(server.accepted_count(), 0u);
}

TEST(EgressPolicy, ABadAllowEntryFailsTheClientConstructor) {
  try {
    Client client = guarded({"not-an-address"});
    FAIL() << "no error";
  } catch (const tether::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadOptionValue);
  }
}

TEST(EgressPolicy, ABadResolveEntryFailsTheClientConstructor) {
  try {
    Client client = guarded({}, {"api.egress.test:80:not-an-address"});
    FAIL() << "no error";
  } catch (const tether::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadOptionValue);
    EXPECT_TRUE(mentions(e, "api.egress.test:80:not-an-address")) << e.what();
  }
}

}  // namespace
