// The fair queue under threads: many threads submit through one limited
// client while others abort at random (seeded; TETHER_RACE_SEED replays one),
// with queued timeouts and the client's destruction in the mix. Every future
// settles, the queue ends empty, and the limit holds throughout. Meant for
// ThreadSanitizer as well as normal builds; bounded by counts, not time.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "client/client_core.hpp"
#include "support/server_process.hpp"
#include "tether/tether.hpp"

using namespace std::chrono_literals;
using tether::AbortController;
using tether::Client;
using tether::ClientOptions;
using tether::Future;
using tether::Priority;
using tether::RequestConfig;
using tether::Response;

namespace {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kPerThread = 60;
#else
constexpr int kPerThread = 150;
#endif
constexpr int kThreads = 4;
constexpr std::size_t kLimit = 3;

std::uint64_t seed() {
  if (const char* s = std::getenv("TETHER_RACE_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

struct Submitted {
  AbortController controller;
  Future<Response> future;
};

TEST(QueueRace, ThreadsSubmitAndAbortThroughOneLimitedClient) {
  tether::test::TestServerProcess a, b;
  const auto base_seed = seed();
  SCOPED_TRACE("TETHER_RACE_SEED=" + std::to_string(base_seed));
  std::vector<std::shared_ptr<Submitted>> all[kThreads];
  std::atomic<bool> over_limit{false};
  std::mutex pool_mu;  // what the aborter picks from
  std::vector<std::shared_ptr<Submitted>> pool;
  {
    Client client(RequestConfig{},
                  ClientOptions{.max_requests = kLimit, .max_requests_per_origin = 2});
    auto* queue = tether::detail::ClientAccess::queue(client);
    std::atomic<int> submitting{kThreads};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937_64 random(base_seed + t);
        static const char* paths[] = {"/ok", "/delay/2", "/headers-never", "/status/503"};
        for (int i = 0; i < kPerThread; ++i) {
          auto s = std::make_shared<Submitted>();
          auto& server = random() % 2 ? a : b;
          RequestConfig config{.url = server.url(paths[random() % std::size(paths)]),
                               .signal = s->controller.signal(),
                               .priority = static_cast<Priority>(random() % 3)};
          if (random() % 3 == 0) config.timeout = std::chrono::milliseconds(1 + random() % 20);
          if (random() % 5 == 0) config.retry = tether::RetryPolicy{.retries = 1, .delay = 1ms};
          s->future = client.request(std::move(config));
          all[t].push_back(s);
          {
            std::lock_guard lock(pool_mu);
            pool.push_back(s);
          }
          // Abort one submitted earlier by this thread (or this one).
          if (random() % 2 == 0) all[t][random() % all[t].size()]->controller.abort();
          if (queue->running() > kLimit) over_limit = true;
        }
        submitting.fetch_sub(1);
      });
    }
    // Another thread aborts across all of them meanwhile.
    std::thread aborter([&] {
      std::mt19937_64 random(base_seed ^ 0x5eed);
      while (submitting.load() > 0) {
        std::shared_ptr<Submitted> victim;
        {
          std::lock_guard lock(pool_mu);
          if (!pool.empty()) victim = pool[random() % pool.size()];
        }
        if (victim) victim->controller.abort({"AbortError", "aborter"});
        if (queue->running() > kLimit) over_limit = true;
        std::this_thread::yield();
      }
    });
    for (auto& t : threads) t.join();
    aborter.join();
    // Half of what is left ends by abort, the rest by the client's end.
    for (int t = 0; t < kThreads; ++t) {
      for (std::size_t i = 0; i < all[t].size(); i += 2) all[t][i]->controller.abort();
    }
  }
  EXPECT_FALSE(over_limit.load());
  for (int t = 0; t < kThreads; ++t) {
    for (auto& s : all[t]) {
      ASSERT_TRUE(s->future.wait_for(30s)) << "a request never settled";
    }
  }
}

TEST(QueueRace, AbortsFromManyThreadsWhileTheQueueDrains) {
  tether::test::TestServerProcess server;
  const auto base_seed = seed();
  SCOPED_TRACE("TETHER_RACE_SEED=" + std::to_string(base_seed));
  Client client(RequestConfig{}, ClientOptions{.max_requests = 2});
  auto* queue = tether::detail::ClientAccess::queue(client);
  std::vector<std::shared_ptr<Submitted>> submitted;
  for (int i = 0; i < kThreads * kPerThread; ++i) {
    auto s = std::make_shared<Submitted>();
    s->future = client.get(server.url(i % 3 ? "/ok" : "/delay/1"),
                           RequestConfig{.signal = s->controller.signal()});
    submitted.push_back(s);
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 random(base_seed + t);
      for (std::size_t i = t; i < submitted.size(); i += kThreads) {
        if (random() % 3) submitted[i]->controller.abort();
      }
    });
  }
  for (auto& t : threads) t.join();
  std::size_t succeeded = 0, canceled = 0;
  for (auto& s : submitted) {
    ASSERT_TRUE(s->future.wait_for(30s)) << "a request never settled";
    auto r = s->future.result();
    if (r) {
      ++succeeded;
    } else {
      EXPECT_EQ(r.error().code(), tether::ErrorCode::Canceled) << r.error().what();
      ++canceled;
    }
  }
  EXPECT_EQ(succeeded + canceled, submitted.size());
  auto until = std::chrono::steady_clock::now() + 30s;
  while ((queue->running() || queue->waiting()) && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(queue->running(), 0u);
  EXPECT_EQ(queue->waiting(), 0u);
}

}  // namespace
