// The cost of aborting a full queue: 1,000 requests queued behind a limit of
// 4 (four requests the server never answers hold the slots), then
//   - one abort() whose signal they all share (the slots' holders too),
//   - or 1,000 abort() calls, one per request's own controller,
// timed from the first abort() call until every queued future has settled.
// Each queued request settles inside its abort() call (on the aborting
// thread); the server must have seen only the four slot holders.
//
// Run: make bench, or build/bench/tether_bench_queue [queued] [rounds]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "client/client_core.hpp"
#include "support/test_server.hpp"
#include "tether/client.hpp"

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kLimit = 4;

double micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

struct Round {
  double abort_call_us = 0;   // the abort() call(s)
  double all_settled_us = 0;  // from the first abort() until every future is ready
  bool opened_nothing = false;
};

// One round on a fresh client: kLimit holders, `queued` waiting, then aborts.
Round run(tether::test::TestServer& server, int queued, bool one_signal) {
  tether::Client client(tether::RequestConfig{}, tether::ClientOptions{.max_requests = kLimit});
  auto* queue = tether::detail::ClientAccess::queue(client);
  auto accepted_before = server.accepted_count();
  tether::AbortController shared;
  std::vector<tether::AbortController> own(one_signal ? 0 : queued);
  std::vector<tether::Future<tether::Response>> holders, waiting;
  for (std::size_t i = 0; i < kLimit; ++i) {
    holders.push_back(client.get(server.url("/headers-never?hold"), {.signal = shared.signal()}));
  }
  for (int i = 0; i < queued; ++i) {
    waiting.push_back(client.get(server.url("/ok?queued"),
                                 {.signal = one_signal ? shared.signal() : own[i].signal()}));
  }
  while (queue->waiting() != static_cast<std::size_t>(queued)) std::this_thread::yield();

  Round round;
  auto start = Clock::now();
  if (one_signal) {
    shared.abort();
  } else {
    for (auto& controller : own) controller.abort();
  }
  round.abort_call_us = micros(Clock::now() - start);
  for (auto& f : waiting) f.wait();
  round.all_settled_us = micros(Clock::now() - start);
  if (!one_signal) shared.abort();
  for (auto& f : holders) f.wait_for(10s);
  round.opened_nothing = server.accepted_count() - accepted_before <= kLimit &&
                         !server.wait_for_request("queued", 0ms);
  return round;
}

void report(const char* what, std::vector<Round> rounds, int queued) {
  auto median = [&](double Round::*field) {
    std::vector<double> v;
    for (const auto& r : rounds) v.push_back(r.*field);
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  bool clean =
      std::all_of(rounds.begin(), rounds.end(), [](const Round& r) { return r.opened_nothing; });
  std::printf("%-34s %10.1f %14.1f %12.3f   %s\n", what, median(&Round::abort_call_us),
              median(&Round::all_settled_us), median(&Round::all_settled_us) / queued,
              clean ? "none" : "SOME (bug)");
}

}  // namespace

int main(int argc, char** argv) {
  const int queued = argc > 1 ? std::max(1, std::atoi(argv[1])) : 1000;
  const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
  tether::test::TestServer server;
  std::printf("%d requests queued behind a limit of %zu; median of %d rounds\n", queued, kLimit,
              rounds);
  std::printf("%-34s %10s %14s %12s   %s\n", "", "abort() us", "all settled us", "us/request",
              "queued ones at server");
  for (bool one_signal : {true, false}) {
    std::vector<Round> results;
    for (int r = 0; r < rounds; ++r) results.push_back(run(server, queued, one_signal));
    report(one_signal ? "one signal aborts them all" : "one abort() per request", results, queued);
  }
  return 0;
}
