// Faults (issue 12): every way a server or the network can break a request,
// one row each, against the project's test server. Each row checks the axios
// code, the transport detail, a clear message, and that the client leaves
// nothing behind once destroyed: no descriptor, no thread, no memory.
#include <gtest/gtest.h>
#include <malloc.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "support/test_server.hpp"
#include "tether/tether.hpp"

using namespace std::chrono_literals;
using tether::Client;
using tether::Error;
using tether::ErrorCode;
using tether::RequestConfig;
using tether::RequestPhase;
using tether::TransportError;
using tether::test::TestServer;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TETHER_FAULTS_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TETHER_FAULTS_SANITIZED 1
#endif
#endif

namespace {

constexpr auto kGenerous = 60s;

std::size_t count_entries(const char* dir) {
  std::size_t n = 0;
  if (DIR* d = ::opendir(dir)) {
    while (const dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
    ::closedir(d);
  }
  return n;  // (the opendir's own descriptor is in the count; it is in every count)
}
std::size_t open_fds() {
  return count_entries("/proc/self/fd");
}
std::size_t live_threads() {
  return count_entries("/proc/self/task");
}
std::size_t heap_in_use() {
  return mallinfo2().uordblks;
}

// Polls `now()` until it is back to `baseline` (closes and joins finish a
// moment after the client's destructor: the server sees the close later).
template <class F>
std::size_t settle_to(std::size_t baseline, F now) {
  auto until = std::chrono::steady_clock::now() + kGenerous;
  std::size_t value = now();
  while (value != baseline && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(5ms);
    value = now();
  }
  return value;
}

// A port on 127.0.0.1 where nothing listens.
std::uint16_t closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);  // bound, never listened: a connect is refused
  return ntohs(addr.sin_port);
}

struct Fault {
  const char* name;
  std::function<RequestConfig(const TestServer&)> config;
  ErrorCode code;
  TransportError transport;
  const char* message;  // the message starts with this
};

RequestConfig get(const TestServer& s, const char* path) {
  return RequestConfig{.url = s.url(path)};
}

const Fault kFaults[] = {
    {"RefusedConnection",
     [](const TestServer&) {
       return RequestConfig{.url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/"};
     },
     ErrorCode::Network, TransportError::Refused, "connection refused"},
    {"ResetBeforeHeaders", [](const TestServer& s) { return get(s, "/reset"); }, ErrorCode::Network,
     TransportError::Receive, "connection"},
    {"ResetDuringHeaders", [](const TestServer& s) { return get(s, "/fault/reset-in-headers"); },
     ErrorCode::Network, TransportError::Receive, "connection"},
    {"HalfHeadersThenClose", [](const TestServer& s) { return get(s, "/fault/close-in-headers"); },
     ErrorCode::Network, TransportError::Receive, "connection"},
    {"ResetDuringBody", [](const TestServer& s) { return get(s, "/reset-mid-body"); },
     ErrorCode::Network, TransportError::Receive, "connection"},
    {"InvalidStatusLine", [](const TestServer& s) { return get(s, "/malformed"); },
     ErrorCode::Network, TransportError::Protocol, "the server's response is not valid HTTP"},
    {"NonHttpReply", [](const TestServer& s) { return get(s, "/fault/non-http"); },
     ErrorCode::Network, TransportError::Protocol, "the server's response is not valid HTTP"},
    {"OversizedHeaders", [](const TestServer& s) { return get(s, "/big-header?bytes=1048576"); },
     ErrorCode::BadResponse, TransportError::TooLarge, "response headers too large"},
    {"ConflictingContentLength", [](const TestServer& s) { return get(s, "/framing/two-lengths"); },
     ErrorCode::BadResponse, TransportError::Protocol, "ambiguous response framing"},
    {"BadChunkSize", [](const TestServer& s) { return get(s, "/fault/bad-chunk"); },
     ErrorCode::Network, TransportError::Protocol, "the server's response is not valid HTTP"},
    {"EndlessBodyStoppedByMaxContentLength",
     [](const TestServer& s) {
       auto c = get(s, "/bytes/1099511627776");  // 1 TiB: endless for the test
       c.max_content_length = 65536;
       return c;
     },
     ErrorCode::BadResponse, TransportError::TooLarge, "maxContentLength size of 65536 exceeded"},
    {"SlowDripIdleTimeout",
     [](const TestServer& s) {
       auto c = get(s, "/drip?bytes=10&interval_ms=30000");
       c.idle_timeout = 200ms;
       return c;
     },
     ErrorCode::Timeout, TransportError::Timeout, "idle timeout of 200ms exceeded"},
    {"SlowDripTotalTimeout",
     [](const TestServer& s) {
       // A byte every 20 ms never idles, but never ends in time either.
       auto c = get(s, "/drip?bytes=100000&interval_ms=20");
       c.timeout = 300ms;
       return c;
     },
     ErrorCode::Timeout, TransportError::Timeout, "timeout of 300ms exceeded"},
};

// The request's Error; a request that succeeds or never settles fails the test.
Error failure_of(Client& client, RequestConfig config) {
  auto future = client.request(std::move(config));
  if (!future.wait_for(kGenerous)) {
    ADD_FAILURE() << "the request did not settle within " << kGenerous.count() << " s";
    return Error(ErrorCode::Unknown, "hung");
  }
  auto result = future.result();
  if (result) {
    ADD_FAILURE() << "the request succeeded with status " << result.value().status;
    return Error(ErrorCode::Unknown, "no error");
  }
  return result.error();
}

void PrintTo(const Fault& fault, std::ostream* os) {
  *os << fault.name;
}

// Every connection closed, by either side (the server's descriptors are ours too).
bool all_closed(const TestServer& server) {
  return settle_to(0, [&] { return server.open_count(); }) == 0;
}

struct Faults : ::testing::TestWithParam<Fault> {
  TestServer server;
};

TEST_P(Faults, ClearErrorAndNothingLeaks) {
  const Fault& fault = GetParam();
  // Warm-up: the process-wide parts (curl's global state, the shared executors
  // and timer thread) exist before the baseline.
  {
    Client client;
    failure_of(client, fault.config(server));
  }
  ASSERT_TRUE(all_closed(server));
  std::size_t fds = settle_to(open_fds(), open_fds);
  std::size_t threads = live_threads();
  std::size_t heap = heap_in_use();

  constexpr int kRounds = 3;
  for (int round = 0; round < kRounds; ++round) {
    Client client;
    Error e = failure_of(client, fault.config(server));
    std::string message = e.what();
    EXPECT_EQ(e.code(), fault.code) << message;
    EXPECT_EQ(e.transport(), fault.transport) << message;
    EXPECT_EQ(message.rfind(fault.message, 0), 0u) << "message: " << message;
    EXPECT_EQ(message.find("Out of memory"), std::string::npos) << message;
  }
  ASSERT_TRUE(all_closed(server));
  EXPECT_EQ(settle_to(fds, open_fds), fds) << "descriptors leaked";
  EXPECT_EQ(settle_to(threads, live_threads), threads) << "threads left running";
#ifndef TETHER_FAULTS_SANITIZED
  // Room for the test server's records and the allocator's per-thread caches;
  // a leaked transfer (a curl handle and its buffers) or engine is far more.
  std::size_t now = heap_in_use();
  EXPECT_LT(now > heap ? now - heap : 0, std::size_t{64} << 10)
      << "heap in use grew from " << heap << " to " << now;
#else
  (void)heap;  // LeakSanitizer checks memory under ASan
#endif
}

INSTANTIATE_TEST_SUITE_P(Server, Faults, ::testing::ValuesIn(kFaults),
                         [](const auto& info) { return std::string(info.param.name); });

// A kept-alive connection closed under the next request: curl sends an
// idempotent request again on a fresh connection, never a POST (the server
// counts what it received).
struct EarlyClose : ::testing::Test {
  TestServer server;
  std::size_t received(std::string_view tag) const {
    std::size_t n = 0;
    for (const auto& c : server.connections()) {
      for (const auto& target : c.targets) n += target.find(tag) != std::string::npos;
    }
    return n;
  }
};

TEST_F(EarlyClose, IdempotentRequestIsRetriedOnAFreshConnection) {
  Client client;
  auto first = client.get(server.url("/close-second?t=warm-get"));
  ASSERT_TRUE(first.wait_for(kGenerous));
  ASSERT_TRUE(first.result());
  auto second = client.get(server.url("/close-second?t=again-get"));
  ASSERT_TRUE(second.wait_for(kGenerous));
  auto result = second.result();
  ASSERT_TRUE(result) << result.error().what();
  EXPECT_EQ(result.value().status, 200);
  EXPECT_EQ(received("t=again-get"), 2u);
  EXPECT_EQ(server.accepted_count(), 2u);
}

TEST_F(EarlyClose, NonIdempotentRequestIsNeverSentTwice) {
  Client client;
  auto first = client.post(server.url("/close-second?t=warm-post"), std::string("one"));
  ASSERT_TRUE(first.wait_for(kGenerous));
  ASSERT_TRUE(first.result());
  Error e = failure_of(client, RequestConfig{.method = "POST",
                                             .url = server.url("/close-second?t=once-post"),
                                             .data = std::string("two")});
  EXPECT_EQ(e.code(), ErrorCode::Network) << e.what();
  EXPECT_EQ(e.transport(), TransportError::Receive) << e.what();
  EXPECT_TRUE(e.maybe_delivered());
  EXPECT_NE(std::string(e.what()).find("not idempotent"), std::string::npos) << e.what();
  EXPECT_EQ(received("t=once-post"), 1u);
}

}  // namespace
