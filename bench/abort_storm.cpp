// The abort() call of a storm, alone: N requests in flight on one signal (the
// test server's /headers-never never answers), then one abort(). Prints the
// call's wall time and the operator new allocations the aborting thread made
// inside it, per request. The call is abort_call() (never inlined), so that
//   valgrind --tool=callgrind --toggle-collect='abort_call*' tether_bench_abort_storm 1000
// counts its instructions only.
//
// Run: build/bench/tether_bench_abort_storm [n=1000] [prefault]
// With "prefault", memory for the call's allocations is faulted in first (and
// kept by malloc): the difference is what fresh pages cost the call.
#include <malloc.h>
#include <sys/resource.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "support/counting_new.hpp"
#include "support/server_process.hpp"
#include "tether/client.hpp"

using tether::test::counted_allocations;
using tether::test::counting_allocations;

// Not inlined: callgrind's --toggle-collect names it.
extern "C" __attribute__((noinline)) void abort_call(tether::AbortController& controller) {
  controller.abort();
}

int main(int argc, char** argv) {
  using Clock = std::chrono::steady_clock;
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  tether::test::TestServerProcess server;
  tether::Client client;
  client.get(server.url("/ok")).get();  // warm: the engine is up
  auto requests0 = server.stats()["requests"].get<std::size_t>();
  tether::AbortController controller;
  std::vector<tether::Future<tether::Response>> futures;
  futures.reserve(n);
  for (int i = 0; i < n; ++i) {
    futures.push_back(client.get(server.url("/headers-never"), {.signal = controller.signal()}));
  }
  if (!server.wait_for("requests", requests0 + n, std::chrono::minutes(5))) {
    std::fprintf(stderr, "the requests never all arrived\n");
    return 1;
  }
  if (argc > 2 && std::string(argv[2]) == "prefault") {
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    std::vector<char*> blocks;
    for (int i = 0; i < 2 * n; ++i) blocks.push_back(new char[2048]());
    for (char* b : blocks) delete[] b;
  }
  rusage before{}, after{};
  getrusage(RUSAGE_THREAD, &before);
  counting_allocations = true;
  auto start = Clock::now();
  abort_call(controller);
  auto end = Clock::now();
  counting_allocations = false;
  getrusage(RUSAGE_THREAD, &after);
  for (auto& f : futures) f.wait();
  double ms = std::chrono::duration<double, std::milli>(end - start).count();
  std::printf(
      "n=%d abort_call_ms=%.3f us_per_request=%.3f allocations_per_request=%.2f "
      "page_faults=%ld\n",
      n, ms, ms * 1000 / n, static_cast<double>(counted_allocations.load()) / n,
      after.ru_minflt - before.ru_minflt);
  return 0;
}
