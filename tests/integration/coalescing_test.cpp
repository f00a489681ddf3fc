// Coalescing (issue 14): identical requests in flight share one transfer;
// each caller has its own future and Response; one caller's abort detaches
// that caller only; the last abort closes the socket at the server.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "support/test_server.hpp"
#include "tether/tether.hpp"

using namespace std::chrono_literals;
using tether::Client;
using tether::ClientOptions;
using tether::RequestConfig;
using tether::Response;
using tether::test::TestServer;

namespace {

constexpr auto kGenerous = 10s;

Client coalescing_client() {
  return Client(RequestConfig{}, ClientOptions{.coalesce = {.enabled = true}});
}

int count_of(TestServer& server, const std::string& key) {
  Client plain;
  return std::stoi(plain.get(server.url("/count?key=" + key)).get().data.text());
}

// The connections that received a request containing `tag`.
std::vector<TestServer::Connection> tagged(const TestServer& server, const std::string& tag) {
  std::vector<TestServer::Connection> out;
  for (auto& c : server.connections()) {
    for (auto& t : c.targets) {
      if (t.find(tag) != std::string::npos) {
        out.push_back(c);
        break;
      }
    }
  }
  return out;
}

TEST(Coalescing, IdenticalCallersShareOneRequest) {
  TestServer server;
  Client client = coalescing_client();
  std::string url = server.url("/counted?ms=1000&key=shared");
  std::vector<tether::Future<Response>> futures;
  for (int i = 0; i < 5; ++i) futures.push_back(client.get(url));
  for (auto& f : futures) {
    Response r = f.get();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.data.text(), "1");
    EXPECT_EQ(r.config.url, url);
  }
  EXPECT_EQ(count_of(server, "shared"), 1);
}

TEST(Coalescing, OneAbortDetachesOnlyThatCaller) {
  TestServer server;
  Client client = coalescing_client();
  std::string url = server.url("/counted?ms=3000&key=detach");
  tether::AbortController leaving;
  auto first = client.get(url);
  auto second = client.get(url, RequestConfig{.signal = leaving.signal()});
  auto third = client.get(url);
  leaving.abort({"AbortError", "this caller left"});
  // Settled at once, while the transfer goes on for the others.
  ASSERT_TRUE(second.wait_for(kGenerous));
  EXPECT_FALSE(first.ready());
  auto left = second.result();
  ASSERT_FALSE(left);
  EXPECT_TRUE(left.error().is_cancel());
  EXPECT_EQ(left.error().reason()->message, "this caller left");
  EXPECT_EQ(first.get().data.text(), "1");
  EXPECT_EQ(third.get().data.text(), "1");
  EXPECT_EQ(count_of(server, "detach"), 1);
  EXPECT_FALSE(tagged(server, "counted?ms=3000&key=detach").at(0).client_closed.has_value());
}

TEST(Coalescing, TheLastAbortClosesTheSocket) {
  TestServer server;
  Client client = coalescing_client();
  std::string url = server.url("/counted?ms=60000&key=last");
  tether::AbortController a;
  tether::AbortController b;
  auto fa = client.get(url, RequestConfig{.signal = a.signal()});
  auto fb = client.get(url, RequestConfig{.signal = b.signal()});
  ASSERT_TRUE(server.wait_for_request("counted?ms=60000&key=last", kGenerous));
  a.abort();
  ASSERT_TRUE(fa.wait_for(kGenerous));
  // One caller is still there: the transfer lives on.
  EXPECT_FALSE(tagged(server, "counted?ms=60000&key=last").at(0).client_closed.has_value());
  b.abort();
  ASSERT_TRUE(fb.wait_for(kGenerous));
  EXPECT_TRUE(fb.result().error().is_cancel());
  EXPECT_TRUE(server.wait_for_client_close("counted?ms=60000&key=last", kGenerous));
  EXPECT_EQ(count_of(server, "last"), 1);
}

TEST(Coalescing, ADifferentAuthorizationIsNotCoalesced) {
  TestServer server;
  Client client = coalescing_client();
  std::string url = server.url("/counted?ms=1000&key=auth");
  auto alice = client.get(url, RequestConfig{.headers = {{"Authorization", "Bearer alice"}}});
  auto bob = client.get(url, RequestConfig{.headers = {{"Authorization", "Bearer bob"}}});
  auto alice_again = client.get(url, RequestConfig{.headers = {{"authorization", "Bearer alice"}}});
  std::string a = alice.get().data.text();
  std::string b = bob.get().data.text();
  EXPECT_NE(a, b);
  EXPECT_EQ(alice_again.get().data.text(), a);
  EXPECT_EQ(count_of(server, "auth"), 2);
}

TEST(Coalescing, AJoinerAfterTheEndStartsANewRequest) {
  TestServer server;
  Client client = coalescing_client();
  std::string url = server.url("/counted?key=again");
  EXPECT_EQ(client.get(url).get().data.text(), "1");
  EXPECT_EQ(client.get(url).get().data.text(), "2");
}

TEST(Coalescing, WritesAreNeverCoalesced) {
  TestServer server;
  Client client = coalescing_client();
  std::string url = server.url("/counted?ms=300&key=writes");
  auto a = client.post(url, std::string("x"));
  auto b = client.post(url, std::string("x"));
  EXPECT_NE(a.get().data.text(), b.get().data.text());
  EXPECT_EQ(count_of(server, "writes"), 2);
}

TEST(Coalescing, AKeyFunctionDecides) {
  TestServer server;
  // An empty key opts a request out.
  Client client(RequestConfig{},
                ClientOptions{.coalesce = {.enabled = true, .key = [](const RequestConfig& c) {
                                             return c.headers.has("X-Solo") ? "" : c.url;
                                           }}});
  std::string url = server.url("/counted?ms=1000&key=custom");
  auto a = client.get(url);
  auto b = client.get(url);
  auto solo = client.get(url, RequestConfig{.headers = {{"X-Solo", "1"}}});
  EXPECT_EQ(a.get().data.text(), b.get().data.text());
  EXPECT_EQ(solo.get().status, 200);
  EXPECT_EQ(count_of(server, "custom"), 2);
}

TEST(Coalescing, AKeyFunctionThatThrowsFailsThatRequest) {
  TestServer server;
  Client client(RequestConfig{},
                ClientOptions{.coalesce = {.enabled = true, .key = [](const RequestConfig&) {
                                             throw std::runtime_error("no key today");
                                             return std::string();
                                           }}});
  auto result = client.get(server.url("/counted?key=throws")).result();
  ASSERT_FALSE(result);
  EXPECT_NE(std::string(result.error().what()).find("no key today"), std::string::npos);
}

}  // namespace
