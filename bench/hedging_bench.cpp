// Hedged requests against a slow tail: the project's test server answers 5%
// of requests after 200 ms (/tail), the others at once. For plain requests
// and for hedged ones (a fixed delay, and the p95 of recent latencies), the
// p50 / p99 latency seen by the caller and the extra load (requests the
// server received per request sent). Bounded: a few seconds.
//
// Run: make bench, or build/bench/tether_bench_hedging [requests] [in_flight]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "support/test_server.hpp"
#include "tether/client.hpp"

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

double millis(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

std::size_t received(const tether::test::TestServer& server, const std::string& tag) {
  std::size_t n = 0;
  for (const auto& c : server.connections()) {
    for (const auto& t : c.targets) n += t.find(tag) != std::string::npos ? 1 : 0;
  }
  return n;
}

// `requests` GETs of /tail, `in_flight` at a time; latencies in ms, each
// taken when its future settles (not when the loop gets to it).
std::vector<double> run(tether::Client& client, const tether::test::TestServer& server,
                        const std::string& tag, int requests, int in_flight,
                        std::optional<tether::HedgePolicy> hedge) {
  std::vector<double> latencies(static_cast<std::size_t>(requests));
  std::deque<tether::Future<void>> pending;
  for (int i = 0; i < requests; ++i) {
    if (static_cast<int>(pending.size()) >= in_flight) {
      pending.front().get();
      pending.pop_front();
    }
    tether::RequestConfig config{.url = server.url("/tail?pct=5&ms=200&run=" + tag)};
    config.hedge = hedge;
    auto started = Clock::now();
    double* slot = &latencies[static_cast<std::size_t>(i)];
    pending.push_back(client.request(std::move(config)).then([started, slot](tether::Response) {
      *slot = millis(Clock::now() - started);
    }));
  }
  for (auto& f : pending) f.get();
  return latencies;
}

void report(const char* what, std::vector<double> samples, std::size_t server_requests) {
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) { return samples[static_cast<std::size_t>(q * (samples.size() - 1))]; };
  std::printf(
      "%-34s p50 %7.2f ms   p99 %7.2f ms   max %7.2f ms   extra load %+5.1f%%\n", what, at(0.50),
      at(0.99), samples.back(),
      100.0 * (static_cast<double>(server_requests) / static_cast<double>(samples.size()) - 1.0));
}

}  // namespace

int main(int argc, char** argv) {
  const int requests = argc > 1 ? std::max(1, std::atoi(argv[1])) : 1000;
  const int in_flight = argc > 2 ? std::max(1, std::atoi(argv[2])) : 8;
  tether::test::TestServer server;
  std::printf("hedging: %d GETs, %d in flight, 5%% of answers delayed 200 ms (loopback)\n",
              requests, in_flight);
  struct Case {
    const char* name;
    std::optional<tether::HedgePolicy> hedge;
  };
  const Case cases[] = {
      {"no hedging", std::nullopt},
      {"hedged after 20 ms", tether::HedgePolicy{.max_extra = 1, .delay = 20ms}},
      {"hedged after p95 (default budget)",
       tether::HedgePolicy{.max_extra = 1, .delay = 20ms, .percentile = 0.95}},
  };
  int n = 0;
  for (const auto& c : cases) {
    tether::Client client;  // a budget and a latency window of its own
    std::string tag = "case" + std::to_string(n++);
    auto latencies = run(client, server, tag, requests, in_flight, c.hedge);
    report(c.name, std::move(latencies), received(server, "run=" + tag));
  }
}
