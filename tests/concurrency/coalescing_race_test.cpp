// Coalesced (and hedged) requests whose callers join and abort at random
// points from several threads (seeded; TETHER_RACE_SEED replays one). Each
// caller's future settles exactly once, with the answer or Canceled, and
// nothing hangs (every wait is bounded). Meant for ThreadSanitizer as well as
// normal builds; bounded by counts, not by time.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/server_process.hpp"
#include "tether/tether.hpp"

using namespace std::chrono_literals;
using tether::RequestConfig;
using tether::Response;

namespace {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kRounds = 15;
#else
constexpr int kRounds = 40;
#endif
constexpr int kCallers = 6;

std::uint64_t seed() {
  if (const char* s = std::getenv("TETHER_RACE_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

struct Caller {
  tether::AbortController controller;
  std::atomic<int> settled{0};
  std::atomic<bool> canceled{false};
  std::optional<tether::Future<void>> done;
};

TEST(CoalescingRace, CallersJoiningAndAbortingAtRandomSettleOnce) {
  const std::uint64_t s = seed();
  SCOPED_TRACE("TETHER_RACE_SEED=" + std::to_string(s));
  tether::test::TestServerProcess server;
  tether::Client client(RequestConfig{}, tether::ClientOptions{.coalesce = {.enabled = true}});
  std::mt19937_64 random(s);
  for (int round = 0; round < kRounds; ++round) {
    std::vector<Caller> callers(kCallers);
    std::vector<std::uint64_t> seeds(kCallers);
    for (auto& x : seeds) x = random();
    std::string url = server.url("/counted?ms=" + std::to_string(random() % 15) + "&key=race" +
                                 std::to_string(round));
    std::barrier start(kCallers);
    std::vector<std::thread> threads;
    for (int i = 0; i < kCallers; ++i) {
      threads.emplace_back([&, i] {
        std::mt19937_64 r(seeds[i]);
        Caller& c = callers[i];
        RequestConfig config{.signal = c.controller.signal()};
        if (r() % 2) config.hedge = tether::HedgePolicy{.max_extra = 1, .delay = 1ms};
        start.arrive_and_wait();
        if (r() % 2) std::this_thread::sleep_for(std::chrono::microseconds(r() % 3000));
        c.done.emplace(client.get(url, config)
                           .then(
                               [&c](Response r) {
                                 EXPECT_EQ(r.status, 200);
                                 ++c.settled;
                               },
                               [&c](const tether::Error& e) {
                                 EXPECT_TRUE(e.is_cancel()) << e.what();
                                 c.canceled = true;
                                 ++c.settled;
                               }));
        if (r() % 3 == 0) {
          std::this_thread::sleep_for(std::chrono::microseconds(r() % 3000));
          c.controller.abort();
        }
      });
    }
    for (auto& t : threads) t.join();
    for (auto& c : callers) {
      ASSERT_TRUE(c.done->wait_for(20s));
      c.done->get();
    }
    for (auto& c : callers) EXPECT_EQ(c.settled.load(), 1);
  }
}

}  // namespace
