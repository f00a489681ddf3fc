// A request's state, its future's state and its config share one allocation
// (client/request_block.hpp) but keep their own lifetimes: these tests would
// catch a cycle (a leak), a future left hanging, or a config freed under an
// Error or a Response.
#include "client/request_block.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "client/request_state.hpp"
#include "tether/abort.hpp"
#include "tether/client.hpp"
#include "tether/testing.hpp"

using namespace std::chrono_literals;
using tether::AbortController;
using tether::Client;
using tether::Error;
using tether::ErrorCode;
using tether::RequestConfig;
using tether::Response;
using tether::testing::MockTransport;
using tether::testing::Reply;

namespace {

struct Tracked {
  explicit Tracked(std::atomic<int>* alive) : alive_(alive) { ++*alive_; }
  ~Tracked() { --*alive_; }
  std::atomic<int>* alive_;
};

// An executor that runs nothing (the tests settle by hand).
struct NoExecutor final : tether::Executor {
  void post(std::function<void()>) override {}
  bool running_in_this_thread() const noexcept override { return false; }
};

// A stand-in for the request state: a Promise and a config in one block.
struct FakeState {
  FakeState(tether::detail::RequestParts&& parts, std::atomic<int>* alive)
      : promise(std::move(parts.promise)), config(std::move(parts.config)), tracked(alive) {}
  tether::Promise<Response> promise;
  std::shared_ptr<RequestConfig> config;
  Tracked tracked;
};

}  // namespace

TEST(RequestBlock, StateDroppedUnsettledBreaksItsFuture) {
  std::atomic<int> alive{0};
  auto state = tether::detail::make_request_state<FakeState>(std::make_shared<NoExecutor>(),
                                                             RequestConfig{.url = "u"}, &alive);
  auto future = state->promise.get_future();
  EXPECT_EQ(alive.load(), 1);
  state.reset();  // the future alone does not keep the state alive
  EXPECT_EQ(alive.load(), 0);
  ASSERT_TRUE(future.ready());
  auto result = std::move(future).result();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::Unknown);
}

TEST(RequestBlock, ErrorKeepsItsConfigAfterStateAndFutureAreGone) {
  std::atomic<int> alive{0};
  auto state = tether::detail::make_request_state<FakeState>(
      std::make_shared<NoExecutor>(), RequestConfig{.url = "http://127.0.0.1:1/kept"}, &alive);
  auto future = state->promise.get_future();
  std::shared_ptr<const RequestConfig> shared = state->config;
  state->promise.set_error(
      Error(ErrorCode::Canceled, "stop").with_request(shared, tether::RequestPhase::Queued, false));
  shared.reset();
  state.reset();
  EXPECT_EQ(alive.load(), 0);
  auto result = std::move(future).result();  // the future goes; the Error stays
  ASSERT_FALSE(result);
  Error error = result.error();
  EXPECT_EQ(error.config().url, "http://127.0.0.1:1/kept");
}

TEST(RequestBlock, ErrorStoredInTheFutureMakesNoCycle) {
  // The future's outcome shares the config of the same block: everything is
  // freed once the handles are (LeakSanitizer would report a cycle).
  std::weak_ptr<RequestConfig> weak_config;
  {
    std::atomic<int> alive{0};
    auto state = tether::detail::make_request_state<FakeState>(std::make_shared<NoExecutor>(),
                                                               RequestConfig{.url = "u"}, &alive);
    weak_config = state->config;
    auto future = state->promise.get_future();
    state->promise.set_error(Error(ErrorCode::Canceled, "stop")
                                 .with_request(std::shared_ptr<const RequestConfig>(state->config),
                                               tether::RequestPhase::Queued, false));
    state.reset();
    EXPECT_FALSE(weak_config.expired());  // the Error in the future holds it
  }
  EXPECT_TRUE(weak_config.expired());
}

TEST(RequestBlock, FutureOutlivesItsClient) {
  auto mock = MockTransport::create();
  mock->on({.url = "http://127.0.0.1:1/a"}, Reply::text(200, "hello"));
  tether::Future<Response> future;
  {
    Client client({}, {.transport = mock});
    future = client.get("http://127.0.0.1:1/a");
    ASSERT_TRUE(future.wait_for(10s));
  }
  auto response = std::move(future).get();
  EXPECT_EQ(response.data.text(), "hello");
  EXPECT_EQ(response.config.url, "http://127.0.0.1:1/a");
}

TEST(RequestBlock, UnsettledFutureOutlivesItsClientAndSettles) {
  auto mock = MockTransport::create();
  mock->on({.url = "http://127.0.0.1:1/hang"}, Reply::hang());
  tether::Future<Response> future;
  {
    Client client({}, {.transport = mock});
    future = client.get("http://127.0.0.1:1/hang");
  }
  ASSERT_TRUE(future.wait_for(10s));  // the client's end settles it
  auto result = std::move(future).result();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().config().url, "http://127.0.0.1:1/hang");
}

TEST(RequestBlock, AbortRacingSettleSettlesOnce) {
  auto mock = MockTransport::create();
  mock->on({.url = "http://127.0.0.1:1/r"}, Reply::text(200, "ok"));
  Client client({}, {.transport = mock});
  for (int i = 0; i < 200; ++i) {
    AbortController controller;
    auto future = client.get("http://127.0.0.1:1/r", {.signal = controller.signal()});
    std::thread aborter([&] { controller.abort(); });
    aborter.join();
    ASSERT_TRUE(future.wait_for(10s));
    auto result = std::move(future).result();
    // Either outcome, with its config intact.
    if (result) {
      EXPECT_EQ(result.value().config.url, "http://127.0.0.1:1/r");
    } else {
      EXPECT_TRUE(result.error().is_cancel());
      EXPECT_EQ(result.error().config().url, "http://127.0.0.1:1/r");
    }
  }
}

TEST(RequestBlock, PipelineRequestsStillWork) {
  // Interceptors take the non-plain path (Pipeline), in its own block.
  auto mock = MockTransport::create();
  mock->on({.url = "http://127.0.0.1:1/p"}, Reply::text(200, "piped"));
  Client client({}, {.transport = mock});
  client.interceptors().request.use([](RequestConfig config) {
    config.headers.set("X-Seen", "1");
    return config;
  });
  auto response = client.get("http://127.0.0.1:1/p").get();
  EXPECT_EQ(response.data.text(), "piped");
  EXPECT_EQ(response.config.headers.get("X-Seen"), "1");
}
