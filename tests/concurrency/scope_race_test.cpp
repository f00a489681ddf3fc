// A scope's destruction racing its requests and continuations, repeated;
// meant to run under ThreadSanitizer (make tsan) as well as normally. Each
// case bounds its work by iteration count, never by wall-clock time.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "support/server_process.hpp"
#include "tether/tether.hpp"

using namespace std::chrono_literals;

namespace {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kRounds = 60;
#else
constexpr int kRounds = 300;
#endif

// What a continuation that captured `this` touches. A use after destruction
// is a heap use-after-free (the sanitizers see it) and, without them, trips
// `alive`, which the destructor clears after the scope closed.
struct Owner {
  std::atomic<int>* violations;
  std::atomic<int>* ran;
  std::atomic<bool> alive{true};
  std::optional<tether::Scope> scope{std::in_place};

  ~Owner() {
    scope.reset();
    alive = false;
  }
  void on_response(const tether::Response&) {
    if (!alive) ++*violations;
    ++*ran;
  }
};

}  // namespace

TEST(ScopeRace, NothingRunsAfterDestructionEvenWhenRacing) {
  tether::test::TestServerProcess server;
  tether::Client client;
  std::atomic<int> violations{0};
  std::atomic<int> ran{0};
  std::vector<tether::Future<void>> outs;
  for (int round = 0; round < kRounds; ++round) {
    auto owner = std::make_unique<Owner>();
    owner->violations = &violations;
    owner->ran = &ran;
    Owner* self = owner.get();
    for (int i = 0; i < 4; ++i) {
      outs.push_back(self->scope->then(self->scope->get(client, server.url("/ok")),
                                       [self](tether::Response r) { self->on_response(r); }));
    }
    // Vary where the destruction lands: before, during or after the responses
    // and their continuations on the engine thread.
    for (int spin = 0; spin < (round % 7) * 200; ++spin) std::this_thread::yield();
    owner.reset();
  }
  for (auto& f : outs) {
    ASSERT_TRUE(f.wait_for(30s));
    auto r = f.result();
    if (!r) {
      EXPECT_TRUE(r.error().is_cancel()) << r.error().what();
    }
  }
  EXPECT_EQ(violations.load(), 0);
  RecordProperty("continuations_run", ran.load());
}
