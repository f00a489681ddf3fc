// tether::testing::MockTransport: a Client's whole pipeline over mocked
// answers, with aborts and timeouts as the engine gives them. No sockets.
#include "tether/testing.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/outcomes.hpp"
#include "tether/abort.hpp"
#include "tether/client.hpp"

using namespace std::chrono_literals;
using nlohmann::json;
using tether::Client;
using tether::ErrorCode;
using tether::RequestPhase;
using tether::TransportError;
using tether::test::fails;
using tether::test::ok;
using tether::testing::Match;
using tether::testing::MockTransport;
using tether::testing::Reply;
using tether::testing::Times;

namespace {

struct MockTest : ::testing::Test {
  std::shared_ptr<MockTransport> mock = MockTransport::create();
  Client client{{}, {.transport = mock}};
};

}  // namespace

TEST_F(MockTest, AnswersAndRecordsWhatWasSent) {
  mock->on({.method = "POST", .url = "http://api.test/users?page=2"},
           Reply::json(201, {{"id", 7}}));
  Client api = client.create({.base_url = "http://api.test", .headers = {{"X-Key", "k1"}}});
  auto r = ok(api.post("/users", json{{"name", "ada"}}, {.params = {{"page", "2"}}}));
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.status_text, "Created");
  EXPECT_EQ(r.data.json(), (json{{"id", 7}}));
  EXPECT_EQ(r.url, "http://api.test/users?page=2");
  auto sent = mock->requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].method, "POST");
  EXPECT_EQ(sent[0].url, "http://api.test/users?page=2");
  EXPECT_EQ(sent[0].headers.get("X-Key"), "k1");
  EXPECT_EQ(sent[0].headers.get("Content-Type"), "application/json");
  EXPECT_EQ(json::parse(sent[0].body), (json{{"name", "ada"}}));
  EXPECT_EQ(mock->unused_rules(), 0u);
}

TEST_F(MockTest, RulesAreTriedInOrderAndOnceIsUsedUp) {
  mock->on({.url = "http://h.test/n"}, Reply::text(200, "first"), Times::Once);
  mock->on({.url = "http://h.test/n"}, Reply::text(200, "later"));
  EXPECT_EQ(ok(client.get("http://h.test/n")).data.text(), "first");
  EXPECT_EQ(ok(client.get("http://h.test/n")).data.text(), "later");
  EXPECT_EQ(ok(client.get("http://h.test/n")).data.text(), "later");
}

TEST_F(MockTest, MatchesByPrefixRegexHeadersBodyJsonAndPredicate) {
  mock->on({.url_prefix = "http://h.test/a/"}, Reply::text(200, "prefix"));
  mock->on({.url_regex = std::regex("/items/[0-9]+$")}, Reply::text(200, "regex"));
  mock->on({.headers = {{"X-Role", "admin"}}}, Reply::text(200, "header"));
  mock->on({.method = "put", .body = "raw"}, Reply::text(200, "body"));
  mock->on({.json = json{{"k", 1}}}, Reply::text(200, "json"));
  mock->on({.predicate = [](const auto& r) { return r.url.find("magic") != std::string::npos; }},
           Reply::text(200, "predicate"));
  EXPECT_EQ(ok(client.get("http://h.test/a/b")).data.text(), "prefix");
  EXPECT_EQ(ok(client.get("http://h.test/items/42")).data.text(), "regex");
  EXPECT_EQ(ok(client.get("http://h.test/x", {.headers = {{"x-role", "admin"}}})).data.text(),
            "header");
  EXPECT_EQ(ok(client.put("http://h.test/x", "raw")).data.text(), "body");
  EXPECT_EQ(ok(client.post("http://h.test/x", json{{"k", 1}})).data.text(), "json");
  EXPECT_EQ(ok(client.get("http://h.test/magic")).data.text(), "predicate");
  EXPECT_EQ(mock->unused_rules(), 0u);
}

TEST_F(MockTest, AnUnmatchedRequestFailsNamingItWithoutSecrets) {
  mock->on({.url = "http://h.test/known"}, Reply::text(200, "ok"));
  auto e = fails(client.del("http://user:secret@h.test/unknown?q=1"));
  EXPECT_EQ(e.code(), ErrorCode::Network);
  std::string what = e.what();
  EXPECT_NE(what.find("no rule matches DELETE http://"), std::string::npos) << what;
  EXPECT_NE(what.find("h.test/unknown?q=1"), std::string::npos) << what;
  EXPECT_EQ(what.find("secret"), std::string::npos) << what;
  EXPECT_FALSE(e.maybe_delivered());
  EXPECT_EQ(mock->requests().size(), 1u);  // recorded all the same
  EXPECT_EQ(mock->unused_rules(), 1u);
}

TEST_F(MockTest, ANetworkErrorIsReportedAsTheEngineWould) {
  mock->on({.url = "http://h.test/refused"},
           Reply::network_error(TransportError::Refused, "connection refused"));
  mock->on({.url = "http://h.test/reset"}, Reply::network_error(TransportError::Receive));
  auto refused = fails(client.post("http://h.test/refused", "x"));
  EXPECT_EQ(refused.code(), ErrorCode::Network);
  EXPECT_EQ(refused.transport(), TransportError::Refused);
  EXPECT_FALSE(refused.maybe_delivered());
  EXPECT_NE(std::string(refused.what()).find("connection refused"), std::string::npos);
  auto reset = fails(client.get("http://h.test/reset"));
  EXPECT_EQ(reset.transport(), TransportError::Receive);
  EXPECT_TRUE(reset.maybe_delivered());
}

TEST_F(MockTest, AnAbortCancelsAPendingAnswerAtOnceWithThePhase) {
  mock->on({}, Reply::hang());
  tether::AbortController controller;
  auto f = client.get("http://h.test/slow", {.signal = controller.signal()});
  ASSERT_TRUE(mock->wait_for_requests(1, 30s));
  EXPECT_EQ(mock->pending(), 1u);
  controller.abort();
  EXPECT_TRUE(f.ready());  // settled on the aborting thread
  auto e = fails(std::move(f));
  EXPECT_TRUE(e.is_cancel());
  EXPECT_EQ(e.phase(), RequestPhase::AwaitHeaders);
  EXPECT_EQ(mock->pending(), 0u);
}

TEST_F(MockTest, AnAbortDropsADelayedAnswer) {
  mock->on({}, Reply{.status = 200, .body = "late", .delay = 60s});
  tether::AbortController controller;
  auto f = client.get("http://h.test/late", {.signal = controller.signal()});
  ASSERT_TRUE(mock->wait_for_requests(1, 30s));
  controller.abort();
  EXPECT_TRUE(fails(std::move(f)).is_cancel());
  EXPECT_EQ(mock->pending(), 0u);
}

TEST_F(MockTest, TheRequestTimeoutEndsAHangingAnswer) {
  mock->on({}, Reply::hang());
  auto e = fails(client.get("http://h.test/never", {.timeout = 50ms}));
  EXPECT_EQ(e.code(), ErrorCode::Timeout);
  EXPECT_EQ(e.transport(), TransportError::Timeout);
  EXPECT_NE(std::string(e.what()).find("timeout of 50ms exceeded"), std::string::npos);
  auto clarified = fails(client.get(
      "http://h.test/never", {.timeout = 50ms, .transitional = {.clarify_timeout_error = true}}));
  EXPECT_EQ(clarified.code(), ErrorCode::TimedOut);
  auto idle = fails(client.get("http://h.test/never", {.idle_timeout = 50ms}));
  EXPECT_EQ(idle.code(), ErrorCode::Timeout);
  EXPECT_NE(std::string(idle.what()).find("idle timeout of 50ms"), std::string::npos);
  EXPECT_EQ(mock->pending(), 0u);
}

TEST_F(MockTest, ADelayedAnswerArrives) {
  mock->on({}, Reply{.status = 204, .delay = 20ms});
  EXPECT_EQ(ok(client.get("http://h.test/d", {.timeout = 30s})).status, 204);
}

TEST_F(MockTest, RetriesAndValidateStatusRunUnchanged) {
  mock->on({.url = "http://h.test/flaky"}, Reply::json(503, {{"busy", true}}), Times::Once);
  mock->on({.url = "http://h.test/flaky"}, Reply::json(200, {{"busy", false}}));
  tether::RetryPolicy retry;
  retry.retries = 2;
  retry.delay = 1ms;
  auto r = ok(client.get("http://h.test/flaky", {.retry = retry}));
  EXPECT_EQ(r.data.json(), (json{{"busy", false}}));
  EXPECT_EQ(mock->requests().size(), 2u);

  mock->on({.url = "http://h.test/missing"}, Reply::json(404, {{"type", "NotFound"}}));
  auto e = fails(client.get("http://h.test/missing"));
  EXPECT_EQ(e.code(), ErrorCode::BadRequest);
  ASSERT_TRUE(e.response());
  EXPECT_EQ(e.response()->data.json()["type"], "NotFound");
}

TEST_F(MockTest, InterceptorsSeeTheMockedExchange) {
  mock->on({.headers = {{"Authorization", "Bearer t"}}}, Reply::text(200, "in"));
  client.interceptors().request.use([](tether::RequestConfig config) {
    config.headers.set("Authorization", "Bearer t");
    return config;
  });
  client.interceptors().response.use([](tether::Response r) {
    r.status_text = "seen";
    return r;
  });
  auto r = ok(client.get("http://h.test/private"));
  EXPECT_EQ(r.data.text(), "in");
  EXPECT_EQ(r.status_text, "seen");
}

TEST_F(MockTest, ARedirectIsFollowedAsTheEngineWould) {
  mock->on({.url = "http://h.test/old"}, Reply{.status = 302, .headers = {{"Location", "/new"}}});
  mock->on({.url = "http://h.test/new"}, Reply::text(200, "moved"));
  mock->on({.url = "http://h.test/away"},
           Reply{.status = 307, .headers = {{"Location", "http://other.test/x"}}});
  mock->on({.url = "http://other.test/x"}, Reply::text(200, "other"));
  auto r = ok(client.post("http://h.test/old", "b"));
  EXPECT_EQ(r.data.text(), "moved");
  EXPECT_EQ(r.url, "http://h.test/new");
  EXPECT_EQ(r.redirects, 1);
  auto sent = mock->requests();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].method, "GET");  // a 302 after a POST becomes a GET
  EXPECT_TRUE(sent[1].body.empty());
  EXPECT_EQ(sent[1].redirects, 1);
  // Credentials do not cross origins.
  ok(client.get("http://h.test/away", {.headers = {{"Authorization", "Bearer s"}}}));
  sent = mock->requests();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[2].headers.get("Authorization"), "Bearer s");
  EXPECT_FALSE(sent[3].headers.has("Authorization"));
  // Too many: the engine's error.
  mock->on({.url = "http://h.test/loop"}, Reply{.status = 302, .headers = {{"Location", "/loop"}}});
  auto e = fails(client.get("http://h.test/loop", {.max_redirects = 3}));
  EXPECT_EQ(e.code(), ErrorCode::TooManyRedirects);
  EXPECT_EQ(e.phase(), RequestPhase::Redirect);
}

TEST_F(MockTest, WhatAPredicateOrResponderThrowsIsTheRequestsError) {
  mock->on({.predicate = [](const auto&) -> bool { throw std::runtime_error("bad predicate"); }},
           Reply::text(200, "never"));
  auto e = fails(client.get("http://h.test/p"));
  EXPECT_NE(std::string(e.what()).find("bad predicate"), std::string::npos) << e.what();
  mock->reset();
  mock->on({}, [](const tether::testing::RecordedRequest&) -> Reply {
    throw std::runtime_error("bad responder");
  });
  auto e2 = fails(client.get("http://h.test/r"));
  EXPECT_NE(std::string(e2.what()).find("bad responder"), std::string::npos) << e2.what();
}

TEST_F(MockTest, AResponderComputesTheAnswerFromTheRequest) {
  mock->on({}, [](const tether::testing::RecordedRequest& r) {
    return Reply::text(200, r.method + " " + r.url);
  });
  EXPECT_EQ(ok(client.head("http://h.test/x")).status, 200);
  EXPECT_EQ(ok(client.get("http://h.test/y")).data.text(), "GET http://h.test/y");
}

TEST_F(MockTest, StreamingCallbacksGetTheMockedBody) {
  mock->on({}, Reply::text(200, "streamed body"));
  std::string got;
  int heads = 0;
  tether::RequestConfig config;
  config.on_response = [&](const tether::ResponseHead& h) { heads += h.status == 200 ? 1 : 0; };
  config.on_data = [&](std::string_view s) { got += s; };
  auto r = ok(client.get("http://h.test/s", std::move(config)));
  EXPECT_EQ(got, "streamed body");
  EXPECT_EQ(heads, 1);
  EXPECT_EQ(r.status, 200);
}

TEST_F(MockTest, DestroyingTheClientSettlesAPendingAnswer) {
  mock->on({}, Reply::hang());
  tether::Future<tether::Response> f;
  {
    Client own({}, {.transport = mock});
    f = own.get("http://h.test/forever");
    ASSERT_TRUE(mock->wait_for_requests(1, 30s));
  }
  auto e = fails(std::move(f));
  EXPECT_TRUE(e.is_cancel());
  EXPECT_EQ(mock->pending(), 0u);
}

TEST_F(MockTest, IsThreadSafeAcrossClientsAndThreads) {
  mock->on({.url_prefix = "http://h.test/"}, [](const tether::testing::RecordedRequest& r) {
    return Reply::text(200, r.url.substr(r.url.rfind('/') + 1));
  });
  Client other({}, {.transport = mock});
  std::atomic<int> right{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::string id = std::to_string(t * 100 + i);
        auto r = (i % 2 ? client : other).get("http://h.test/" + id).result();
        if (r && r.value().data.text() == id) ++right;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(right.load(), 200);
  EXPECT_EQ(mock->requests().size(), 200u);
}
