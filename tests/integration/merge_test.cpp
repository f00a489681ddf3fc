// Config merging end to end (issue 8, defect 7): what a request sets switches a
// client default off, a removed default header is not sent, both signals apply.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "support/external_servers.hpp"
#include "support/test_server.hpp"
#include "tether/client.hpp"

using namespace std::chrono_literals;
using tether::Client;
using tether::ErrorCode;
using tether::RequestConfig;
using tether::Response;
using tether::test::NginxServer;
using tether::test::TestServer;

namespace {

tether::Result<Response> run(tether::Future<Response> f) {
  return f.result();
}

}  // namespace

TEST(MergeEndToEnd, ARequestCanRemoveADefaultHeader) {
  TestServer server;
  Client api({.base_url = server.url("/"),
              .headers = {{"Authorization", "Bearer default"}, {"X-Keep", "k"}}});
  RequestConfig request{.url = "echo"};
  request.headers.unset("authorization");
  auto r = run(api.request(request));
  ASSERT_TRUE(r) << r.error().what();
  auto headers = r.value().data.json()["headers"];
  EXPECT_FALSE(headers.contains("authorization")) << headers.dump();
  EXPECT_EQ(headers["x-keep"], "k");
}

TEST(MergeEndToEnd, TimeoutZeroDisablesTheDefaultTimeout) {
  TestServer server;
  Client api({.timeout = 300ms});
  auto inherited = run(api.get(server.url("/headers-never")));
  ASSERT_FALSE(inherited);
  EXPECT_TRUE(inherited.error().is_timeout());
  // /delay/1500 outlasts the default's 300 ms; with 0 (none) it completes.
  auto none = run(api.get(server.url("/delay/1500"), {.timeout = 0ms}));
  EXPECT_TRUE(none) << none.error().what();
}

TEST(MergeEndToEnd, TheDefaultsSignalAndTheRequestsBothCancel) {
  TestServer server;
  tether::AbortController fallback;
  Client api({.signal = fallback.signal()});
  tether::AbortController own;
  own.abort({"AbortError", "own"});
  auto unaffected = run(api.get(server.url("/ok")));
  EXPECT_TRUE(unaffected) << unaffected.error().what();
  auto canceled = run(api.get(server.url("/ok"), {.signal = own.signal()}));
  ASSERT_FALSE(canceled);
  EXPECT_TRUE(canceled.error().is_cancel());
  fallback.abort({"AbortError", "client-wide"});
  tether::AbortController fresh;
  auto by_default = run(api.get(server.url("/ok"), {.signal = fresh.signal()}));
  ASSERT_FALSE(by_default);
  EXPECT_TRUE(by_default.error().is_cancel());
  EXPECT_EQ(by_default.error().reason()->message, "client-wide");
}

TEST(MergeEndToEnd, RequestVerifyTrueOverridesADefaultsFalse) {
  TETHER_REQUIRE_PEER(NginxServer::available(), "nginx/openssl");
  NginxServer nginx;
  RequestConfig defaults;
  defaults.tls.verify = false;
  Client api(defaults);
  // The default's opt-out applies to a request that says nothing ...
  auto inherited = run(api.get(nginx.https_url("/hello.txt")));
  EXPECT_TRUE(inherited) << inherited.error().what();
  // ... but a request's verify = true verifies again (the self-signed CA is not trusted).
  RequestConfig strict{.url = nginx.https_url("/hello.txt")};
  strict.tls.verify = true;
  auto verified = run(api.request(strict));
  ASSERT_FALSE(verified);
  EXPECT_EQ(verified.error().code(), ErrorCode::Network);
  EXPECT_EQ(verified.error().phase(), tether::RequestPhase::Tls);
}
