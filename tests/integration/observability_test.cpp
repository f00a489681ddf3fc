// Observability (issue 15): the timings, bytes and connection reuse every
// Response and Error carries, and the client's event hook.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/test_server.hpp"
#include "tether/tether.hpp"

using namespace std::chrono_literals;
using tether::Client;
using tether::ClientOptions;
using tether::EventKind;
using tether::RequestConfig;
using tether::RequestEvent;
using tether::RequestPhase;
using tether::test::TestServer;

namespace {

constexpr auto kGenerous = 10s;

// What a test keeps of one event (the views die with the call).
struct Seen {
  EventKind kind{};
  std::uint64_t id = 0;
  std::string method{};
  std::string url{};
  RequestPhase phase{};
  std::chrono::steady_clock::time_point time{};
  int attempt = 0;
  int status = 0;
  std::string error_code{};
  std::string reason{};
  bool transfer_available = false;
};

class Recorder {
 public:
  tether::EventHook hook() {
    return [this](const RequestEvent& e) { record(e); };
  }
  void record(const RequestEvent& e) {
    Seen s{e.kind,
           e.request_id,
           std::string(e.method),
           std::string(e.url),
           e.phase,
           e.time,
           e.attempt,
           e.status,
           {},
           {},
           e.transfer != nullptr && e.transfer->available};
    if (e.error) s.error_code = tether::to_string(e.error->code());
    if (e.reason) s.reason = e.reason->message;
    std::lock_guard lock(mu_);
    seen_.push_back(std::move(s));
    cv_.notify_all();
  }
  // Waits for a Finished event, then returns everything seen.
  std::vector<Seen> until_finished() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, kGenerous, [&] {
      for (const auto& s : seen_) {
        if (s.kind == EventKind::Finished) return true;
      }
      return false;
    });
    return seen_;
  }
  bool wait_for_phase(RequestPhase phase) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kGenerous, [&] {
      for (const auto& s : seen_) {
        if (s.kind == EventKind::PhaseChanged && s.phase == phase) return true;
      }
      return false;
    });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Seen> seen_;
};

std::vector<EventKind> kinds(const std::vector<Seen>& seen) {
  std::vector<EventKind> out;
  for (const auto& s : seen) out.push_back(s.kind);
  return out;
}

// Started first, Finished last and once, one request id, time never going back.
void expect_well_formed(const std::vector<Seen>& seen) {
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen.front().kind, EventKind::Started);
  EXPECT_EQ(seen.front().phase, RequestPhase::Queued);
  EXPECT_EQ(seen.back().kind, EventKind::Finished);
  int finished = 0;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].id, seen.front().id) << "event " << i;
    EXPECT_NE(seen[i].id, 0u);
    if (seen[i].kind == EventKind::Finished) ++finished;
    if (i > 0) {
      EXPECT_GE(seen[i].time, seen[i - 1].time) << "event " << i;
    }
  }
  EXPECT_EQ(finished, 1);
}

bool has(const std::vector<Seen>& seen, EventKind kind) {
  for (const auto& s : seen) {
    if (s.kind == kind) return true;
  }
  return false;
}

const Seen& first(const std::vector<Seen>& seen, EventKind kind) {
  for (const auto& s : seen) {
    if (s.kind == kind) return s;
  }
  throw std::runtime_error("no event of kind " + tether::to_string(kind));
}

TEST(Timings, PresentAndMonotoneOnARealRequest) {
  TestServer server;
  Client client;
  auto r = client.get(server.url("/bytes/1000")).get();
  const auto& t = r.transfer;
  ASSERT_TRUE(t.available);
  EXPECT_FALSE(t.reused);
  EXPECT_LE(t.name_lookup, t.connect);
  EXPECT_GT(t.connect.count(), 0);
  // Plain http: no TLS handshake (0); otherwise between connect and the rest.
  if (t.tls.count() > 0) {
    EXPECT_LE(t.connect, t.tls);
  }
  EXPECT_LE(std::max(t.connect, t.tls), t.pretransfer);
  EXPECT_LE(t.pretransfer, t.first_byte);
  EXPECT_LE(t.first_byte, t.total);
  EXPECT_GT(t.total.count(), 0);
  EXPECT_GE(t.queued.count(), 0);
  EXPECT_EQ(t.redirect.count(), 0);
}

TEST(Timings, SecondRequestToTheSameOriginReusesTheConnection) {
  TestServer server;
  Client client;
  auto first = client.get(server.url("/ok")).get();
  auto second = client.get(server.url("/ok?second")).get();
  EXPECT_FALSE(first.transfer.reused);
  EXPECT_TRUE(second.transfer.reused);
  EXPECT_EQ(server.accepted_count(), 1u);
}

TEST(Timings, BytesMatchWhatWasSentAndReceived) {
  TestServer server;
  Client client;
  std::string body(12345, 'x');
  auto r = client
               .post(server.url("/echo"), tether::Body(body),
                     {.response_type = tether::ResponseType::Text})
               .get();
  const auto& t = r.transfer;
  EXPECT_EQ(t.body_bytes_sent, 12345);
  EXPECT_EQ(t.body_bytes_received, static_cast<std::int64_t>(r.data.text().size()));
  EXPECT_GT(t.header_bytes_sent, 0);
  EXPECT_GT(t.header_bytes_received, 0);

  auto bytes = client.get(server.url("/bytes/4096")).get();
  EXPECT_EQ(bytes.transfer.body_bytes_received, 4096);
  EXPECT_EQ(bytes.transfer.body_bytes_sent, 0);
}

TEST(Timings, RedirectHopsCountAsRedirectTime) {
  TestServer server;
  Client client;
  auto r = client.get(server.url("/redirect/2")).get();
  EXPECT_EQ(r.redirects, 3);
  EXPECT_GT(r.transfer.redirect.count(), 0);
  EXPECT_TRUE(r.transfer.available);
}

TEST(Timings, AnErrorCarriesThem) {
  TestServer server;
  Client client;
  auto rejected = client.get(server.url("/status/503")).result();
  ASSERT_FALSE(rejected);
  EXPECT_TRUE(rejected.error().transfer().available);
  EXPECT_GT(rejected.error().transfer().total.count(), 0);

  auto broken = client.get(server.url("/reset")).result();
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code(), tether::ErrorCode::Network);
  EXPECT_TRUE(broken.error().transfer().available);
}

TEST(Timings, AnAbortedRequestCarriesNone) {
  TestServer server;
  Client client;
  tether::AbortController controller;
  auto request =
      client.get(server.url("/delay/5000?t=abort-timings"), {.signal = controller.signal()});
  ASSERT_TRUE(server.wait_for_request("t=abort-timings", kGenerous));
  controller.abort();
  auto outcome = request.result();
  ASSERT_FALSE(outcome);
  EXPECT_TRUE(outcome.error().is_cancel());
  EXPECT_FALSE(outcome.error().transfer().available);
}

TEST(Events, SuccessGoesStartedPhasesFinished) {
  TestServer server;
  Recorder events;
  Client client(RequestConfig{}, ClientOptions{.on_event = events.hook()});
  auto r = client.get(server.url("/ok")).get();
  auto seen = events.until_finished();
  expect_well_formed(seen);
  EXPECT_EQ(seen.front().method, "GET");
  EXPECT_EQ(seen.front().url, server.url("/ok"));
  std::vector<RequestPhase> phases;
  for (const auto& s : seen) {
    if (s.kind == EventKind::PhaseChanged) phases.push_back(s.phase);
  }
  ASSERT_FALSE(phases.empty());
  EXPECT_EQ(phases.front(), RequestPhase::Connect);
  EXPECT_EQ(phases.back(), RequestPhase::Body);
  const Seen& finished = seen.back();
  EXPECT_EQ(finished.status, 200);
  EXPECT_TRUE(finished.error_code.empty());
  EXPECT_TRUE(finished.transfer_available);
  EXPECT_EQ(finished.attempt, 1);
}

TEST(Events, RedirectIsReported) {
  TestServer server;
  Recorder events;
  Client client(RequestConfig{}, ClientOptions{.on_event = events.hook()});
  auto r = client.get(server.url("/redirect/0")).get();
  auto seen = events.until_finished();
  expect_well_formed(seen);
  const Seen& redirected = first(seen, EventKind::Redirected);
  EXPECT_EQ(redirected.status, 302);
  EXPECT_EQ(redirected.url, server.url("/ok"));
  EXPECT_EQ(seen.back().status, 200);
}

TEST(Events, RetryIsReportedWithItsFailure) {
  TestServer server;
  Recorder events;
  Client client(RequestConfig{}, ClientOptions{.on_event = events.hook()});
  auto r = client
               .get(server.url("/flaky?key=events-retry&fail=1"),
                    {.retry = tether::RetryPolicy{.retries = 2, .delay = 1ms}})
               .get();
  EXPECT_EQ(r.status, 200);
  auto seen = events.until_finished();
  expect_well_formed(seen);
  const Seen& retried = first(seen, EventKind::Retried);
  EXPECT_EQ(retried.attempt, 2);
  EXPECT_EQ(retried.error_code, "ERR_BAD_RESPONSE");
  EXPECT_EQ(seen.back().status, 200);
  EXPECT_EQ(seen.back().attempt, 2);
}

TEST(Events, AbortIsReportedWithItsReasonThenFinished) {
  TestServer server;
  Recorder events;
  Client client(RequestConfig{}, ClientOptions{.on_event = events.hook()});
  tether::AbortController controller;
  auto request = client.get(server.url("/delay/5000"), {.signal = controller.signal()});
  ASSERT_TRUE(events.wait_for_phase(RequestPhase::AwaitHeaders));
  controller.abort({"AbortError", "user left the page"});
  EXPECT_FALSE(request.result());
  auto seen = events.until_finished();
  expect_well_formed(seen);
  auto k = kinds(seen);
  ASSERT_GE(k.size(), 3u);
  EXPECT_EQ(k[k.size() - 2], EventKind::Aborted);
  EXPECT_EQ(seen[k.size() - 2].reason, "user left the page");
  EXPECT_EQ(seen[k.size() - 2].phase, RequestPhase::AwaitHeaders);
  EXPECT_EQ(seen.back().error_code, "ERR_CANCELED");
  EXPECT_FALSE(seen.back().transfer_available);
}

TEST(Events, TimeoutFinishesWithTheTimeoutError) {
  TestServer server;
  Recorder events;
  Client client(RequestConfig{}, ClientOptions{.on_event = events.hook()});
  auto outcome = client.get(server.url("/delay/5000"), {.timeout = 100ms}).result();
  ASSERT_FALSE(outcome);
  auto seen = events.until_finished();
  expect_well_formed(seen);
  EXPECT_FALSE(has(seen, EventKind::Aborted));
  EXPECT_EQ(seen.back().error_code, "ECONNABORTED");
  EXPECT_EQ(seen.back().phase, RequestPhase::AwaitHeaders);
  EXPECT_TRUE(seen.back().transfer_available);
}

TEST(Events, AnInvalidRequestStillGoesStartedThenFinished) {
  Recorder events;
  Client client(RequestConfig{}, ClientOptions{.on_event = events.hook()});
  auto outcome = client.get("ftp://127.0.0.1/file").result();
  ASSERT_FALSE(outcome);
  auto seen = events.until_finished();
  expect_well_formed(seen);
  EXPECT_EQ(kinds(seen), (std::vector<EventKind>{EventKind::Started, EventKind::Finished}));
  EXPECT_FALSE(seen.back().error_code.empty());
}

TEST(Events, AThrowingHookChangesNoOutcome) {
  TestServer server;
  std::atomic<int> calls{0};
  Client client(RequestConfig{}, ClientOptions{.on_event = [&](const RequestEvent&) {
                  calls.fetch_add(1);
                  throw std::runtime_error("hook failed");
                }});
  auto ok = client.get(server.url("/redirect/0")).get();
  EXPECT_EQ(ok.status, 200);
  auto rejected = client.get(server.url("/status/404")).result();
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().code(), tether::ErrorCode::BadRequest);
  tether::AbortController controller;
  auto aborted = client.get(server.url("/delay/5000"), {.signal = controller.signal()});
  controller.abort();
  auto outcome = aborted.result();
  ASSERT_FALSE(outcome);
  EXPECT_TRUE(outcome.error().is_cancel());
  EXPECT_GT(calls.load(), 6);
}

TEST(Events, UrlsAreRedacted) {
  TestServer server;
  Recorder events;
  std::string base = "http://user:secret@127.0.0.1:" + std::to_string(server.port());
  Client client(RequestConfig{.base_url = base}, ClientOptions{.on_event = events.hook()});
  (void)client.get("/redirect/0").result();
  auto seen = events.until_finished();
  ASSERT_FALSE(seen.empty());
  for (const auto& s : seen) {
    EXPECT_EQ(s.url.find("secret"), std::string::npos) << s.url;
  }
  EXPECT_NE(seen.front().url.find("/redirect/0"), std::string::npos) << seen.front().url;
}

TEST(Events, ChildClientsShareTheHook) {
  TestServer server;
  Recorder events;
  Client parent(RequestConfig{}, ClientOptions{.on_event = events.hook()});
  Client child = parent.create({.base_url = server.url("/")});
  EXPECT_EQ(child.get("ok").get().status, 200);
  expect_well_formed(events.until_finished());
}

}  // namespace
