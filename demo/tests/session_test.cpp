// The preview pipeline against the embedded server: edits faster than the
// server answers abort the request in flight, and the check holds.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "preview_server.hpp"
#include "preview_session.hpp"
#include "session_relay.hpp"

using namespace std::chrono_literals;
using tether::demo::PreviewServer;
using tether::demo::PreviewSession;
using tether::demo::SessionEvent;

namespace {

// The session's events that the tests wait on.
class Events {
 public:
  void add(const SessionEvent& e) {
    std::lock_guard lock(mu_);
    if (e.kind == SessionEvent::Kind::Sent) ++sent_;
    if (e.kind == SessionEvent::Kind::Aborted) aborted_details_.push_back(e.detail);
    cv_.notify_all();
  }
  bool wait_for_sent(int n, std::chrono::seconds limit = 30s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return sent_ >= n; });
  }
  std::vector<std::string> aborted_details() const {
    std::lock_guard lock(mu_);
    return aborted_details_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int sent_ = 0;
  std::vector<std::string> aborted_details_;
};

}  // namespace

TEST(DemoSession, TypingOnAbortsTheRequestInFlightAndTheLastPreviewIsTheText) {
  tether::demo::SessionRelay relay;
  PreviewServer server(
      {.min_latency = 300ms, .max_latency = 300ms, .on_event = [&](auto& e) { relay.forward(e); }});
  Events events;
  PreviewSession session(server.url(), [&](const SessionEvent& e) { events.add(e); },
                         {.debounce = 20ms});
  tether::demo::RelayAttachment attachment(relay, session);

  session.edit("a", "*a");
  // Wait for the debounced request to leave, then type on.
  ASSERT_TRUE(events.wait_for_sent(1));
  session.edit("b", "*ab*");
  ASSERT_TRUE(session.wait_idle(30s));

  auto stats = session.stats();
  EXPECT_EQ(stats.keystrokes, 2u);
  EXPECT_EQ(stats.sent, 2u);
  EXPECT_EQ(stats.aborted + stats.dropped, 1u);
  EXPECT_EQ(stats.previews, 1u);
  // An abort says why (the Latest's reason, kept by the ApiClient's error).
  for (const auto& detail : events.aborted_details()) EXPECT_FALSE(detail.empty());
  auto check = session.check();
  EXPECT_TRUE(check.ok());
  EXPECT_TRUE(check.stale.empty());
}

TEST(DemoSession, WithoutCancellationTheCheckCatchesAnOutdatedPreview) {
  PreviewServer server({.min_latency = 300ms, .max_latency = 300ms});
  Events events;
  PreviewSession session(server.url(), [&](const SessionEvent& e) { events.add(e); },
                         {.debounce = 20ms, .cancel = false});
  session.edit("a", "a");
  ASSERT_TRUE(events.wait_for_sent(1));
  session.edit("b", "ab");  // the server answers "a" after this: an outdated preview
  ASSERT_TRUE(session.wait_idle(30s));
  auto check = session.check();
  EXPECT_FALSE(check.ok());
  EXPECT_FALSE(check.stale.empty());
}
