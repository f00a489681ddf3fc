// What the aborting thread allocates inside one abort() of many requests in
// flight (issue 13): per request the canceled Error (one allocation), and
// nothing for the future's outcome (a Result holds an Error in place), the
// signal's listener walk, the registration release or the batched cancel. This binary
// replaces the global operator new and counts the calling thread's
// allocations only while the abort() call runs.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "support/counting_new.hpp"
#include "support/test_server.hpp"
#include "tether/tether.hpp"

using tether::test::counted_allocations;
using tether::test::counting_allocations;

namespace {

using namespace std::chrono_literals;
using tether::test::TestServer;

// `requests` requests in flight (the server has each) on one signal; returns
// the allocations the calling thread made inside abort().
long storm(tether::Client& client, TestServer& server, int requests, int round) {
  tether::AbortController controller;
  std::vector<tether::Future<tether::Response>> futures;
  std::vector<std::string> tags;
  for (int i = 0; i < requests; ++i) {
    tags.push_back("abort-alloc-" + std::to_string(round) + "-" + std::to_string(i));
    futures.push_back(
        client.get(server.url("/headers-never?" + tags.back()), {.signal = controller.signal()}));
  }
  for (const auto& tag : tags) {
    EXPECT_TRUE(server.wait_for_request(tag, 30s)) << tag << " never arrived";
  }
  counted_allocations = 0;
  counting_allocations = true;
  controller.abort();
  counting_allocations = false;
  for (auto& f : futures) {
    EXPECT_TRUE(f.wait_for(30s));
    auto result = f.result();
    EXPECT_TRUE(!result.has_value() && result.error().is_cancel());
  }
  return counted_allocations.load();
}

TEST(AbortAllocations, PerRequestOnlyTheErrorAndItsStorage) {
  TestServer server;
  tether::Client client;
  // The first storm sizes what the thread keeps for the next (the held
  // cancels' buffer); then the difference between a storm of 32 and one of
  // 16 is the per-request part (a call's own few allocations cancel out).
  storm(client, server, 32, 0);
  long small = storm(client, server, 16, 1);
  long large = storm(client, server, 32, 2);
  // One per request, the Error (a Result holds a Response on the heap, an
  // Error in place); was 3 when the Error took two and the Result one.
  EXPECT_LE(large - small, 1 * 16 + 2)
      << small << " allocations for 16 requests, " << large << " for 32";
  EXPECT_LE(small, 1 * 16 + 4) << small << " allocations for 16 requests";
}

}  // namespace
