// The egress policy against real sockets: checked on the resolved address of
// every connection (redirect hops included), refused before any byte leaves.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <string>

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

// Whether this machine can open IPv6 sockets (curl resolves IPv6 literals
// only then).
bool has_ipv6() {
  int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

Client guarded(std::vector<std::string> allow = {}) {
  return Client(RequestConfig{},
                ClientOptions{.egress = EgressPolicy{.deny_internal = true, .allow = allow}});
}

void expect_policy(const tether::Error& e, const std::string& cls) {
  EXPECT_EQ(e.code(), ErrorCode::Network) << e.what();
  EXPECT_EQ(e.transport(), TransportError::Policy) << e.what();
  EXPECT_NE(std::string(e.what()).find("refused by the egress policy (" + cls), std::string::npos)
      << e.what();
  EXPECT_FALSE(e.is_transient());
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
  EXPECT_NE(std::string(e.what()).find("127.0.0.1"), std::string::npos) << e.what();
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
  // A name, resolved by the system (localhost: /etc/hosts, never real DNS):
  // whatever it resolves to, it is loopback.
  TestServer server;
  Client client = guarded();
  auto e = fails(client.get("http://localhost:" + std::to_string(server.port()) + "/ok"));
  expect_policy(e, "loopback");
  EXPECT_EQ(server.accepted_count(), 0u);
}

TEST(EgressPolicy, EverySpellingOfLoopbackIsRefused) {
  TestServer server;
  Client client = guarded();
  const std::string port = std::to_string(server.port());
  for (std::string host :
       {"127.1", "2130706433", "0x7f.1", "0177.0.0.1", "[::ffff:127.0.0.1]", "[::1]"}) {
    if (host[0] == '[' && !has_ipv6()) continue;
    auto e = fails(client.get("http://" + host + ":" + port + "/ok"));
    EXPECT_EQ(e.transport(), TransportError::Policy) << host << ": " << e.what();
  }
  EXPECT_EQ(server.accepted_count(), 0u);
}

TEST(EgressPolicy, ARedirectToADeniedAddressIsRefused) {
  // 127.0.0.1 allowed, 127.0.0.2 (loopback too, but not allowed) denied: the
  // redirect's hop is checked on its own address.
  TestServer server;
  Client client = guarded({"127.0.0.1"});
  const std::string target = "http://127.0.0.2:" + std::to_string(server.port()) + "/ok";
  auto e = fails(client.get(server.url("/redirect-to?url=" + target)));
  expect_policy(e, "loopback");
  EXPECT_NE(std::string(e.what()).find("127.0.0.2"), std::string::npos) << e.what();
  EXPECT_EQ(server.accepted_count(), 1u);  // the allowed first hop only
}

TEST(EgressPolicy, InternalRangesAndMetadataAreRefusedBeforeAnySocketOpens) {
  // Refused in the open-socket callback: no packet leaves the machine.
  Client client = guarded();
  struct Case {
    std::string url;
    std::string cls;
  };
  for (const Case& c :
       {Case{"http://169.254.169.254/latest/meta-data/", "cloud metadata"},
        Case{"http://[fd00:ec2::254]/", "cloud metadata"}, Case{"http://10.0.0.1/", "private"},
        Case{"http://192.168.0.1/", "private"}, Case{"http://100.64.0.1/", "shared"},
        Case{"http://0.0.0.0/", "unspecified"}, Case{"http://[fe80::1]/", "link-local"}}) {
    if (c.url.find('[') != std::string::npos && !has_ipv6()) continue;
    auto e = fails(client.get(c.url, {.timeout = std::chrono::seconds(30)}));
    expect_policy(e, c.cls);
  }
}

TEST(EgressPolicy, NotRetriedAndNotUndoneByAnInterceptor) {
  TestServer server;
  Client client(RequestConfig{.base_url = "http://192.0.2.1"},
                ClientOptions{.egress = EgressPolicy{.deny_internal = true}});
  client.interceptors().request.use([&](RequestConfig c) {
    c.url = server.url("/ok");  // an interceptor pointing the request inside
    c.allow_absolute_urls = true;
    return c;
  });
  RequestConfig config{.url = "/x"};
  config.retry = tether::RetryPolicy{.retries = 3, .delay = std::chrono::milliseconds(1)};
  auto e = fails(client.request(config));
  expect_policy(e, "loopback");
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

}  // namespace
