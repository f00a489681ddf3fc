// How fast an abort travels: abort() → future settled, and abort() → the
// server saw the connection close, for requests waiting for their response
// headers on the project's test server (loopback).
//
// Run: make bench, or build/bench/tether_bench_abort_latency [aborts] [background]
// `background` requests stay in flight on the same engine during the
// measurement (does an abort stay fast under load?).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "client/client_core.hpp"
#include "support/test_server.hpp"
#include "tether/client.hpp"
#include "tether/limits.hpp"

using Clock = std::chrono::steady_clock;

namespace {

double micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

void report(const char* what, std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) { return samples[static_cast<std::size_t>(q * (samples.size() - 1))]; };
  std::printf("%-42s p50 %9.1f us   p99 %9.1f us   max %9.1f us   (n=%zu)\n", what, at(0.50),
              at(0.99), samples.back(), samples.size());
}

}  // namespace

int main(int argc, char** argv) {
  const int aborts = argc > 1 ? std::atoi(argv[1]) : 500;
  const int background = argc > 2 ? std::atoi(argv[2]) : 0;
  tether::raise_open_file_limit();  // background transfers each hold a socket
  tether::test::TestServer server;
  tether::Client client;

  tether::AbortController background_abort;
  std::vector<tether::Future<tether::Response>> others;
  for (int i = 0; i < background; ++i) {
    others.push_back(client.get(server.url("/headers-never?bg=" + std::to_string(i)),
                                {.signal = background_abort.signal()}));
  }
  if (background > 0 &&
      !server.wait_for_request("bg=" + std::to_string(background - 1), std::chrono::seconds(60))) {
    std::fprintf(stderr, "background requests did not arrive\n");
    return 1;
  }

  std::vector<double> settled, closed;
  for (int i = 0; i < aborts; ++i) {
    std::string tag = "a=" + std::to_string(i);
    tether::AbortController controller;
    auto future = client.get(server.url("/headers-never?" + tag), {.signal = controller.signal()});
    if (!server.wait_for_request(tag, std::chrono::seconds(10))) {
      std::fprintf(stderr, "request %d did not arrive\n", i);
      return 1;
    }
    auto start = Clock::now();
    controller.abort();
    bool ready = future.ready();  // settled inside abort(), on this thread
    auto after = Clock::now();
    auto seen = server.wait_for_client_close(tag, std::chrono::seconds(10));
    if (!ready || !seen) {
      std::fprintf(stderr, "abort %d: settled=%d close seen=%d\n", i, ready, seen.has_value());
      return 1;
    }
    settled.push_back(micros(after - start));
    closed.push_back(micros(*seen - start));
  }
  std::printf("abort latency, %d aborts, %d other requests in flight\n", aborts, background);
  report("abort() -> future settled", settled);
  report("abort() -> server saw the close", closed);
  background_abort.abort();
  return 0;
}
