// ApiClient against the project's test server and httpbin: unwrapping,
// status errors and domain errors, aborts through Latest, bad input, and the
// request encodings as a server sees them.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include "support/external_servers.hpp"
#include "support/test_server.hpp"
#include "tether/api_client.hpp"
#include "tether/coroutine.hpp"
#include "tether/latest.hpp"

using namespace std::chrono_literals;
using nlohmann::json;
using tether::ApiClient;
using tether::ApiError;
using tether::ApiRequest;
using tether::Client;
using tether::Data;
using tether::test::TestServer;

namespace {

const std::string kUnexpected(tether::kUnexpectedErrorMessage);

Data ok(tether::Future<Data> f) {
  auto r = f.result();
  if (!r) ADD_FAILURE() << "make_request failed: " << r.error().what();
  return r ? std::move(r).value() : Data{};
}

// The ApiError a make_request fails with; it must be carried, not rebuilt.
ApiError fails(tether::Future<Data> f) {
  auto r = f.result();
  if (r) {
    ADD_FAILURE() << "make_request succeeded";
    return ApiError{};
  }
  const tether::Error& error = r.error();
  bool carried = false;
  try {
    if (error.cause()) std::rethrow_exception(error.cause());
  } catch (const ApiError&) {
    carried = true;
  } catch (...) {
  }
  EXPECT_TRUE(carried) << "the Future's error does not carry an ApiError: " << error.what();
  return ApiError::from(error);
}

// Answers one connection with a fixed response (the test server sends no
// Content-Type with a 204).
class OneResponse {
 public:
  explicit OneResponse(std::string response) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len);
    ::listen(fd_, 1);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, response = std::move(response)] {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string request;
      char buf[1024];
      while (request.find("\r\n\r\n") == std::string::npos) {
        const auto n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        request.append(buf, static_cast<std::size_t>(n));
      }
      (void)::send(c, response.data(), response.size(), MSG_NOSIGNAL);
      ::close(c);
    });
  }
  ~OneResponse() {
    ::shutdown(fd_, SHUT_RDWR);  // wakes accept() if nobody came
    thread_.join();
    ::close(fd_);
  }
  OneResponse(const OneResponse&) = delete;
  OneResponse& operator=(const OneResponse&) = delete;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

 private:
  int fd_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

struct ApiClientTest : ::testing::Test {
  TestServer server;
  ApiClient api;
};

}  // namespace

TEST_F(ApiClientTest, JsonResponseIsUnwrappedAsJson) {
  Data data = ok(api.make_request({.url = server.url("/echo?a=1"), .params = {{"b", 2}}}));
  ASSERT_TRUE(data.is_json());
  EXPECT_EQ(data.json()["method"], "GET");
  EXPECT_EQ(data.json()["query"], "a=1&b=2");
}

TEST_F(ApiClientTest, TextAndBytesResponses) {
  Data text = ok(api.make_request({.url = server.url("/ok")}));
  ASSERT_TRUE(text.is_text());
  EXPECT_EQ(text.text(), "ok");
  Data bytes = ok(api.make_request({.url = server.url("/bytes/26")}));
  ASSERT_TRUE(bytes.is_bytes());
  EXPECT_EQ(bytes.bytes().size(), 26u);
}

TEST_F(ApiClientTest, HeadersArriveLowerCasedWithTheJsonBody) {
  Data data = ok(api.make_request({.headers = {{"X-Trace-ID", "t1"}},
                                   .url = server.url("/echo"),
                                   .json = json{{"comment", "*hi*"}}}));
  const json& echo = data.json();
  EXPECT_EQ(echo["method"], "POST");
  EXPECT_EQ(echo["headers"]["x-trace-id"], "t1");
  EXPECT_EQ(echo["headers"]["content-type"], "application/json");
  EXPECT_EQ(json::parse(echo["body"].get<std::string>()), (json{{"comment", "*hi*"}}));
}

TEST_F(ApiClientTest, RawBodyIsOctetStreamUnlessTold) {
  Data data = ok(api.make_request({.method = "put", .url = server.url("/echo"), .body = "raw"}));
  EXPECT_EQ(data.json()["method"], "PUT");
  EXPECT_EQ(data.json()["headers"]["content-type"], "application/octet-stream");
  EXPECT_EQ(data.json()["body"], "raw");
}

TEST_F(ApiClientTest, FormIsMultipartPostWhateverTheCallerSaid) {
  Data data = ok(api.make_request({.content_type = "application/json",
                                   .headers = {{"Content-Type", "text/plain"}},
                                   .method = "GET",
                                   .url = server.url("/echo"),
                                   .form = tether::Form{{"content", "*hi*"}}}));
  EXPECT_EQ(data.json()["method"], "POST");
  const std::string type = data.json()["headers"]["content-type"];
  EXPECT_EQ(type.rfind("multipart/form-data; boundary=", 0), 0u) << type;
  EXPECT_NE(data.json()["body"].get<std::string>().find("*hi*"), std::string::npos);
}

TEST_F(ApiClientTest, StatusErrorIsAServerErrorWithTheRawBodyAsRootCause) {
  ApiError e = fails(api.make_request({.url = server.url("/status/503")}));
  EXPECT_EQ(e.data, (json{{"type", "ServerError"}, {"message", kUnexpected}}));
  EXPECT_EQ(e.status.code, 503);
  EXPECT_EQ(e.status.text, "Service Unavailable");
  EXPECT_FALSE(e.status.is_abort);
  ASSERT_TRUE(std::holds_alternative<Data>(e.root_cause));
  EXPECT_EQ(std::get<Data>(e.root_cause).json(), (json{{"status", 503}}));
  ASSERT_TRUE(e.response && e.request);
  EXPECT_EQ(e.response->status, 503);
  EXPECT_EQ(e.request->url, server.url("/status/503"));
}

TEST_F(ApiClientTest, TextErrorBodyIsTheRootCause) {
  ApiError e =
      fails(api.make_request({.url = server.url("/status/500"), .params = {{"body", "boom"}}}));
  EXPECT_EQ(e.data["type"], "ServerError");
  EXPECT_EQ(std::get<Data>(e.root_cause).text(), "boom");
}

TEST_F(ApiClientTest, DomainErrorIsMergedIntoData) {
  const json domain = {{"type", "App.Comment.TooLong"}, {"message", "Too long."}, {"limit", 5}};
  ApiError e =
      fails(api.make_request({.url = server.url("/status/422"),
                              .params = {{"body", domain.dump()}, {"ctype", "application/json"}}}));
  EXPECT_EQ(e.data, domain);
  EXPECT_EQ(e.status.code, 422);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(e.root_cause));
  // The test server's own 404 is a domain error too.
  ApiError missing = fails(api.make_request({.url = server.url("/no/such/thing")}));
  EXPECT_EQ(missing.data["type"], "NotFound");
  EXPECT_EQ(missing.status.code, 404);
}

TEST_F(ApiClientTest, NonSuccessLetThroughByTheClientIsStillAServerError) {
  Client lenient(tether::RequestConfig{.validate_status = [](int) { return true; }});
  ApiClient api_over(lenient);
  ApiError e = fails(api_over.make_request({.url = server.url("/status/409")}));
  EXPECT_EQ(e.data["type"], "ServerError");
  EXPECT_EQ(e.status.code, 409);
}

TEST_F(ApiClientTest, LatestAbortsTheRequestItSupersedes) {
  tether::Latest latest;
  auto first =
      api.make_request({.url = server.url("/headers-never?t=latest1"), .signal = latest.next()});
  ASSERT_TRUE(server.wait_for_request("t=latest1", 30s));
  auto second = api.make_request({.url = server.url("/ok?t=latest2"), .signal = latest.next()});
  ApiError e = fails(std::move(first));
  EXPECT_TRUE(e.status.is_abort);
  EXPECT_EQ(e.data, (json{{"type", "TransportError"}, {"message", kUnexpected}}));
  EXPECT_EQ(e.status.code, 0);
  EXPECT_EQ(e.status.text, "Unknown");
  ASSERT_TRUE(std::holds_alternative<tether::Error>(e.root_cause));
  EXPECT_TRUE(std::get<tether::Error>(e.root_cause).is_cancel());
  EXPECT_EQ(ok(std::move(second)).text(), "ok");
  // The abort reached the socket.
  EXPECT_TRUE(server.wait_for_client_close("t=latest1", 30s));
}

TEST_F(ApiClientTest, AnAlreadyAbortedSignalIsAnAbort) {
  ApiError e =
      fails(api.make_request({.url = server.url("/ok"), .signal = tether::AbortSignal::abort()}));
  EXPECT_TRUE(e.status.is_abort);
}

TEST_F(ApiClientTest, AClientDefaultCancelTokenIsAnAbort) {
  auto source = tether::CancelToken::source();
  Client client({.cancel_token = source.token});
  ApiClient over(client);
  auto pending = over.make_request({.url = server.url("/headers-never?t=token1")});
  ASSERT_TRUE(server.wait_for_request("t=token1", 30s));
  source.cancel("user left");
  ApiError e = fails(std::move(pending));
  EXPECT_TRUE(e.status.is_abort);
  EXPECT_EQ(e.data["type"], "TransportError");
}

// fetch() names a timed-out signal's rejection "TimeoutError": not an abort.
TEST_F(ApiClientTest, ATimeoutSignalIsNotAnAbort) {
  ApiError e = fails(api.make_request(
      {.url = server.url("/headers-never"), .signal = tether::AbortSignal::timeout(100ms)}));
  EXPECT_EQ(e.data["type"], "TransportError");
  EXPECT_FALSE(e.status.is_abort);
}

TEST_F(ApiClientTest, TimeoutIsATransportErrorButNotAnAbort) {
  Client impatient(tether::RequestConfig{.timeout = 200ms});
  ApiClient api_over(impatient);
  ApiError e = fails(api_over.make_request({.url = server.url("/headers-never")}));
  EXPECT_EQ(e.data["type"], "TransportError");
  EXPECT_FALSE(e.status.is_abort);
  EXPECT_TRUE(std::get<tether::Error>(e.root_cause).is_timeout());
}

TEST_F(ApiClientTest, RefusedConnectionIsATransportError) {
  std::string url;
  {
    TestServer gone;
    url = gone.url("/ok");
  }
  ApiError e = fails(api.make_request({.url = url}));
  EXPECT_EQ(e.data["type"], "TransportError");
  EXPECT_EQ(e.status.code, 0);
  EXPECT_FALSE(e.status.is_abort);
  EXPECT_EQ(std::get<tether::Error>(e.root_cause).transport(), tether::TransportError::Refused);
}

TEST_F(ApiClientTest, BadInputIsAnApiErrorToo) {
  for (ApiRequest bad :
       {ApiRequest{.url = "http://127.0.0 .1/"}, ApiRequest{.url = "ftp://127.0.0.1/x"},
        ApiRequest{.url = ""}, ApiRequest{.headers = {{"Bad Name", "x"}}, .url = server.url("/ok")},
        ApiRequest{.headers = {{"X-Split", "a\r\nInjected: 1"}}, .url = server.url("/ok")},
        ApiRequest{.method = "GE T", .url = server.url("/ok")}}) {
    const std::string url = bad.url;
    ApiError e = fails(api.make_request(std::move(bad)));
    EXPECT_EQ(e.data["type"], "TransportError") << url;
    EXPECT_FALSE(e.status.is_abort) << url;
    EXPECT_TRUE(std::holds_alternative<tether::Error>(e.root_cause)) << url;
    EXPECT_NE(std::string(e.what()), "") << url;
  }
  EXPECT_EQ(server.accepted_count(), 0u);  // nothing bad was sent
}

TEST_F(ApiClientTest, UndecodableJsonIsATransportError) {
  ApiError e =
      fails(api.make_request({.url = server.url("/status/200"),
                              .params = {{"body", "{nope"}, {"ctype", "application/json"}}}));
  EXPECT_EQ(e.data["type"], "TransportError");
  EXPECT_FALSE(e.status.is_abort);
  EXPECT_EQ(std::get<tether::Error>(e.root_cause).code(), tether::ErrorCode::BadResponse);
  ASSERT_TRUE(e.response.has_value());
  EXPECT_EQ(e.response->data.text(), "{nope");
  // The same body with an error status: a ServerError whose root cause is the text.
  ApiError status_error =
      fails(api.make_request({.url = server.url("/status/500"),
                              .params = {{"body", "{nope"}, {"ctype", "application/json"}}}));
  EXPECT_EQ(status_error.data["type"], "ServerError");
  EXPECT_EQ(std::get<Data>(status_error.root_cause).text(), "{nope");
}

TEST_F(ApiClientTest, BuiltOverAConfiguredClient) {
  Client configured(
      tether::RequestConfig{.base_url = server.url("/"),
                            .headers = {{"X-Default", "d"}, {"Content-Type", "text/x-default"}}});
  configured.interceptors().request.use([](tether::RequestConfig c) {
    c.headers.set("X-Intercepted", "yes");
    return c;
  });
  ApiClient over(configured);
  Data data = ok(over.make_request({.url = "echo", .params = {{"q", "1"}}}));
  EXPECT_EQ(data.json()["path"], "/echo");
  EXPECT_EQ(data.json()["query"], "q=1");
  EXPECT_EQ(data.json()["headers"]["x-default"], "d");
  EXPECT_EQ(data.json()["headers"]["x-intercepted"], "yes");
  // A form drops the Client's default content-type too.
  Data form = ok(over.make_request({.url = "echo", .form = tether::Form{{"a", "1"}}}));
  const std::string type = form.json()["headers"]["content-type"];
  EXPECT_EQ(type.rfind("multipart/form-data", 0), 0u) << type;
}

TEST_F(ApiClientTest, ErrorsPrintWithoutSecrets) {
  const std::string url =
      "http://user:hunter2@127.0.0.1:" + std::to_string(server.port()) + "/status/500";
  ApiError e = fails(api.make_request({.url = url}));
  EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
  EXPECT_EQ(e.to_json().dump().find("hunter2"), std::string::npos) << e.to_json().dump();
}

// ---- httpbin: the encodings as a third-party server parses them -------------

namespace {

#define SKIP_UNLESS_HTTPBIN() \
  TETHER_REQUIRE_PEER(tether::test::HttpbinServer::available(), "gunicorn + python3-httpbin")

}  // namespace

TEST(ApiClientHttpbin, EncodingsSeenByAnything) {
  SKIP_UNLESS_HTTPBIN();
  tether::test::HttpbinServer httpbin;
  ApiClient api;

  json form =
      ok(api.make_request({.url = httpbin.url("/anything"),
                           .form = tether::Form{{"event", "preview"}, {"content", "a=b&c"}}}))
          .json();
  EXPECT_EQ(form["method"], "POST");
  EXPECT_EQ(form["form"], (json{{"event", "preview"}, {"content", "a=b&c"}}));

  json sent = {{"n", 1}, {"s", "x"}};
  json as_json = ok(api.make_request({.url = httpbin.url("/anything"), .json = sent})).json();
  EXPECT_EQ(as_json["method"], "POST");
  EXPECT_EQ(as_json["json"], sent);
  EXPECT_EQ(as_json["headers"]["Content-Type"], "application/json");

  json raw =
      ok(api.make_request({.method = "PATCH", .url = httpbin.url("/anything"), .body = "bytes!"}))
          .json();
  EXPECT_EQ(raw["method"], "PATCH");
  EXPECT_EQ(raw["data"], "bytes!");
  EXPECT_EQ(raw["headers"]["Content-Type"], "application/octet-stream");

  json get = ok(api.make_request(
                    {.url = httpbin.url("/anything?a=1&flag#frag"), .params = {{"a", "x y"}}}))
                 .json();
  EXPECT_EQ(get["method"], "GET");
  EXPECT_EQ(get["args"], (json{{"a", "x y"}, {"flag", ""}}));
}

TEST(ApiClientHttpbin, StatusCodes) {
  SKIP_UNLESS_HTTPBIN();
  tether::test::HttpbinServer httpbin;
  ApiClient api;
  for (int code : {400, 401, 404, 418, 500, 502}) {
    ApiError e = fails(api.make_request({.url = httpbin.url("/status/" + std::to_string(code))}));
    EXPECT_EQ(e.status.code, code);
    EXPECT_EQ(e.data["type"], "ServerError");
    EXPECT_FALSE(e.status.text.empty()) << code;
  }
  EXPECT_EQ(ok(api.make_request({.url = httpbin.url("/status/204")})).to_string(), "");
}

// HEAD, 204 and an empty 200 with a JSON type carry no JSON to fail on: JSON null.
TEST_F(ApiClientTest, AnEmptyJsonTypedBodyIsJsonNull) {
  Data head = ok(api.make_request({.method = "HEAD", .url = server.url("/status/200")}));
  EXPECT_TRUE(head.is_json());
  EXPECT_TRUE(head.json().is_null());
  for (const char* status : {"204 No Content", "205 Reset Content"}) {
    OneResponse raw(std::string("HTTP/1.1 ") + status +
                    "\r\nContent-Type: application/json\r\nContent-Length: 0\r\n"
                    "Connection: close\r\n\r\n");
    Data no_content = ok(api.make_request({.url = raw.url()}));
    EXPECT_TRUE(no_content.is_json()) << status;
    EXPECT_TRUE(no_content.is_json() && no_content.json().is_null()) << status;
  }
  Data empty = ok(api.make_request(
      {.url = server.url("/status/200"), .params = {{"ctype", "application/json"}, {"body", ""}}}));
  EXPECT_TRUE(empty.is_json());
  EXPECT_TRUE(empty.json().is_null());
}

// The Future's error is the underlying tether::Error; the ApiError is its cause().
TEST_F(ApiClientTest, AnAbortedRequestKeepsItsCancellationIdentity) {
  tether::Latest latest;
  auto first =
      api.make_request({.url = server.url("/headers-never?t=identity1"), .signal = latest.next()});
  ASSERT_TRUE(server.wait_for_request("t=identity1", 30s));
  auto second = api.make_request({.url = server.url("/ok?t=identity2"), .signal = latest.next()});
  auto r = first.result();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is_cancel());
  EXPECT_EQ(r.error().code(), tether::ErrorCode::Canceled);
  EXPECT_TRUE(r.error().reason().has_value());
  EXPECT_TRUE(tether::is_cancel(r.error().cause()));
  EXPECT_EQ(ok(std::move(second)).text(), "ok");
}

TEST_F(ApiClientTest, GetThrowsTheApiError) {
  std::string gone_url;
  {
    TestServer gone;
    gone_url = gone.url("/ok");
  }
  struct Case {
    ApiRequest request;
    const char* type;
    bool is_abort;
  };
  for (auto& [request, type, is_abort] :
       {Case{{.url = server.url("/status/500")}, "ServerError", false},
        Case{{.url = gone_url}, "TransportError", false},
        Case{{.url = server.url("/ok"), .signal = tether::AbortSignal::abort()},
             "TransportError",
             true},
        Case{{.url = "ftp://127.0.0.1/x"}, "TransportError", false}}) {
    SCOPED_TRACE(request.url);
    try {
      api.make_request(request).get();
      ADD_FAILURE() << "get() returned";
    } catch (const ApiError& e) {
      EXPECT_EQ(e.data["type"], type);
      EXPECT_EQ(e.status.is_abort, is_abort);
      EXPECT_EQ(tether::is_cancel(e), is_abort);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "get() threw something else: " << e.what();
    }
  }
  auto server_error = api.make_request({.url = server.url("/status/404")}).result();
  ASSERT_FALSE(server_error);
  EXPECT_EQ(server_error.error().code(), tether::ErrorCode::BadRequest);
  auto bad_input = api.make_request({.url = "ftp://127.0.0.1/x"}).result();
  ASSERT_FALSE(bad_input);
  EXPECT_NE(bad_input.error().code(), tether::ErrorCode::Unknown);
}

namespace {
tether::Future<std::string> await_type(ApiClient& api, ApiRequest request) {
  try {
    co_await api.make_request(std::move(request));
    co_return "none";
  } catch (const ApiError& e) {
    co_return e.data["type"].get<std::string>();
  }
}
}  // namespace

TEST_F(ApiClientTest, CoAwaitThrowsTheApiError) {
  EXPECT_EQ(await_type(api, {.url = server.url("/status/503")}).get(), "ServerError");
}

// A request's param replaces the Client's default of the same name.
TEST_F(ApiClientTest, ARequestParamWinsOverTheClientDefault) {
  Client client({.params = {{"page", 1}, {"size", 10}}});
  ApiClient over(client);
  Data data = ok(over.make_request({.url = server.url("/echo"), .params = {{"page", 2}}}));
  const auto target = data.json()["target"].get<std::string>();
  EXPECT_EQ(target.find("page=1"), std::string::npos) << target;
  EXPECT_NE(target.find("page=2"), std::string::npos) << target;
  EXPECT_NE(target.find("size=10"), std::string::npos) << target;
}
