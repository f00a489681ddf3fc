// 10,000 transfers in flight on one engine, all canceled by one abort.
#include <gtest/gtest.h>

#include <vector>

#include "client/client_core.hpp"
#include "support/server_process.hpp"
#include "tether/client.hpp"
#include "tether/limits.hpp"

using namespace std::chrono_literals;

namespace {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr std::size_t kInFlight = 2'000;  // the sanitizers make each one far slower
#else
constexpr std::size_t kInFlight = 10'000;
#endif
}  // namespace

TEST(Load, TenThousandInFlightAbortedByOneSignal) {
  // The server runs in a process of its own: 10,000 sockets on each side would
  // not fit in one process's descriptor limit.
  // Each transfer holds a socket: lift the soft limit on open files, which
  // Tether leaves to the application.
  ASSERT_GE(tether::raise_open_file_limit(), kInFlight + 100) << "the hard limit is too low";
  tether::test::TestServerProcess server;
  tether::Client client;
  tether::AbortController controller;
  std::vector<tether::Future<tether::Response>> futures;
  futures.reserve(kInFlight);
  for (std::size_t i = 0; i < kInFlight; ++i) {
    futures.push_back(client.get(server.url("/headers-never?n=" + std::to_string(i)),
                                 {.signal = controller.signal()}));
  }
  ASSERT_TRUE(server.wait_for("requests", kInFlight, 120s));
  EXPECT_EQ(server.stats()["accepted"], kInFlight);
  for (auto& f : futures) ASSERT_FALSE(f.ready());

  controller.abort();
  for (auto& f : futures) {
    ASSERT_TRUE(f.ready());  // settled inside abort()
    ASSERT_TRUE(f.result().error().is_cancel());
  }
  EXPECT_TRUE(server.wait_for("client_closed", kInFlight, 120s));
  auto& engine = tether::detail::ClientAccess::engine(client);
  for (int i = 0; i < 60'000 && engine.active_transfers() > 0; ++i) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(engine.active_transfers(), 0u);

  // The engine is still fine.
  auto after = client.get(server.url("/ok")).result();
  ASSERT_TRUE(after);
  EXPECT_EQ(after.value().data.text(), "ok");
}
