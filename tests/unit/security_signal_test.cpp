// Security: a long-lived AbortSignal or CancelToken (a server's shutdown
// signal, shared by every request it makes) keeps flat memory however many
// registrations come and go on it.
#include <gtest/gtest.h>
#include <malloc.h>

#include <cstddef>

#include "abort/signal_state.hpp"
#include "tether/abort.hpp"
#include "tether/cancel_token.hpp"

namespace {

std::size_t heap_in_use() {
  return mallinfo2().uordblks;
}

TEST(SecuritySignal, AMillionRegistrationsKeepFlatMemory) {
  tether::AbortController long_lived;
  auto source = tether::CancelToken::source();
  const tether::AbortSignal signal = long_lived.signal();
  auto one_request = [&](int i) {
    // What a request does with its signal and token: register, maybe combine
    // with its own, and let go when it settles.
    auto registration = signal.on_abort([](const tether::AbortReason&) {});
    auto subscription = source.token.subscribe([](const tether::Cancel&) {});
    if (i % 4 == 0) {
      tether::AbortController own;
      auto both = tether::AbortSignal::any({signal, own.signal()});
      auto inner = both.on_abort([](const tether::AbortReason&) {});
    }
  };
  for (int i = 0; i < 1000; ++i) one_request(i);  // warm-up: allocator caches settle
  const std::size_t before = heap_in_use();
  std::size_t most_listeners = 0;
  constexpr int kRequests = 1'000'000;
  for (int i = 0; i < kRequests; ++i) {
    one_request(i);
    if (i % 100'000 == 0) {
      most_listeners = std::max(most_listeners, tether::detail::listener_count(signal));
    }
  }
  const std::size_t after = heap_in_use();
  EXPECT_EQ(tether::detail::listener_count(signal), 0u);
  EXPECT_EQ(tether::detail::listener_count(source.token.signal()), 0u);
  EXPECT_EQ(most_listeners, 0u);
  // One leaked node per registration would be tens of MiB; allow allocator noise.
  EXPECT_LT(after, before + (1u << 20)) << "before " << before << ", after " << after;
  EXPECT_FALSE(signal.aborted());
  long_lived.abort();  // still works after a million registrations came and went
  EXPECT_TRUE(signal.aborted());
}

}  // namespace
