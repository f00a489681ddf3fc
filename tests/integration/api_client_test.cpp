// ApiClient against the project's test server and httpbin: unwrapping, aborts
// through Latest reaching the socket, bad input, and the request encodings as
// a server sees them. (Status and domain errors, timeouts and cancellation
// without a socket: tests/unit/api_client_mock_test.cpp.)
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
