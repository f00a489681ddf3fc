// Config merging (issue 8, defect 7): unset inherits, set overrides, signals
// combine, a request can remove a default header. Checked through
// prepare_config and make_spec, the two steps every request goes through.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "client/client_core.hpp"

using namespace std::chrono_literals;
using tether::AbortController;
using tether::AbortSignal;
using tether::Headers;
using tether::RequestConfig;
using tether::detail::prepare_config;
using tether::detail::TransferSpec;

namespace {

TransferSpec spec_of(const RequestConfig& defaults, RequestConfig request) {
  if (request.url.empty()) request.url = "http://127.0.0.1:1/x";
  auto prepared = prepare_config(defaults, std::move(request));
  auto spec = tether::detail::make_spec(prepared.config, prepared.default_header_names);
  if (auto* error = std::get_if<tether::Error>(&spec)) {
    ADD_FAILURE() << "make_spec failed: " << error->what();
    return {};
  }
  return std::move(std::get<TransferSpec>(spec));
}

}  // namespace

// --- timeouts: unset inherits, 0 disables a default ---

TEST(Merge, UnsetTimeoutsInheritTheDefaults) {
  RequestConfig defaults{.timeout = 5s, .connect_timeout = 2s, .idle_timeout = 3s};
  auto spec = spec_of(defaults, {});
  EXPECT_EQ(spec.timeout, 5s);
  EXPECT_EQ(spec.connect_timeout, 2s);
  EXPECT_EQ(spec.idle_timeout, 3s);
}

TEST(Merge, ZeroTimeoutDisablesADefaultTimeout) {
  RequestConfig defaults{.timeout = 5s, .connect_timeout = 2s, .idle_timeout = 3s};
  auto spec = spec_of(defaults, {.timeout = 0ms, .connect_timeout = 0ms, .idle_timeout = 0ms});
  EXPECT_EQ(spec.timeout, 0ms);  // 0: none
  EXPECT_EQ(spec.connect_timeout, 0ms);
  EXPECT_EQ(spec.idle_timeout, 0ms);
}

TEST(Merge, SetTimeoutOverrides) {
  auto spec = spec_of({.timeout = 5s}, {.timeout = 7s});
  EXPECT_EQ(spec.timeout, 7s);
}

// --- tls.verify: a request's true re-enables what a default turned off ---

TEST(Merge, RequestVerifyTrueOverridesADefaultsFalse) {
  RequestConfig defaults;
  defaults.tls.verify = false;
  RequestConfig request;
  request.tls.verify = true;
  auto spec = spec_of(defaults, std::move(request));
  // Verified: no TLS extras at all, the engine's default is full verification.
  EXPECT_TRUE(spec.options().tls.verify.value_or(true));
}

TEST(Merge, UnsetVerifyInheritsADefaultsFalse) {
  RequestConfig defaults;
  defaults.tls.verify = false;
  auto spec = spec_of(defaults, {});
  ASSERT_TRUE(spec.extras);
  EXPECT_EQ(spec.options().tls.verify, false);
}

TEST(Merge, RequestVerifyFalseOverridesAnUnsetDefault) {
  RequestConfig request;
  request.tls.verify = false;
  auto spec = spec_of({}, std::move(request));
  EXPECT_EQ(spec.options().tls.verify, false);
}

// --- headers: merge by name; unset removes a default ---

TEST(Merge, RequestUnsetRemovesADefaultHeader) {
  RequestConfig defaults{.headers = {{"Authorization", "Bearer d"}, {"Accept", "a"}}};
  RequestConfig request;
  request.headers.unset("authorization");
  auto spec = spec_of(defaults, std::move(request));
  EXPECT_FALSE(spec.headers.has("Authorization"));
  EXPECT_EQ(spec.headers.get("Accept"), "a");
  for (const auto& h : spec.headers) EXPECT_NE(h.value, "Bearer d");
}

TEST(Merge, RequestUnsetRemovesADefaultMethodHeader) {
  RequestConfig defaults{.method_headers = {{"post", Headers{{"X-Post", "1"}}}}};
  RequestConfig request{.method = "POST"};
  request.headers.unset("X-Post");
  auto spec = spec_of(defaults, std::move(request));
  EXPECT_FALSE(spec.headers.has("X-Post"));
}

TEST(Merge, UnsetInARequestsMethodHeadersYieldsToItsOwnHeaders) {
  RequestConfig defaults{.headers = {{"X-A", "d"}}};
  RequestConfig request{.method = "GET", .headers = {{"X-A", "own"}}};
  request.method_headers["get"].unset("X-A");
  auto spec = spec_of(defaults, std::move(request));
  EXPECT_EQ(spec.headers.get("X-A"), "own");
}

TEST(Merge, AnUnsetDefaultHeaderIsNotListedAsBoundToTheOrigin) {
  RequestConfig defaults{.base_url = "http://127.0.0.1:1/", .headers = {{"X-Key", "k"}}};
  RequestConfig request{.url = "x"};
  request.headers.unset("X-Key");
  auto prepared = prepare_config(defaults, std::move(request));
  EXPECT_TRUE(prepared.default_header_names.empty());
}

TEST(Merge, RequestHeadersOverrideByName) {
  RequestConfig defaults{.headers = {{"Accept", "a"}, {"X-Keep", "k"}}};
  auto spec = spec_of(defaults, {.headers = {{"accept", "b"}}});
  EXPECT_EQ(spec.headers.get("Accept"), "b");
  EXPECT_EQ(spec.headers.get("X-Keep"), "k");
}

// --- signals and tokens: both apply ---

TEST(Merge, RequestAndDefaultSignalsBothApply) {
  for (int which = 0; which < 2; ++which) {
    AbortController own, fallback;
    RequestConfig defaults{.signal = fallback.signal()};
    auto prepared =
        prepare_config(defaults, {.url = "http://127.0.0.1:1/", .signal = own.signal()});
    AbortSignal merged = tether::detail::request_signal(prepared.config);
    EXPECT_FALSE(merged.aborted());
    (which == 0 ? own : fallback).abort({"AbortError", which == 0 ? "own" : "default"});
    ASSERT_TRUE(merged.aborted()) << which;
    EXPECT_EQ(merged.reason()->message, which == 0 ? "own" : "default");
  }
}

TEST(Merge, OneSignalIsUsedAsIs) {
  AbortController controller;
  auto from_default =
      prepare_config({.signal = controller.signal()}, {.url = "http://127.0.0.1:1/"});
  EXPECT_EQ(from_default.config.signal, controller.signal());  // no any() when one is set
  auto from_request =
      prepare_config({}, {.url = "http://127.0.0.1:1/", .signal = controller.signal()});
  EXPECT_EQ(from_request.config.signal, controller.signal());
  auto same = prepare_config({.signal = controller.signal()},
                             {.url = "http://127.0.0.1:1/", .signal = controller.signal()});
  EXPECT_EQ(same.config.signal, controller.signal());
}

TEST(Merge, RequestAndDefaultCancelTokensBothApply) {
  for (int which = 0; which < 2; ++which) {
    auto own = tether::CancelToken::source();
    auto fallback = tether::CancelToken::source();
    RequestConfig defaults{.cancel_token = fallback.token};
    auto prepared =
        prepare_config(defaults, {.url = "http://127.0.0.1:1/", .cancel_token = own.token});
    EXPECT_EQ(prepared.config.cancel_token, own.token);
    AbortSignal merged = tether::detail::request_signal(prepared.config);
    (which == 0 ? own : fallback).cancel(which == 0 ? "own" : "default");
    ASSERT_TRUE(merged.aborted()) << which;
    EXPECT_EQ(merged.reason()->name, "CanceledError");
    EXPECT_EQ(merged.reason()->message, which == 0 ? "own" : "default");
  }
}

TEST(Merge, ADefaultTokenAndARequestSignalBothApply) {
  auto token = tether::CancelToken::source();
  AbortController own;
  auto prepared = prepare_config({.cancel_token = token.token},
                                 {.url = "http://127.0.0.1:1/", .signal = own.signal()});
  AbortSignal merged = tether::detail::request_signal(prepared.config);
  token.cancel("from the default");
  EXPECT_TRUE(merged.aborted());
}

// --- the other fields: set overrides, including to "off" ---

TEST(Merge, ZeroMaxRedirectsOverridesADefault) {
  EXPECT_EQ(spec_of({.max_redirects = 5}, {.max_redirects = 0}).max_redirects, 0);
  EXPECT_EQ(spec_of({.max_redirects = 5}, {}).max_redirects, 5);
  EXPECT_EQ(spec_of({}, {}).max_redirects, 21);
}

TEST(Merge, DecompressFalseOverridesADefaultTrue) {
  EXPECT_FALSE(spec_of({.decompress = true}, {.decompress = false}).decompress);
  EXPECT_TRUE(spec_of({.decompress = false}, {.decompress = true}).decompress);
  EXPECT_FALSE(spec_of({.decompress = false}, {}).decompress);
}

TEST(Merge, ValidateStatusOverridesAndInherits) {
  RequestConfig defaults{.validate_status = [](int) { return false; }};
  auto inherited = prepare_config(defaults, {.url = "http://127.0.0.1:1/"});
  ASSERT_TRUE(inherited.config.validate_status);
  EXPECT_FALSE(inherited.config.validate_status(200));
  auto own = prepare_config(
      defaults, {.url = "http://127.0.0.1:1/", .validate_status = [](int) { return true; }});
  EXPECT_TRUE(own.config.validate_status(500));
}

TEST(Merge, MaxLengthsAndResponseTypeOverrideAndInherit) {
  RequestConfig defaults{
      .response_type = tether::ResponseType::Text, .max_content_length = 10, .max_body_length = 20};
  auto inherited = prepare_config(defaults, {.url = "http://127.0.0.1:1/"}).config;
  EXPECT_EQ(inherited.response_type, tether::ResponseType::Text);
  EXPECT_EQ(inherited.max_content_length, 10);
  EXPECT_EQ(inherited.max_body_length, 20);
  auto own = prepare_config(defaults, {.url = "http://127.0.0.1:1/",
                                       .response_type = tether::ResponseType::Bytes,
                                       .max_content_length = 0,
                                       .max_body_length = 0})
                 .config;
  EXPECT_EQ(own.response_type, tether::ResponseType::Bytes);
  EXPECT_EQ(own.max_content_length, 0);
  EXPECT_EQ(own.max_body_length, 0);
}

TEST(Merge, AuthProxyAndRetryOverrideAsAWhole) {
  RequestConfig defaults{.auth = tether::Auth{"user", "pw"},
                         .proxy = tether::Proxy{"http://127.0.0.1:3128", std::nullopt},
                         .retry = tether::RetryPolicy{.retries = 3}};
  auto own = prepare_config(defaults, {.url = "http://127.0.0.1:1/",
                                       .auth = tether::Auth{"other", ""},
                                       .retry = tether::RetryPolicy{.retries = 0}})
                 .config;
  EXPECT_EQ(own.auth->username, "other");
  EXPECT_EQ(own.auth->password, "");  // not the default's password
  EXPECT_EQ(own.proxy->url, "http://127.0.0.1:3128");
  EXPECT_EQ(own.retry->retries, 0);
}

TEST(Merge, ParamsMergeByName) {
  RequestConfig defaults{.params = {{"a", "1"}, {"b", "2"}}};
  auto spec = spec_of(defaults, {.url = "http://127.0.0.1:1/x", .params = {{"b", "3"}}});
  EXPECT_EQ(spec.url, "http://127.0.0.1:1/x?a=1&b=3");
}

TEST(Merge, TransitionalMergesFieldByField) {
  RequestConfig clarified;
  clarified.transitional.clarify_timeout_error = true;
  EXPECT_TRUE(spec_of(clarified, {}).clarify_timeout_error);
  RequestConfig off;
  off.transitional.clarify_timeout_error = false;
  EXPECT_FALSE(spec_of(clarified, std::move(off)).clarify_timeout_error);  // false overrides
  RequestConfig on;
  on.transitional.clarify_timeout_error = true;
  EXPECT_TRUE(spec_of({}, std::move(on)).clarify_timeout_error);
  EXPECT_FALSE(spec_of({}, {}).clarify_timeout_error);
}

TEST(Merge, UrlAndDataAreTheRequestsOwn) {
  // axios' valueFromConfig2: a default body never rides along on every request.
  RequestConfig defaults{.url = "http://127.0.0.1:1/default", .data = tether::Body("d")};
  auto merged = tether::detail::merge_config(defaults, {.method = "POST"});
  EXPECT_TRUE(merged.url.empty());
  EXPECT_TRUE(merged.data.empty());
}

TEST(Merge, MethodAndBaseUrlInheritWhenEmpty) {
  RequestConfig defaults{.method = "PUT", .base_url = "http://127.0.0.1:1/api/"};
  auto spec = spec_of(defaults, {.url = "x"});
  EXPECT_EQ(spec.method, "PUT");
  EXPECT_EQ(spec.url, "http://127.0.0.1:1/api/x");
}
