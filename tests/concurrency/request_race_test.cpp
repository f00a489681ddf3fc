// Requests where completion, abort, timeout and client destruction race at
// random points (seeded; the seed is printed on failure, and TETHER_RACE_SEED
// replays one). Each request's future settles exactly once, nothing runs after
// its request is gone, and nothing hangs (every wait is bounded). Meant for
// ThreadSanitizer as well as normal builds; bounded by counts, not by time.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "support/server_process.hpp"
#include "tether/tether.hpp"

using namespace std::chrono_literals;
using tether::RequestConfig;
using tether::Response;

namespace {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kRounds = 20;
#else
constexpr int kRounds = 40;
#endif
constexpr int kPerRound = 100;  // 2,000 requests under sanitizers, 4,000 otherwise

std::uint64_t seed() {
  if (const char* s = std::getenv("TETHER_RACE_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

std::atomic<int> completed{0};  // how many the server's answer ended (for the log)

struct Tracked {
  tether::AbortController controller;
  std::atomic<int> settled{0};
  std::optional<tether::Future<void>> done;
};

// A request that ends by completing, failing, timing out, being aborted or
// by its client going away — whichever comes first.
RequestConfig random_config(std::mt19937_64& random, const tether::test::TestServerProcess& server,
                            Tracked& t) {
  static const char* paths[] = {"/ok",           "/delay/2",
                                "/bytes/100000", "/headers-never",
                                "/status/503",   "/drip?bytes=3&interval_ms=1",
                                "/reset"};
  RequestConfig config{.url = server.url(paths[random() % std::size(paths)])};
  config.signal = t.controller.signal();
  if (random() % 3 == 0) config.timeout = std::chrono::milliseconds(1 + random() % 10);
  if (random() % 4 == 0) {
    config.retry = tether::RetryPolicy{.retries = 1, .delay = 1ms, .jitter = false};
  }
  return config;
}

void run_round(std::mt19937_64& random, const tether::test::TestServerProcess& server) {
  auto client = std::make_unique<tether::Client>();
  if (random() % 2) {
    client->interceptors().request.use([](RequestConfig c) { return c; });
  }
  std::vector<std::unique_ptr<Tracked>> requests;
  for (int i = 0; i < kPerRound; ++i) {
    auto t = std::make_unique<Tracked>();
    auto* raw = t.get();
    t->done.emplace(client->request(random_config(random, server, *t))
                        .then(
                            [raw](Response) {
                              ++raw->settled;
                              ++completed;
                            },
                            [raw](const tether::Error& e) {
                              ++raw->settled;
                              if (!e.is_cancel()) ++completed;
                            }));
    requests.push_back(std::move(t));
  }
  // Aborts from another thread, at random points, while the client may be
  // going away on this one.
  std::vector<int> order(kPerRound);
  for (int i = 0; i < kPerRound; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), random);
  std::size_t aborts = random() % kPerRound;
  std::uint64_t pause_seed = random();
  std::thread aborter([&, aborts, pause_seed] {
    std::mt19937_64 pauses(pause_seed);
    for (std::size_t i = 0; i < aborts; ++i) {
      if (pauses() % 4 == 0) std::this_thread::sleep_for(std::chrono::microseconds(pauses() % 500));
      requests[order[i]]->controller.abort();
    }
  });
  // The client goes at once, a little later, or once most requests are
  // done (a bounded wait on that state).
  switch (random() % 4) {
    case 0:
      break;
    case 1:
      std::this_thread::sleep_for(std::chrono::microseconds(random() % 2000));
      break;
    case 2:
      std::this_thread::sleep_for(std::chrono::microseconds(random() % 20000));
      break;
    default: {
      // Some requests only end with the client; bounded by a deadline.
      auto until = std::chrono::steady_clock::now() + 2s;
      auto ready = [&] {
        return std::count_if(requests.begin(), requests.end(),
                             [](const auto& t) { return t->done->ready(); });
      };
      while (ready() < kPerRound * 9 / 10 && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(100us);
      }
    }
  }
  client.reset();  // fails what is left with "client destroyed"
  aborter.join();
  for (auto& t : requests) {
    ASSERT_TRUE(t->done->wait_for(30s)) << "a request never settled";
    t->done->get();
  }
  for (auto& t : requests) t->controller.abort();  // after settlement: nothing happens
  for (auto& t : requests) ASSERT_EQ(t->settled.load(), 1);
}

}  // namespace

TEST(RequestRace, EveryRequestSettlesExactlyOnce) {
  const std::uint64_t s = seed();
  SCOPED_TRACE("TETHER_RACE_SEED=" + std::to_string(s));
  std::mt19937_64 random(s);
  // In its own process: descriptors the engine closes and the server accepts
  // never alias (TSan tracks descriptor numbers process-wide).
  tether::test::TestServerProcess server;
  for (int round = 0; round < kRounds; ++round) {
    run_round(random, server);
    if (HasFatalFailure()) return;
  }
  std::printf("%d of %d requests ended by the server's answer (not canceled), seed %llu\n",
              completed.load(), kRounds * kPerRound, static_cast<unsigned long long>(s));
}
