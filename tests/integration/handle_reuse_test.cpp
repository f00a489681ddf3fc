// The engine keeps an easy handle configured between two plain requests of
// the same method and scheme (GET, HEAD, DELETE, OPTIONS): one after another
// on one client, every method mix must still send its own method, and a
// handle kept for one kind must not leak its options (HEAD's no-body, a
// custom method) into the next request of another kind.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/outcomes.hpp"
#include "support/test_server.hpp"
#include "tether/client.hpp"

using namespace tether;
using tether::test::ok;

TEST(HandleReuse, EachMethodInAnyOrderSendsItself) {
  tether::test::TestServer server;
  Client client;
  const std::vector<std::string> order = {"GET",  "HEAD",    "HEAD",    "DELETE", "DELETE",
                                          "GET",  "OPTIONS", "OPTIONS", "HEAD",   "GET",
                                          "POST", "GET",     "DELETE",  "HEAD",   "OPTIONS"};
  for (const auto& method : order) {
    SCOPED_TRACE(method);
    auto r = ok(client.request({.method = method, .url = server.url("/echo")}));
    EXPECT_EQ(r.status, 200);
    if (method == "HEAD") {
      EXPECT_TRUE(r.data.to_string().empty());
    } else {
      EXPECT_EQ(r.data.json()["method"], method);
    }
  }
}

TEST(HandleReuse, AKeptHandleDoesNotCarryARequestsHeadersIntoThePlainNext) {
  tether::test::TestServer server;
  Client client;
  auto with = ok(client.del(server.url("/echo"), {.headers = {{"X-Once", "1"}}}));
  EXPECT_EQ(with.data.json()["headers"]["x-once"], "1");
  for (int i = 0; i < 3; ++i) {
    auto plain = ok(client.del(server.url("/echo")));
    EXPECT_EQ(plain.data.json()["method"], "DELETE");
    EXPECT_FALSE(plain.data.json()["headers"].contains("x-once"));
  }
}
