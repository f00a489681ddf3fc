// Environment proxies: ignored unless a request opts in with proxy_from_env,
// then honoured as curl does (lower-case http_proxy, NO_PROXY). The "proxy"
// is a second test server, which serves an absolute-form target by its path
// and records the target it received.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "support/outcomes.hpp"
#include "support/test_server.hpp"
#include "tether/client.hpp"

namespace tether {
namespace {

using test::ok;
using test::TestServer;

bool saw(const TestServer& server, const std::string& tag) {
  for (const auto& c : server.connections()) {
    for (const auto& target : c.targets) {
      if (target.find(tag) != std::string::npos) return true;
    }
  }
  return false;
}

class ProxyEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : kNames) ::unsetenv(name);
  }
  void TearDown() override {
    for (const char* name : kNames) ::unsetenv(name);
  }
  static constexpr const char* kNames[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                           "all_proxy",  "ALL_PROXY",  "no_proxy",    "NO_PROXY"};
  TestServer origin;
  TestServer proxy;
  Client client;
};

TEST_F(ProxyEnvTest, IgnoredByDefault) {
  ::setenv("http_proxy", proxy.url("/").c_str(), 1);
  ::setenv("ALL_PROXY", proxy.url("/").c_str(), 1);
  auto r = ok(client.get(origin.url("/echo?t=direct")));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(saw(origin, "t=direct"));
  EXPECT_FALSE(saw(proxy, "t=direct"));
}

TEST_F(ProxyEnvTest, HonouredWhenAskedFor) {
  ::setenv("http_proxy", proxy.url("/").c_str(), 1);
  auto r = ok(client.get(origin.url("/echo?t=proxied"), {.proxy_from_env = true}));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(saw(proxy, "t=proxied"));
  EXPECT_FALSE(saw(origin, "t=proxied"));
  // The proxy got the absolute-form target, as a forward proxy does.
  EXPECT_EQ(r.data.json()["target"], origin.url("/echo?t=proxied"));
}

TEST_F(ProxyEnvTest, HonouredAsADefaultOfTheClient) {
  ::setenv("http_proxy", proxy.url("/").c_str(), 1);
  Client api({.proxy_from_env = true});
  ok(api.get(origin.url("/echo?t=by-default")));
  EXPECT_TRUE(saw(proxy, "t=by-default"));
}

TEST_F(ProxyEnvTest, NoProxyBypasses) {
  ::setenv("http_proxy", proxy.url("/").c_str(), 1);
  ::setenv("NO_PROXY", "127.0.0.1", 1);
  ok(client.get(origin.url("/echo?t=bypassed"), {.proxy_from_env = true}));
  EXPECT_TRUE(saw(origin, "t=bypassed"));
  EXPECT_FALSE(saw(proxy, "t=bypassed"));
}

TEST_F(ProxyEnvTest, UpperCaseHttpProxyIsNotRead) {
  // curl reads only the lower-case http_proxy (a CGI server puts a request's
  // "Proxy:" header in HTTP_PROXY: httpoxy).
  ::setenv("HTTP_PROXY", proxy.url("/").c_str(), 1);
  ok(client.get(origin.url("/echo?t=upper"), {.proxy_from_env = true}));
  EXPECT_TRUE(saw(origin, "t=upper"));
  EXPECT_FALSE(saw(proxy, "t=upper"));
}

TEST_F(ProxyEnvTest, AnExplicitProxyWins) {
  ::setenv("http_proxy", "http://127.0.0.1:1/", 1);  // nothing listens there
  ok(client.get(origin.url("/echo?t=explicit"),
                {.proxy = Proxy{.url = proxy.url("/")}, .proxy_from_env = true}));
  EXPECT_TRUE(saw(proxy, "t=explicit"));
}

}  // namespace
}  // namespace tether
