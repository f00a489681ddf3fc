// One request lifecycle (issue 8): user code that throws becomes the
// request's Error (never std::terminate, never a lost message), on the plain
// path and the interceptor/retry path alike; an abort shares the config
// instead of copying it; large bodies are decoded off the engine thread;
// retries use the transport detail.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/client_core.hpp"
#include "support/test_server.hpp"
#include "tether/tether.hpp"

using namespace std::chrono_literals;
using tether::Client;
using tether::Error;
using tether::ErrorCode;
using tether::RequestConfig;
using tether::Response;
using tether::test::TestServer;

namespace {

constexpr auto kGenerous = 10s;

// The two paths a request can take: plain, or through the pipeline (a
// pass-through interceptor and a retry policy).
struct Lifecycle : ::testing::TestWithParam<bool> {
  TestServer server;
  Client client;

  void SetUp() override {
    if (GetParam()) {
      client.interceptors().request.use([](RequestConfig c) { return c; });
    }
  }
  RequestConfig with_path(RequestConfig config) {
    if (GetParam()) config.retry = tether::RetryPolicy{.retries = 2, .delay = 1ms};
    return config;
  }
  // The request's error; request() itself must not throw.
  Error failure(RequestConfig config) {
    std::optional<tether::Future<Response>> future;
    EXPECT_NO_THROW(future.emplace(client.request(with_path(std::move(config)))));
    EXPECT_TRUE(future->wait_for(kGenerous));
    auto result = future->result();
    EXPECT_FALSE(result);
    return result ? Error(ErrorCode::Unknown, "no error") : result.error();
  }
};

// The error carries the user's message, and its exception as cause().
void expect_user_error(const Error& e, const std::string& message) {
  EXPECT_EQ(e.code(), ErrorCode::Unknown);
  EXPECT_EQ(std::string(e.what()), message);
  ASSERT_TRUE(e.cause());
  try {
    std::rethrow_exception(e.cause());
  } catch (const std::runtime_error& original) {
    EXPECT_EQ(std::string(original.what()), message);
  } catch (...) {
    ADD_FAILURE() << "cause() is not the exception thrown";
  }
  EXPECT_FALSE(e.config().url.empty()) << "the error names its request";
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Paths, Lifecycle, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Pipeline" : "Plain"; });

// Defect 1: validate_status ran on the engine thread outside any try.
TEST_P(Lifecycle, ThrowingValidateStatusFailsTheRequest) {
  RequestConfig config{.url = server.url("/ok")};
  config.validate_status = [](int) -> bool { throw std::runtime_error("validate boom"); };
  expect_user_error(failure(std::move(config)), "validate boom");
  // The engine lives on.
  EXPECT_EQ(client.get(server.url("/ok")).get().status, 200);
}

// Defect 2: transform_request and params_serializer escaped request().
TEST_P(Lifecycle, ThrowingTransformRequestFailsTheRequest) {
  RequestConfig config{.method = "POST", .url = server.url("/echo"), .data = "x"};
  config.transform_request.push_back(
      [](tether::Body, tether::Headers&) -> tether::Body { throw std::runtime_error("tr boom"); });
  expect_user_error(failure(std::move(config)), "tr boom");
  EXPECT_EQ(server.accepted_count(), 0u);  // nothing was sent
}

TEST_P(Lifecycle, ThrowingParamsSerializerFailsTheRequest) {
  RequestConfig config{.url = server.url("/ok"), .params = {{"q", "1"}}};
  config.params_serializer = [](const tether::Params&) -> std::string {
    throw std::runtime_error("params boom");
  };
  expect_user_error(failure(std::move(config)), "params boom");
}

TEST_P(Lifecycle, ThrowingTransformResponseFailsTheRequest) {
  RequestConfig config{.url = server.url("/ok")};
  config.transform_response.push_back([](tether::Data, const tether::Headers&) -> tether::Data {
    throw std::runtime_error("resp boom");
  });
  expect_user_error(failure(std::move(config)), "resp boom");
}

TEST_P(Lifecycle, ThrowingOnDataKeepsTheCause) {
  RequestConfig config{.url = server.url("/bytes/1000")};
  config.on_data = [](std::string_view) { throw std::runtime_error("on_data boom"); };
  expect_user_error(failure(std::move(config)), "on_data boom");
}

TEST_P(Lifecycle, ThrowingProgressCallbackKeepsTheCause) {
  RequestConfig config{.url = server.url("/bytes/100000")};
  config.on_download_progress = [](const tether::ProgressEvent&) {
    throw std::runtime_error("progress boom");
  };
  expect_user_error(failure(std::move(config)), "progress boom");
}

TEST_P(Lifecycle, ThrowingContinuationFailsItsFuture) {
  auto next = client.request(with_path({.url = server.url("/ok")})).then([](Response) -> int {
    throw std::runtime_error("then boom");
  });
  auto result = next.result();
  ASSERT_FALSE(result);
  EXPECT_EQ(std::string(result.error().what()), "then boom");
  EXPECT_TRUE(result.error().cause());
}

// A large response is decoded off the engine thread; its continuation still
// runs on the engine thread. A small one is decoded inline.
TEST_P(Lifecycle, LargeBodiesAreDecodedOffTheEngineThread) {
  auto executor = client.executor();
  for (std::size_t size : {std::size_t(100), std::size_t(1) << 20}) {
    std::atomic<int> on_engine{-1};
    RequestConfig config{
        .method = "POST", .url = server.url("/echo"), .data = std::string(size, 'j')};
    config.transform_response.push_back([&, executor](tether::Data data, const tether::Headers&) {
      on_engine = executor->running_in_this_thread();
      return data;
    });
    auto continued = client.request(with_path(std::move(config))).then([executor](Response r) {
      return std::make_pair(executor->running_in_this_thread(), r.data.json()["body"].size());
    });
    auto [continuation_on_engine, body] = continued.get();
    EXPECT_EQ(on_engine.load(), size < 64 * 1024 ? 1 : 0) << size;
    EXPECT_TRUE(continuation_on_engine);
  }
}

// An abort does not wait for a decode in progress: it settles at once.
TEST_P(Lifecycle, AbortDuringADecodeSettlesAtOnce) {
  std::promise<void> entered;
  std::promise<void> release;
  auto released = release.get_future().share();
  tether::AbortController controller;
  RequestConfig config{.method = "POST",
                       .url = server.url("/echo"),
                       .data = std::string(1 << 20, 'd'),
                       .signal = controller.signal()};
  config.transform_response.push_back([&, released](tether::Data data, const tether::Headers&) {
    entered.set_value();
    released.wait();
    return data;
  });
  auto request = client.request(with_path(std::move(config)));
  ASSERT_EQ(entered.get_future().wait_for(kGenerous), std::future_status::ready);
  controller.abort();
  EXPECT_TRUE(request.ready());  // on this thread, before abort() returned
  release.set_value();
  auto result = request.result();
  ASSERT_FALSE(result);
  EXPECT_TRUE(result.error().is_cancel());
  // Meanwhile the engine kept serving.
  EXPECT_EQ(client.get(server.url("/ok")).get().status, 200);
}

// An abort shares the request's config with its Error: a 64 MB body is not
// copied on the aborting thread.
TEST(LifecycleAbort, AbortWithAnInterceptorDoesNotCopyTheConfig) {
  TestServer server;
  Client client;
  std::atomic<const char*> sent{nullptr};
  client.interceptors().request.use([&](RequestConfig c) {
    sent = c.data.text()->data();  // the buffer of the config the request goes on with
    return c;
  });
  tether::AbortController controller;
  auto url = server.url("/headers-never?t=big");
  auto request = client.post(url, std::string(64 << 20, 'b'), {.signal = controller.signal()});
  ASSERT_TRUE(server.wait_for_request("t=big", 60s));
  controller.abort();
  ASSERT_TRUE(request.ready());
  auto result = request.result();
  ASSERT_FALSE(result);
  EXPECT_TRUE(result.error().is_cancel());
  ASSERT_NE(result.error().config().data.text(), nullptr);
  EXPECT_EQ(result.error().config().data.text()->data(), sent.load());
}

TEST(LifecycleAbort, PlainAbortDoesNotCopyTheConfig) {
  TestServer server;
  Client client;
  tether::AbortController controller;
  RequestConfig config{.method = "POST",
                       .url = server.url("/headers-never?t=plain"),
                       .data = std::string(8 << 20, 'p'),
                       .signal = controller.signal()};
  const char* buffer = config.data.text()->data();
  auto request = client.request(std::move(config));
  ASSERT_TRUE(server.wait_for_request("t=plain", 60s));
  controller.abort();
  auto result = request.result();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().config().data.text()->data(), buffer);
}

// Answers every connection with plain HTTP and closes it, counting them: a
// TLS handshake against it fails as curl reads "HTTP/1.0" as a TLS record.
class PlainAnswerer {
 public:
  PlainAnswerer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      for (;;) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;  // closed by the destructor
        ++accepted_;
        const char reply[] = "HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
        (void)!::write(c, reply, sizeof reply - 1);
        ::close(c);
      }
    });
  }
  ~PlainAnswerer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string https_url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/"; }
  int accepted() const { return accepted_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

// Retries use the transport detail: a TLS handshake failure or a broken HTTP
// reply is not transient, so it is tried once.
TEST(LifecycleRetry, TlsHandshakeFailuresAreNotRetried) {
  PlainAnswerer answerer;
  Client client;
  RequestConfig config{.url = answerer.https_url(), .timeout = 20s};
  config.retry = tether::RetryPolicy{.retries = 3, .delay = 1ms};
  auto result = client.request(config).result();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::Network);
  EXPECT_FALSE(result.error().is_transient()) << tether::to_string(result.error().transport());
  EXPECT_EQ(answerer.accepted(), 1);
}

TEST(LifecycleRetry, ProtocolErrorsAreNotRetried) {
  TestServer server;
  Client client;
  RequestConfig config{.url = server.url("/malformed?t=m"), .timeout = 20s};
  config.retry = tether::RetryPolicy{.retries = 3, .delay = 1ms};
  auto result = client.request(config).result();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::Network);
  EXPECT_FALSE(result.error().is_transient()) << tether::to_string(result.error().transport());
  EXPECT_EQ(server.accepted_count(), 1u);
}

TEST(LifecycleRetry, TransientNetworkErrorsAreRetried) {
  TestServer server;
  Client client;
  RequestConfig config{.url = server.url("/reset?t=r")};
  config.retry = tether::RetryPolicy{.retries = 2, .delay = 1ms};
  auto result = client.request(config).result();
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().transport(), tether::TransportError::None);
  EXPECT_TRUE(result.error().is_transient())
      << tether::to_string(result.error().transport()) << ": " << result.error().what();
  EXPECT_EQ(server.accepted_count(), 3u);
}

// Client destruction is an outcome at every stage: a request waiting in an
// interceptor or in a retry back-off settles too.
TEST(LifecycleClientGone, SettlesRequestsInAnInterceptorAndInBackOff) {
  TestServer server;
  auto client = std::make_unique<Client>();
  auto gate = std::make_shared<tether::Promise<RequestConfig>>();
  std::promise<void> entered;
  client->interceptors().request.use([&, gate](RequestConfig c) {
    if (c.url.find("gate") == std::string::npos) return tether::make_ready_future(std::move(c));
    entered.set_value();
    return gate->get_future();  // never settled while the client lives
  });
  auto waiting = client->get(server.url("/ok?gate"));
  RequestConfig config{.url = server.url("/flaky?key=gone&fail=5")};
  config.retry = tether::RetryPolicy{.retries = 3, .delay = 60s, .jitter = false};
  auto backing_off = client->request(config);
  ASSERT_EQ(entered.get_future().wait_for(kGenerous), std::future_status::ready);
  ASSERT_TRUE(server.wait_for_request("key=gone", kGenerous));
  // In back-off once the first try's transfer is gone.
  auto& engine = tether::detail::ClientAccess::engine(*client);
  auto until = std::chrono::steady_clock::now() + kGenerous;
  while (engine.active_transfers() != 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::yield();
  }
  ASSERT_EQ(engine.active_transfers(), 0u);
  client.reset();
  for (auto* request : {&waiting, &backing_off}) {
    ASSERT_TRUE(request->wait_for(kGenerous));
    auto result = request->result();
    ASSERT_FALSE(result);
    EXPECT_TRUE(result.error().is_cancel());
    EXPECT_EQ(result.error().reason()->message, "client destroyed");
  }
  gate->set_value(RequestConfig{});
}

// --- found in review ---

TEST(LifecycleReview, AnInterceptorsEmptyFutureFailsTheRequestWithItsMisuse) {
  TestServer server;
  Client client;
  client.interceptors().request.use(
      [](RequestConfig) -> tether::Future<RequestConfig> { return {}; });
  auto result = client.get(server.url("/ok")).result();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::BadOptionValue);
  EXPECT_NE(std::string(result.error().what()).find("empty tether::Future"), std::string::npos)
      << result.error().what();
}

TEST(LifecycleReview, ASignalAnInterceptorAttachesCancelsTheRequest) {
  // axios reads config.signal after the request interceptors.
  TestServer server;
  Client client;
  tether::AbortController controller;
  client.interceptors().request.use([&](RequestConfig c) {
    c.signal = controller.signal();
    return c;
  });
  auto future = client.get(server.url("/headers-never"));
  auto& engine = tether::detail::ClientAccess::engine(client);
  for (int i = 0; i < 10'000 && engine.active_transfers() == 0; ++i) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(engine.active_transfers(), 1u) << "the request never started";
  controller.abort();
  ASSERT_TRUE(future.ready());
  EXPECT_TRUE(future.result().error().is_cancel());
}

TEST(LifecycleReview, ABackOffPastTheWholeTimeoutEndsWithTheRealError) {
  // Retry-After asks for 60 s; the whole-request timeout is 2 s: the request
  // ends at once with the 503, not two seconds later with a timeout.
  TestServer server;
  Client client;
  RequestConfig config{.url = server.url("/flaky?key=backoff&fail=5&retry_after=60"),
                       .timeout = 2s};
  config.retry = tether::RetryPolicy{.retries = 3, .delay = 1ms};
  auto result = client.request(config).result();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::BadResponse) << result.error().what();
  ASSERT_TRUE(result.error().response());
  EXPECT_EQ(result.error().response()->status, 503);
}

TEST(LifecycleReview, OnDataIsQuietOnceTheRequestIsAborted) {
  TestServer server;
  Client client;
  tether::AbortController controller;
  std::atomic<bool> aborted{false};
  std::atomic<int> after_abort{0};
  std::promise<void> first;
  std::atomic<bool> got{false};
  RequestConfig config{.url = server.url("/drip?bytes=400&interval_ms=5"),
                       .signal = controller.signal()};
  config.response_type = tether::ResponseType::Stream;
  config.on_data = [&](std::string_view) {
    if (aborted) ++after_abort;
    if (!got.exchange(true)) first.set_value();
  };
  auto future = client.request(std::move(config));
  ASSERT_EQ(first.get_future().wait_for(kGenerous), std::future_status::ready);
  aborted = true;
  controller.abort();
  EXPECT_TRUE(future.result().error().is_cancel());
  // Drain the engine: anything it still had for this transfer has run.
  auto& engine = tether::detail::ClientAccess::engine(client);
  (void)engine.idle_timers();
  EXPECT_EQ(after_abort.load(), 0);
}

TEST(LifecycleReview, ARejectedResponseSharesTheRequestBody) {
  // A 4xx carries the request's config in its Error and Response; a large
  // body is shared, never copied (on the engine thread or anywhere).
  TestServer server;
  Client client;
  tether::Body body(std::string(16 << 20, 'x'));
  const std::string* payload = body.text();
  auto result = client.put(server.url("/status/404"), body).result();
  ASSERT_FALSE(result);
  ASSERT_TRUE(result.error().response());
  EXPECT_EQ(result.error().config().data.text(), payload);
  EXPECT_EQ(result.error().response()->config.data.text(), payload);
}
