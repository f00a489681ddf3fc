// Changing a client's defaults and interceptors while other threads send
// through it (and through its copies): no data race (run under TSan by
// `make tsan`), and every request sees one whole snapshot of the defaults.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "support/server_process.hpp"
#include "tether/client.hpp"

namespace tether {
namespace {

TEST(DefaultsRace, ChangingDefaultsAndInterceptorsWhileRequestsRun) {
  test::TestServerProcess server;
  Client client({.base_url = server.url("/")});
  Client copy = client;  // a handle: shares defaults and interceptors
  constexpr int kSenders = 3;
  constexpr int kRequests = 40;
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::atomic<int> failed{0};

  std::thread changer([&] {
    for (int i = 0; !stop; ++i) {
      // Both headers always carry the same generation: a request that sees
      // two different ones saw half a change.
      std::string generation = std::to_string(i);
      copy.update_defaults([&](RequestConfig& d) {
        d.headers.set("X-Gen-A", generation);
        d.headers.set("X-Gen-B", generation);
      });
      auto id = client.interceptors().request.use([](RequestConfig c) {
        c.headers.set("X-Intercepted", "1");
        return c;
      });
      auto response_id = copy.interceptors().response.use([](Response r) { return r; });
      client.interceptors().request.eject(id);
      copy.interceptors().response.eject(response_id);
      if (i % 10 == 0) client.set_defaults(client.defaults());
    }
  });

  std::vector<std::thread> senders;
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      Client& through = s % 2 ? copy : client;
      for (int i = 0; i < kRequests; ++i) {
        auto r = through.get("/echo").result();
        if (!r) {
          ++failed;
          continue;
        }
        auto headers = r.value().data.json()["headers"];
        if (headers.value("x-gen-a", "") != headers.value("x-gen-b", "")) ++torn;
      }
    });
  }
  for (auto& t : senders) t.join();
  stop = true;
  changer.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(torn.load(), 0);
  // Every copy sees the last change.
  EXPECT_EQ(client.defaults().headers.get("X-Gen-A"), copy.defaults().headers.get("X-Gen-A"));
}

TEST(DefaultsRace, ConcurrentUpdatesAreNotLost) {
  Client client;
  constexpr int kThreads = 4;
  constexpr int kEach = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        client.update_defaults([](RequestConfig& d) {
          int n = d.max_redirects.value_or(0);
          d.max_redirects = n + 1;
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(client.defaults().max_redirects, kThreads * kEach);
}

}  // namespace
}  // namespace tether
