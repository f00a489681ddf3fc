// One abort() of many requests holds their engines' cancels on the aborting
// thread and pushes them as one batch when abort() ends. What the batch must
// not change: every transfer is removed (the server sees each close), a
// callback that starts and waits for a request inside abort() is not stuck
// behind held cancels, and requests of two clients (two engines) on one
// signal, or reached through a nested abort(), are all canceled.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "client/client_core.hpp"
#include "support/server_process.hpp"
#include "tether/tether.hpp"

using namespace std::chrono_literals;

namespace {

using Futures = std::vector<tether::Future<tether::Response>>;

Futures start_never(tether::Client& client, const tether::test::TestServerProcess& server,
                    const tether::AbortSignal& signal, int n) {
  Futures futures;
  for (int i = 0; i < n; ++i) {
    futures.push_back(
        client.get(server.url("/headers-never?n=" + std::to_string(i)), {.signal = signal}));
  }
  return futures;
}

void expect_canceled(Futures& futures) {
  for (auto& f : futures) {
    ASSERT_TRUE(f.ready());  // settled inside abort()
    EXPECT_TRUE(f.result().error().is_cancel());
  }
}

bool wait_idle(tether::Client& client) {
  auto& engine = tether::detail::ClientAccess::engine(client);
  for (int i = 0; i < 30'000 && engine.active_transfers() > 0; ++i) {
    std::this_thread::sleep_for(1ms);
  }
  return engine.active_transfers() == 0;
}

}  // namespace

TEST(AbortBatch, ACallbackThatWaitsForARequestInsideAbortIsNotStuck) {
  tether::test::TestServerProcess server;
  tether::Client client;
  tether::AbortController controller;
  Futures futures = start_never(client, server, controller.signal(), 50);
  ASSERT_TRUE(server.wait_for("requests", 50, 60s));
  // Registered after the requests': it runs once their cancels are held.
  std::string seen;
  auto registration = controller.signal().on_abort([&](const tether::AbortReason&) {
    auto after = client.get(server.url("/ok"));
    if (!after.wait_for(60s)) return;
    auto result = after.result();
    seen = result ? result.value().data.text() : "error";
  });
  controller.abort();
  EXPECT_EQ(seen, "ok");
  expect_canceled(futures);
  EXPECT_TRUE(server.wait_for("client_closed", 50, 60s));
  EXPECT_TRUE(wait_idle(client));
}

TEST(AbortBatch, TwoEnginesOnOneSignalAreBothCanceled) {
  tether::test::TestServerProcess server;
  tether::Client first, second;
  tether::AbortController controller;
  Futures a = start_never(first, server, controller.signal(), 40);
  Futures b = start_never(second, server, controller.signal(), 40);
  // Interleaved: each switch of engine pushes what was held for the other.
  Futures c = start_never(first, server, controller.signal(), 40);
  ASSERT_TRUE(server.wait_for("requests", 120, 60s));
  controller.abort();
  expect_canceled(a);
  expect_canceled(b);
  expect_canceled(c);
  EXPECT_TRUE(server.wait_for("client_closed", 120, 60s));
  EXPECT_TRUE(wait_idle(first));
  EXPECT_TRUE(wait_idle(second));
}

TEST(AbortBatch, ANestedAbortCancelsItsRequestsToo) {
  tether::test::TestServerProcess server;
  tether::Client client;
  tether::AbortController outer, inner;
  Futures outer_requests = start_never(client, server, outer.signal(), 30);
  Futures inner_requests = start_never(client, server, inner.signal(), 30);
  ASSERT_TRUE(server.wait_for("requests", 60, 60s));
  auto registration = outer.signal().on_abort([&](const tether::AbortReason&) { inner.abort(); });
  outer.abort();
  expect_canceled(outer_requests);
  expect_canceled(inner_requests);
  EXPECT_TRUE(server.wait_for("client_closed", 60, 60s));
  EXPECT_TRUE(wait_idle(client));
  // The engine still works.
  auto after = client.get(server.url("/ok")).result();
  ASSERT_TRUE(after);
  EXPECT_EQ(after.value().data.text(), "ok");
}

// A client that lives in a thread_local (or a static) outlives the thread's
// batch of held cancels: its destructor aborts its requests after that batch is
// destroyed, and they must still be canceled (the cancels go straight to the
// engine; under ASan, a held cancel written into the destroyed batch is a
// use-after-free).
TEST(AbortBatch, AClientDestroyedAtThreadExitAfterTheBatchStillCancels) {
  tether::test::TestServerProcess server;
  std::vector<tether::Future<tether::Response>> in_flight;
  std::thread([&] {
    // Constructed before the batch (the first abort below makes it), so
    // destroyed after it.
    thread_local tether::Client client;
    in_flight.push_back(client.get(server.url("/headers-never?late=1")));
    tether::AbortController early;
    Futures first = start_never(client, server, early.signal(), 2);
    ASSERT_TRUE(server.wait_for("requests", 3, 60s));
    early.abort();
    expect_canceled(first);
  }).join();
  ASSERT_TRUE(in_flight[0].wait_for(60s));
  EXPECT_TRUE(in_flight[0].result().error().is_cancel());
  EXPECT_TRUE(server.wait_for("client_closed", 3, 60s)) << "the late request's socket stayed open";
}
