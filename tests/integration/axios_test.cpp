// The Client as an axios user expects it: the cancellation page's examples,
// interceptors, config merging, base_url safety, transforms, proxy, retries.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client/client_core.hpp"
#include "support/test_server.hpp"
#include "tether/tether.hpp"

using namespace std::chrono_literals;
using tether::Client;
using tether::Error;
using tether::ErrorCode;
using tether::Future;
using tether::RequestConfig;
using tether::Response;
using tether::test::TestServer;

namespace {

constexpr auto kGenerous = 10s;

// Runs what is already queued on `executor`: a marker task queued last.
bool drain(tether::Executor& executor) {
  auto done = std::make_shared<std::promise<void>>();
  auto reached = done->get_future();
  executor.post([done] { done->set_value(); });
  return reached.wait_for(kGenerous) == std::future_status::ready;
}

// Polls `condition` (a state, never a duration) until it holds, within a
// generous bound.
template <class F>
bool eventually(F condition) {
  auto until = std::chrono::steady_clock::now() + kGenerous;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::yield();
  }
  return true;
}

struct Axios : ::testing::Test {
  TestServer server;
  Client client;  // what `axios` is in the examples

  std::string unique(std::string_view path) {
    static std::atomic<int> n{0};
    std::string p(path);
    return server.url(p + (p.find('?') == std::string::npos ? "?" : "&") +
                      "u=" + std::to_string(n++));
  }
  std::size_t requests_seen(std::string_view tag) {
    std::size_t n = 0;
    for (const auto& c : server.connections()) {
      for (const auto& t : c.targets) n += t.find(tag) != std::string::npos;
    }
    return n;
  }
};

}  // namespace

// --- reference/axios-cancellation.md, example by example ---

TEST_F(Axios, AbortControllerExample) {
  tether::AbortController controller;
  auto url = unique("/headers-never");
  auto request = client.get(url, {.signal = controller.signal()});
  ASSERT_TRUE(server.wait_for_request(url.substr(url.find("u=")), kGenerous));
  controller.abort();  // cancel the request
  auto result = request.result();
  ASSERT_FALSE(result);
  EXPECT_TRUE(tether::is_cancel(result.error()));
  EXPECT_EQ(tether::to_string(result.error().code()), "ERR_CANCELED");
}

TEST_F(Axios, CancelTokenSourceExample) {
  auto source = tether::CancelToken::source();
  auto get = client.get(unique("/headers-never"), {.cancel_token = source.token});
  auto post = client.post(unique("/headers-never"), nlohmann::json{{"name", "new name"}},
                          {.cancel_token = source.token});
  // cancel the request (the message parameter is optional)
  source.cancel("Operation canceled by the user.");
  for (auto* f : {&get, &post}) {
    try {
      f->get();
      FAIL() << "not canceled";
    } catch (const std::exception& thrown) {
      ASSERT_TRUE(tether::is_cancel(thrown));
      EXPECT_STREQ(thrown.what(), "Operation canceled by the user.");
    }
  }
}

TEST_F(Axios, CancelTokenExecutorExample) {
  tether::CancelToken::CancelFunction cancel;
  auto request = client.get(unique("/headers-never"),
                            {.cancel_token = tether::CancelToken(
                                 [&](tether::CancelToken::CancelFunction c) { cancel = c; })});
  cancel({});  // cancel the request
  auto result = request.result();
  ASSERT_FALSE(result);
  EXPECT_TRUE(result.error().is_cancel());
  EXPECT_STREQ(result.error().what(), "canceled");
}

TEST_F(Axios, BothApisOnOneRequestTokenFires) {
  tether::AbortController controller;
  auto source = tether::CancelToken::source();
  auto get = client.get(unique("/headers-never"),
                        {.signal = controller.signal(), .cancel_token = source.token});
  auto post = client.post(unique("/headers-never"), nlohmann::json{{"name", "new name"}},
                          {.cancel_token = source.token});
  source.cancel("Operation canceled by the user.");
  for (auto* f : {&get, &post}) {
    auto r = f->result();
    ASSERT_FALSE(r);
    EXPECT_TRUE(tether::is_cancel(r.error()));
    EXPECT_STREQ(r.error().what(), "Operation canceled by the user.");
  }
}

TEST_F(Axios, BothApisOnOneRequestSignalFires) {
  tether::AbortController controller;
  auto source = tether::CancelToken::source();
  auto get = client.get(unique("/headers-never"),
                        {.signal = controller.signal(), .cancel_token = source.token});
  controller.abort();  // the message parameter is not supported
  auto r = get.result();
  ASSERT_FALSE(r);
  EXPECT_TRUE(tether::is_cancel(r.error()));
  EXPECT_STREQ(r.error().what(), "canceled");
  EXPECT_FALSE(source.token.requested());
}

// --- interceptors ---

TEST_F(Axios, InterceptorOrderIsAxios) {
  std::vector<std::string> order;
  std::mutex mu;
  auto log = [&](std::string s) {
    std::lock_guard lock(mu);
    order.push_back(std::move(s));
  };
  client.interceptors().request.use([&](RequestConfig c) {
    log("request 1");
    return c;
  });
  client.interceptors().request.use([&](RequestConfig c) {
    log("request 2");
    return c;
  });
  client.interceptors().response.use([&](Response r) {
    log("response 1");
    return r;
  });
  client.interceptors().response.use([&](Response r) {
    log("response 2");
    return r;
  });
  ASSERT_TRUE(client.get(server.url("/ok")).result());
  EXPECT_EQ(order,
            (std::vector<std::string>{"request 2", "request 1", "response 1", "response 2"}));
}

TEST_F(Axios, InterceptorsChangeTheRequestAndTheResponse) {
  client.interceptors().request.use([](RequestConfig c) {
    c.headers.set("Authorization", "Bearer from-interceptor");
    return c;
  });
  client.interceptors().response.use([](Response r) {
    r.headers.set("X-Seen", "yes");
    return r;
  });
  auto r = client.get(server.url("/echo")).get();
  EXPECT_EQ(r.data.json()["headers"]["authorization"], "Bearer from-interceptor");
  EXPECT_EQ(r.headers.get("x-seen"), "yes");
}

TEST_F(Axios, EjectAndClear) {
  int runs = 0;
  auto id = client.interceptors().request.use([&](RequestConfig c) {
    ++runs;
    return c;
  });
  client.get(server.url("/ok")).get();
  EXPECT_TRUE(client.interceptors().request.eject(id));
  EXPECT_FALSE(client.interceptors().request.eject(id));
  client.get(server.url("/ok")).get();
  EXPECT_EQ(runs, 1);
  client.interceptors().response.use([&](Response r) {
    ++runs;
    return r;
  });
  client.interceptors().response.clear();
  client.get(server.url("/ok")).get();
  EXPECT_EQ(runs, 1);
}

TEST_F(Axios, RunWhen) {
  int runs = 0;
  client.interceptors().request.use(
      [&](RequestConfig c) {
        ++runs;
        return c;
      },
      [](const RequestConfig& c) { return c.method == "POST"; });
  client.get(server.url("/ok")).get();
  client.post(server.url("/echo"), "x").get();
  EXPECT_EQ(runs, 1);
}

TEST_F(Axios, AsyncInterceptorReturningAFuture) {
  client.interceptors().request.use([](RequestConfig c) {
    tether::Promise<RequestConfig> later;
    auto f = later.get_future();
    std::thread([p = std::move(later), c]() mutable {
      std::this_thread::sleep_for(20ms);
      c.headers.set("X-Async", "1");
      p.set_value(std::move(c));
    }).detach();
    return f;
  });
  auto r = client.get(server.url("/echo")).get();
  EXPECT_EQ(r.data.json()["headers"]["x-async"], "1");
}

TEST_F(Axios, AbortDuringAnInterceptorCancelsTheRequest) {
  std::promise<void> entered;
  auto gate = std::make_shared<tether::Promise<RequestConfig>>();
  client.interceptors().request.use([&, gate](RequestConfig) {
    entered.set_value();
    return gate->get_future();  // never settled until the test ends
  });
  tether::AbortController controller;
  auto request = client.get(server.url("/ok"), {.signal = controller.signal()});
  ASSERT_EQ(entered.get_future().wait_for(kGenerous), std::future_status::ready);
  controller.abort();
  ASSERT_TRUE(request.ready());  // at once, on this thread
  auto r = request.result();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is_cancel());
  EXPECT_EQ(r.error().phase(), tether::RequestPhase::Queued);
  gate->set_value(RequestConfig{.url = server.url("/ok")});
  // The gate's continuation runs on its executor, then the pipeline's step on
  // the engine: once both have run, the request had its chance to go out.
  ASSERT_TRUE(drain(*tether::default_executor()));
  ASSERT_TRUE(drain(*client.executor()));
  EXPECT_EQ(tether::detail::ClientAccess::engine(client).active_transfers(), 0u);
  EXPECT_EQ(server.accepted_count(), 0u);  // the request was never sent
}

TEST_F(Axios, ThrowingRequestInterceptorRejects) {
  client.interceptors().request.use(
      [](RequestConfig) -> RequestConfig { throw Error(ErrorCode::BadOptionValue, "no token"); });
  auto r = client.get(server.url("/ok")).result();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::BadOptionValue);
  EXPECT_STREQ(r.error().what(), "no token");
  EXPECT_EQ(server.accepted_count(), 0u);
}

TEST_F(Axios, ResponseErrorInterceptorRecovers) {
  client.interceptors().response.use(nullptr, [](const Error& e) {
    Response fallback;
    fallback.status = e.response() ? e.response()->status : 0;
    fallback.data = tether::Data::from_text("recovered");
    return fallback;
  });
  auto r = client.get(server.url("/status/500")).get();
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.data.text(), "recovered");
}

// --- config merging and instances ---

TEST_F(Axios, MergeDefaultsInstanceRequest) {
  Client base({.base_url = server.url("/"),
               .headers = {{"X-Level", "defaults"}, {"X-Keep", "kept"}},
               .params = {{"a", "1"}}});
  base.update_defaults([](tether::RequestConfig& d) {
    d.method_headers["post"] = {{"X-Post-Only", "yes"}};
  });
  auto instance = base.create({.headers = {{"x-level", "instance"}}});
  auto get = instance.get("/echo", {.params = {{"b", "2"}}}).get();
  auto headers = get.data.json()["headers"];
  EXPECT_EQ(headers["x-level"], "instance");  // case-insensitive override
  EXPECT_EQ(headers["x-keep"], "kept");
  EXPECT_FALSE(headers.contains("x-post-only"));
  EXPECT_EQ(get.data.json()["query"], "a=1&b=2");
  auto post = instance.post("/echo", "x", {.headers = {{"X-LEVEL", "request"}}}).get();
  EXPECT_EQ(post.data.json()["headers"]["x-level"], "request");
  EXPECT_EQ(post.data.json()["headers"]["x-post-only"], "yes");
}

TEST_F(Axios, CreatedInstancesShareTheEngineNotTheInterceptors) {
  auto child = client.create({});
  int runs = 0;
  client.interceptors().request.use([&](RequestConfig c) {
    ++runs;
    return c;
  });
  child.get(server.url("/ok")).get();
  EXPECT_EQ(runs, 0);
  EXPECT_EQ(child.executor(), client.executor());
}

TEST_F(Axios, BaseUrlRefusesAbsoluteUrlsByDefault) {
  TestServer other;
  Client api({.base_url = server.url("/"), .headers = {{"X-Api-Key", "secret"}}});
  auto refused = api.get(other.url("/echo")).result();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::InvalidUrl);
  auto protocol_relative =
      api.get("//127.0.0.1:" + std::to_string(other.port()) + "/echo").result();
  ASSERT_FALSE(protocol_relative);
  EXPECT_EQ(protocol_relative.error().code(), ErrorCode::InvalidUrl);
  EXPECT_EQ(other.accepted_count(), 0u);

  // Allowed, the request goes out, but without the instance's default headers.
  auto allowed = api.get(other.url("/echo"), {.allow_absolute_urls = true}).get();
  EXPECT_FALSE(allowed.data.json()["headers"].contains("x-api-key"));
  // Its own headers go wherever it goes.
  auto own =
      api.get(other.url("/echo"), {.headers = {{"X-Own", "1"}}, .allow_absolute_urls = true}).get();
  EXPECT_EQ(own.data.json()["headers"]["x-own"], "1");
  // The same origin as base_url keeps them.
  auto same = api.get("/echo").get();
  EXPECT_EQ(same.data.json()["headers"]["x-api-key"], "secret");
}

TEST_F(Axios, DefaultHeadersDoNotFollowARedirectAwayFromBaseUrl) {
  TestServer other;
  Client api({.base_url = server.url("/"), .headers = {{"X-Api-Key", "secret"}}});
  auto r = api.get("/redirect-to?url=" + other.url("/echo"), {.headers = {{"X-Own", "1"}}}).get();
  EXPECT_FALSE(r.data.json()["headers"].contains("x-api-key"));
  EXPECT_EQ(r.data.json()["headers"]["x-own"], "1");
}

// --- transforms, serializer, proxy, auth ---

TEST_F(Axios, TransformRequestAndResponse) {
  RequestConfig config{.method = "POST", .url = server.url("/echo"), .data = "hello"};
  config.transform_request.push_back([](tether::Body body, tether::Headers& headers) {
    headers.set("X-Transformed", "1");
    return tether::Body(*body.text() + " world");
  });
  config.transform_response.push_back([](tether::Data data, const tether::Headers&) {
    return tether::Data::from_text(data.json()["body"].get<std::string>());
  });
  auto r = client.request(config).get();
  EXPECT_EQ(r.data.text(), "hello world");
}

TEST_F(Axios, ParamsSerializer) {
  RequestConfig config{.url = server.url("/echo"), .params = {{"a", 1}, {"b", 2}}};
  config.params_serializer = [](const tether::Params& params) {
    std::string out;
    for (const auto& [k, v] : params) out += (out.empty() ? "" : ";") + k + ":" + v.dump();
    return out;
  };
  EXPECT_EQ(client.request(config).get().data.json()["query"], "a:1;b:2");
  RequestConfig repeat{.url = server.url("/echo"), .params = {{"ids", {1, 2}}}};
  repeat.params_array_format = tether::ArrayFormat::Repeat;
  EXPECT_EQ(client.request(repeat).get().data.json()["query"], "ids=1&ids=2");
}

TEST_F(Axios, Proxy) {
  RequestConfig config{.url = "http://upstream.invalid/echo"};
  config.proxy = tether::Proxy{server.url("/")};
  auto r = client.request(config).get();
  EXPECT_EQ(r.data.json()["target"], "http://upstream.invalid/echo");
}

TEST_F(Axios, BasicAuthHeader) {
  RequestConfig config{.url = server.url("/echo")};
  config.auth = tether::Auth{"user", "pass"};
  auto r = client.request(config).get();
  EXPECT_EQ(r.data.json()["headers"]["authorization"], "Basic dXNlcjpwYXNz");
}

TEST_F(Axios, ErrorToJson) {
  auto r = client.get(server.url("/status/404")).result();
  ASSERT_FALSE(r);
  auto j = r.error().to_json();
  EXPECT_EQ(j["code"], "ERR_BAD_REQUEST");
  EXPECT_EQ(j["message"], "Request failed with status code 404");
  EXPECT_EQ(j["status"], 404);
  EXPECT_EQ(j["url"], server.url("/status/404"));
}

// --- retries ---

TEST_F(Axios, RetriesUntilSuccess) {
  RequestConfig config{.url = server.url("/flaky?key=a&fail=2")};
  config.retry = tether::RetryPolicy{.retries = 3, .delay = 10ms};
  auto r = client.request(config).get();
  EXPECT_EQ(r.data.json()["tries"], 3);
}

TEST_F(Axios, GivesUpAfterTheLastRetry) {
  RequestConfig config{.url = server.url("/flaky?key=b&fail=10")};
  config.retry = tether::RetryPolicy{.retries = 2, .delay = 5ms};
  auto r = client.request(config).result();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().response()->status, 503);
  EXPECT_EQ(requests_seen("key=b"), 3u);
}

TEST_F(Axios, NoRetryForStatusesOutsideTheList) {
  RequestConfig config{.url = server.url("/flaky?key=c&fail=1&status=404")};
  config.retry = tether::RetryPolicy{.retries = 3, .delay = 5ms};
  EXPECT_FALSE(client.request(config).result());
  EXPECT_EQ(requests_seen("key=c"), 1u);
}

TEST_F(Axios, PostThatReachedTheServerIsNotRetried) {
  RequestConfig config{.method = "POST", .url = server.url("/flaky?key=d&fail=1"), .data = "x"};
  config.retry = tether::RetryPolicy{.retries = 3, .delay = 5ms};
  EXPECT_FALSE(client.request(config).result());
  EXPECT_EQ(requests_seen("key=d"), 1u);
}

TEST_F(Axios, AbortDuringBackOffCancelsAtOnce) {
  RequestConfig config{.url = server.url("/flaky?key=e&fail=5")};
  config.retry = tether::RetryPolicy{.retries = 3, .delay = 60s, .jitter = false};
  tether::AbortController controller;
  config.signal = controller.signal();
  auto request = client.request(config);
  ASSERT_TRUE(server.wait_for_request("key=e", kGenerous));
  // The first try has failed once its transfer is gone and the engine has
  // handled its outcome: back-off runs.
  auto& engine = tether::detail::ClientAccess::engine(client);
  ASSERT_TRUE(eventually([&] { return engine.active_transfers() == 0; }));
  ASSERT_TRUE(drain(*client.executor()));
  EXPECT_FALSE(request.ready());
  controller.abort();
  ASSERT_TRUE(request.ready());
  EXPECT_TRUE(request.result().error().is_cancel());
  EXPECT_EQ(requests_seen("key=e"), 1u);
}

TEST_F(Axios, RetryAfterIsHonoured) {
  RequestConfig config{.url = server.url("/flaky?key=f&fail=1&status=429&retry_after=1")};
  config.retry = tether::RetryPolicy{.retries = 1, .delay = 1ms};
  auto start = std::chrono::steady_clock::now();
  auto r = client.request(config).get();
  EXPECT_EQ(r.data.json()["tries"], 2);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);
}

TEST_F(Axios, TimeoutCoversAllTriesByDefault) {
  RequestConfig config{.url = server.url("/flaky?key=g&fail=5&mode=hang"), .timeout = 300ms};
  config.retry = tether::RetryPolicy{.retries = 3, .delay = 5ms};
  auto r = client.request(config).result();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::Timeout);
  EXPECT_STREQ(r.error().what(), "timeout of 300ms exceeded");
  EXPECT_EQ(requests_seen("key=g"), 1u);
}

TEST_F(Axios, TimeoutPerTry) {
  RequestConfig config{.url = server.url("/flaky?key=h&fail=1&mode=hang"), .timeout = 300ms};
  config.retry = tether::RetryPolicy{.retries = 2, .delay = 5ms, .per_try_timeout = true};
  auto r = client.request(config).get();
  EXPECT_EQ(r.data.json()["tries"], 2);
}
