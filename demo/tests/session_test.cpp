// The preview pipeline against the embedded server: edits faster than the
// server answers abort the request in flight, and the check holds.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "preview_server.hpp"
#include "preview_session.hpp"
#include "session_relay.hpp"

using namespace std::chrono_literals;
using tether::demo::PreviewServer;
using tether::demo::PreviewSession;

TEST(DemoSession, TypingOnAbortsTheRequestInFlightAndTheLastPreviewIsTheText) {
  tether::demo::SessionRelay relay;
  PreviewServer server(
      {.min_latency = 300ms, .max_latency = 300ms, .on_event = [&](auto& e) { relay.forward(e); }});
  std::atomic<int> sent{0};
  PreviewSession session(server.url(),
                         [&](const tether::demo::SessionEvent& e) {
                           if (e.kind == tether::demo::SessionEvent::Kind::Sent) ++sent;
                         },
                         {.debounce = 20ms});
  tether::demo::RelayAttachment attachment(relay, session);

  session.edit("a", "*a");
  // Wait (bounded) for the debounced request to leave, then type on.
  for (int i = 0; i < 3000 && sent == 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(sent, 1);
  session.edit("b", "*ab*");
  ASSERT_TRUE(session.wait_idle(30s));

  auto stats = session.stats();
  EXPECT_EQ(stats.keystrokes, 2u);
  EXPECT_EQ(stats.sent, 2u);
  EXPECT_EQ(stats.aborted + stats.dropped, 1u);
  EXPECT_EQ(stats.previews, 1u);
  auto check = session.check();
  EXPECT_TRUE(check.ok());
  EXPECT_TRUE(check.stale.empty());
}

TEST(DemoSession, WithoutCancellationTheCheckCatchesAnOutdatedPreview) {
  PreviewServer server({.min_latency = 300ms, .max_latency = 300ms});
  std::atomic<int> sent{0};
  PreviewSession session(server.url(),
                         [&](const tether::demo::SessionEvent& e) {
                           if (e.kind == tether::demo::SessionEvent::Kind::Sent) ++sent;
                         },
                         {.debounce = 20ms, .cancel = false});
  session.edit("a", "a");
  for (int i = 0; i < 3000 && sent == 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(sent, 1);
  session.edit("b", "ab");  // the server answers "a" after this: an outdated preview
  ASSERT_TRUE(session.wait_idle(30s));
  auto check = session.check();
  EXPECT_FALSE(check.ok());
  EXPECT_FALSE(check.stale.empty());
}
