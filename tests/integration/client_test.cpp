// The engine and client against the project's test server: methods, bodies,
// redirects, limits, timeouts, decompression, progress, streaming, errors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/outcomes.hpp"
#include "support/raw_listeners.hpp"
#include "support/test_server.hpp"
#include "tether/client.hpp"

using namespace std::chrono_literals;
using tether::Client;
using tether::ErrorCode;
using tether::RequestConfig;
using tether::Response;
using tether::test::TestServer;

using tether::test::fails;
using tether::test::ok;

namespace {

struct ClientTest : ::testing::Test {
  TestServer server;
  Client client;
};

}  // namespace

TEST_F(ClientTest, GetText) {
  auto r = ok(client.get(server.url("/ok")));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.status_text, "OK");
  ASSERT_TRUE(r.data.is_text());
  EXPECT_EQ(r.data.text(), "ok");
  EXPECT_EQ(r.headers.get("content-type").value_or("").rfind("text/plain", 0), 0u);
  EXPECT_EQ(r.http_version, "1.1");
  EXPECT_EQ(r.config.url, server.url("/ok"));
}

TEST_F(ClientTest, EveryMethod) {
  struct Case {
    std::string method;
    tether::Future<Response> (Client::*no_body)(std::string, RequestConfig);
  };
  for (auto [method, fn] : std::vector<Case>{
           {"GET", &Client::get}, {"DELETE", &Client::del}, {"OPTIONS", &Client::options}}) {
    auto r = ok((client.*fn)(server.url("/echo"), {}));
    EXPECT_EQ(r.data.json()["method"], method);
  }
  auto head = ok(client.head(server.url("/echo")));
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.data.to_string().empty());
  for (auto method : {"POST", "PUT", "PATCH"}) {
    auto r = ok(client.request({.method = method, .url = server.url("/echo"), .data = "x"}));
    EXPECT_EQ(r.data.json()["method"], method);
    EXPECT_EQ(r.data.json()["body"], "x");
  }
  auto custom = ok(client.request({.method = "PROPFIND", .url = server.url("/echo")}));
  EXPECT_EQ(custom.data.json()["method"], "PROPFIND");
  auto lower = ok(client.request({.method = "post", .url = server.url("/echo")}));
  EXPECT_EQ(lower.data.json()["method"], "POST");
}

TEST_F(ClientTest, JsonBody) {
  auto r = ok(client.post(server.url("/echo"), nlohmann::json{{"name", "new name"}}));
  auto echo = r.data.json();
  EXPECT_EQ(echo["headers"]["content-type"], "application/json");
  EXPECT_EQ(nlohmann::json::parse(echo["body"].get<std::string>()),
            (nlohmann::json{{"name", "new name"}}));
}

TEST_F(ClientTest, UrlEncodedAndBytesAndFormBodies) {
  auto form = ok(client.post(server.url("/echo"), tether::UrlEncoded{{"a", "1"}, {"b", "x y"}}));
  EXPECT_EQ(form.data.json()["body"], "a=1&b=x+y");
  EXPECT_EQ(form.data.json()["headers"]["content-type"],
            "application/x-www-form-urlencoded;charset=UTF-8");

  tether::Bytes raw{std::byte{0}, std::byte{1}, std::byte{2}};
  auto bytes = ok(client.post(server.url("/echo"), raw));
  EXPECT_EQ(bytes.data.json()["headers"]["content-type"], "application/octet-stream");
  EXPECT_EQ(bytes.data.json()["body"].get<std::string>(), std::string("\0\1\2", 3));

  tether::Form multipart{{"field", "value"}};
  multipart.append_file("upload", "a.txt", "file content", "text/plain");
  auto mp = ok(client.post(server.url("/echo"), multipart,
                           {.headers = {{"Content-Type", "application/json"}}}));
  std::string type = mp.data.json()["headers"]["content-type"];
  EXPECT_EQ(type.rfind("multipart/form-data; boundary=", 0), 0u) << type;
  std::string body = mp.data.json()["body"];
  EXPECT_NE(body.find("name=\"field\""), std::string::npos);
  EXPECT_NE(body.find("filename=\"a.txt\""), std::string::npos);
  EXPECT_NE(body.find("file content"), std::string::npos);
}

TEST_F(ClientTest, HeadersAndParams) {
  auto r = ok(client.get(server.url("/echo"), {.headers = {{"X-Custom", "1"}, {"Accept", "a/b"}},
                                               .params = {{"q", "x y"}, {"ids", {1, 2}}}}));
  auto echo = r.data.json();
  EXPECT_EQ(echo["headers"]["x-custom"], "1");
  EXPECT_EQ(echo["headers"]["accept"], "a/b");
  EXPECT_EQ(echo["query"], "q=x+y&ids[]=1&ids[]=2");
}

TEST_F(ClientTest, BaseUrlAndDefaults) {
  Client api({.base_url = server.url("/"), .headers = {{"X-Api-Key", "k"}}});
  auto r = ok(api.get("echo"));
  EXPECT_EQ(r.data.json()["path"], "/echo");
  EXPECT_EQ(r.data.json()["headers"]["x-api-key"], "k");
  auto child = api.create({.headers = {{"X-Child", "c"}}});
  auto c = ok(child.get("/echo"));
  EXPECT_EQ(c.data.json()["headers"]["x-api-key"], "k");
  EXPECT_EQ(c.data.json()["headers"]["x-child"], "c");
}

TEST_F(ClientTest, KeepAliveReusesTheConnection) {
  for (int i = 0; i < 3; ++i) ok(client.get(server.url("/ok")));
  EXPECT_EQ(server.accepted_count(), 1u);
}

TEST_F(ClientTest, StatusErrorsAsAxios) {
  auto e404 = fails(client.get(server.url("/status/404")));
  EXPECT_EQ(e404.code(), ErrorCode::BadRequest);
  EXPECT_STREQ(e404.what(), "Request failed with status code 404");
  ASSERT_TRUE(e404.response());
  EXPECT_EQ(e404.response()->status, 404);
  EXPECT_EQ(e404.response()->data.json()["status"], 404);
  EXPECT_EQ(e404.config().url, server.url("/status/404"));

  auto e500 = fails(client.get(server.url("/status/500")));
  EXPECT_EQ(e500.code(), ErrorCode::BadResponse);
  EXPECT_EQ(tether::to_string(e500.code()), "ERR_BAD_RESPONSE");

  auto accepted =
      ok(client.get(server.url("/status/404"), {.validate_status = [](int s) { return s < 500; }}));
  EXPECT_EQ(accepted.status, 404);
}

TEST_F(ClientTest, Redirects) {
  auto r = ok(client.get(server.url("/redirect/3")));
  EXPECT_EQ(r.data.text(), "ok");
  EXPECT_EQ(r.redirects, 4);  // /redirect/3 → 2 → 1 → 0 → /ok
  EXPECT_EQ(r.url, server.url("/ok"));

  auto too_many = fails(client.get(server.url("/redirect/30")));
  EXPECT_EQ(too_many.code(), ErrorCode::TooManyRedirects);
  EXPECT_EQ(too_many.phase(), tether::RequestPhase::Redirect);

  auto limited = fails(client.get(server.url("/redirect/3"), {.max_redirects = 2}));
  EXPECT_EQ(limited.code(), ErrorCode::TooManyRedirects);

  auto not_followed =
      ok(client.get(server.url("/redirect/3"),
                    {.validate_status = [](int) { return true; }, .max_redirects = 0}));
  EXPECT_EQ(not_followed.status, 302);

  auto absolute = ok(client.get(server.url("/redirect-to?url=" + server.url("/ok"))));
  EXPECT_EQ(absolute.data.text(), "ok");
}

TEST_F(ClientTest, RedirectTo303TurnsPostIntoGet) {
  auto r = ok(client.post(server.url("/redirect-to?status=303&url=/echo"), "payload"));
  EXPECT_EQ(r.data.json()["method"], "GET");
  EXPECT_EQ(r.data.json()["body"], "");
  auto kept = ok(client.post(server.url("/redirect-to?status=307&url=/echo"), "payload"));
  EXPECT_EQ(kept.data.json()["method"], "POST");
  EXPECT_EQ(kept.data.json()["body"], "payload");
}

TEST_F(ClientTest, CredentialsDoNotFollowARedirectToAnotherOrigin) {
  TestServer other;
  RequestConfig secret{.headers = {{"Authorization", "Bearer s3cret"},
                                   {"Cookie", "session=1"},
                                   {"Proxy-Authorization", "Basic x"},
                                   {"X-Other", "kept"}}};
  secret.url = server.url("/redirect-to?url=" + other.url("/echo"));
  auto r = ok(client.request(secret));
  auto headers = r.data.json()["headers"];
  EXPECT_FALSE(headers.contains("authorization"));
  EXPECT_FALSE(headers.contains("cookie"));
  EXPECT_FALSE(headers.contains("proxy-authorization"));
  EXPECT_EQ(headers["x-other"], "kept");

  secret.url = server.url("/redirect-to?url=/echo");  // same origin: kept
  auto same = ok(client.request(secret));
  EXPECT_EQ(same.data.json()["headers"]["authorization"], "Bearer s3cret");
}

TEST_F(ClientTest, OnlyHttpAndHttps) {
  auto ftp = fails(client.get("ftp://127.0.0.1/file"));
  EXPECT_EQ(ftp.code(), ErrorCode::InvalidUrl);
  auto file = fails(client.get("file:///etc/passwd"));
  EXPECT_EQ(file.code(), ErrorCode::InvalidUrl);
  auto redirect = fails(client.get(server.url("/redirect-to?url=file:///etc/passwd")));
  EXPECT_EQ(redirect.code(), ErrorCode::InvalidUrl);
  auto garbage = fails(client.get("not a url"));
  EXPECT_EQ(garbage.code(), ErrorCode::InvalidUrl);
  EXPECT_EQ(server.accepted_count(), 1u);  // only the redirecting request connected
}

TEST_F(ClientTest, HostileHeadersAndMethodsAreRefusedBeforeSending) {
  auto crlf = fails(client.get(server.url("/ok"), {.headers = {{"X-Evil", "a\r\nInjected: yes"}}}));
  EXPECT_EQ(crlf.code(), ErrorCode::BadOptionValue);
  auto name = fails(client.get(server.url("/ok"), {.headers = {{"Bad Name", "v"}}}));
  EXPECT_EQ(name.code(), ErrorCode::BadOptionValue);
  auto nul = fails(client.get(server.url("/ok"), {.headers = {{"X-Nul", std::string("a\0b", 3)}}}));
  EXPECT_EQ(nul.code(), ErrorCode::BadOptionValue);
  auto method = fails(client.request({.method = "GET /x HTTP/1.1\r\n", .url = server.url("/ok")}));
  EXPECT_EQ(method.code(), ErrorCode::BadOptionValue);
  EXPECT_EQ(server.accepted_count(), 0u);
}

TEST_F(ClientTest, Timeouts) {
  auto t = fails(client.get(server.url("/headers-never"), {.timeout = 200ms}));
  EXPECT_EQ(t.code(), ErrorCode::Timeout);
  EXPECT_STREQ(t.what(), "timeout of 200ms exceeded");
  EXPECT_EQ(tether::to_string(t.code()), "ECONNABORTED");
  EXPECT_FALSE(t.is_cancel());

  RequestConfig clarified{.url = server.url("/headers-never"), .timeout = 100ms};
  clarified.transitional.clarify_timeout_error = true;
  EXPECT_EQ(fails(client.request(clarified)).code(), ErrorCode::TimedOut);

  RequestConfig idle{.url = server.url("/stall")};
  idle.idle_timeout = 200ms;
  auto i = fails(client.request(idle));
  EXPECT_EQ(i.code(), ErrorCode::Timeout);
  EXPECT_STREQ(i.what(), "idle timeout of 200ms exceeded");
  EXPECT_EQ(i.phase(), tether::RequestPhase::Body);

  tether::test::StalledListener listener;  // connecting never completes
  RequestConfig connecting{.url = listener.url(), .timeout = 5s};
  connecting.connect_timeout = 200ms;
  auto c = fails(client.request(connecting));
  EXPECT_EQ(c.code(), ErrorCode::Timeout);
  EXPECT_STREQ(c.what(), "connect timeout of 200ms exceeded");
  EXPECT_EQ(c.phase(), tether::RequestPhase::Connect);
  EXPECT_FALSE(c.maybe_delivered());

  // A slow drip that never goes idle for 300 ms is not an idle timeout.
  RequestConfig dripping{.url = server.url("/drip?bytes=5&interval_ms=50")};
  dripping.idle_timeout = 300ms;
  EXPECT_EQ(ok(client.request(dripping)).data.to_string().size(), 5u);
}

TEST_F(ClientTest, NetworkErrors) {
  for (auto path : {"/reset", "/close", "/malformed"}) {
    auto e = fails(client.get(server.url(path)));
    EXPECT_EQ(e.code(), ErrorCode::Network) << path << ": " << e.what();
    EXPECT_TRUE(e.maybe_delivered()) << path;
  }
  std::string refused;
  {
    TestServer gone;
    refused = gone.url("/ok");
  }
  auto e = fails(client.get(refused));
  EXPECT_EQ(e.code(), ErrorCode::Network);
  EXPECT_EQ(e.phase(), tether::RequestPhase::Connect);
  EXPECT_FALSE(e.maybe_delivered());
}

TEST_F(ClientTest, MaxContentLength) {
  auto e = fails(client.get(server.url("/bytes/1000"), {.max_content_length = 100}));
  EXPECT_EQ(e.code(), ErrorCode::BadResponse);
  EXPECT_STREQ(e.what(), "maxContentLength size of 100 exceeded");
  EXPECT_EQ(
      ok(client.get(server.url("/bytes/100"), {.max_content_length = 100})).data.bytes().size(),
      100u);
}

TEST_F(ClientTest, MaxBodyLength) {
  RequestConfig config{.method = "POST", .url = server.url("/echo"), .data = std::string(10, 'x')};
  config.max_body_length = 5;
  EXPECT_EQ(fails(client.request(config)).code(), ErrorCode::BadRequest);
  EXPECT_EQ(server.accepted_count(), 0u);
}

TEST_F(ClientTest, Decompression) {
  auto r = ok(client.get(server.url("/gzip")));
  ASSERT_TRUE(r.data.is_json());
  EXPECT_EQ(r.data.json()["gzipped"], true);
  RequestConfig raw{.url = server.url("/gzip")};
  raw.decompress = false;
  raw.response_type = tether::ResponseType::Bytes;
  auto b = ok(client.request(raw));
  std::string bytes(reinterpret_cast<const char*>(b.data.bytes().data()), b.data.bytes().size());
  EXPECT_EQ(bytes, TestServer::gzip_body());
}

TEST_F(ClientTest, ResponseTypes) {
  RequestConfig text{.url = server.url("/echo")};
  text.response_type = tether::ResponseType::Text;
  EXPECT_TRUE(ok(client.request(text)).data.is_text());
  RequestConfig json{.url = server.url("/status/200?body=[1,2]&ctype=text/plain")};
  json.response_type = tether::ResponseType::Json;
  EXPECT_EQ(ok(client.request(json)).data.json(), nlohmann::json({1, 2}));
  RequestConfig bad_json{.url = server.url("/ok")};
  bad_json.response_type = tether::ResponseType::Json;
  EXPECT_EQ(fails(client.request(bad_json)).code(), ErrorCode::BadResponse);
  // Auto with a JSON content type that does not parse stays text (axios' silentJSONParsing).
  auto lenient = ok(client.get(server.url("/status/200?body=nope&ctype=application/json")));
  EXPECT_TRUE(lenient.data.is_text());
}

TEST_F(ClientTest, ProgressAndStreaming) {
  std::vector<tether::ProgressEvent> down;
  RequestConfig config{.url = server.url("/bytes/200000")};
  config.on_download_progress = [&](const tether::ProgressEvent& e) { down.push_back(e); };
  auto r = ok(client.request(config));
  ASSERT_FALSE(down.empty());
  EXPECT_EQ(down.back().loaded, 200000u);
  ASSERT_TRUE(down.back().total);
  EXPECT_EQ(*down.back().total, 200000u);
  EXPECT_FALSE(down.back().upload);

  std::vector<tether::ProgressEvent> up;
  RequestConfig upload{
      .method = "POST", .url = server.url("/echo"), .data = std::string(300000, 'u')};
  upload.on_upload_progress = [&](const tether::ProgressEvent& e) { up.push_back(e); };
  ok(client.request(upload));
  ASSERT_FALSE(up.empty());
  EXPECT_EQ(up.back().loaded, 300000u);
  EXPECT_TRUE(up.back().upload);

  std::string streamed;
  RequestConfig stream{.url = server.url("/bytes/100000")};
  stream.response_type = tether::ResponseType::Stream;
  stream.on_data = [&](std::string_view chunk) { streamed.append(chunk); };
  auto s = ok(client.request(stream));
  ASSERT_EQ(streamed.size(), 100000u);
  for (std::size_t i = 0; i < streamed.size(); i += 997) {
    ASSERT_EQ(streamed[i], TestServer::pattern_byte(i));
  }
  EXPECT_TRUE(s.data.bytes().empty());
}

TEST_F(ClientTest, MultiValuedResponseHeaders) {
  auto r = ok(client.get(server.url("/set-cookie")));
  EXPECT_EQ(r.headers.get_all("set-cookie").size(), 2u);
}

TEST_F(ClientTest, ContinuationsRunOnTheEngineThread) {
  auto executor = client.executor();
  auto on_engine = client.get(server.url("/ok")).then([executor](Response) {
    return executor->running_in_this_thread();
  });
  EXPECT_TRUE(on_engine.get());
}

TEST_F(ClientTest, GetOnTheEngineThreadThrowsInsteadOfDeadlocking) {
  auto url = server.url("/ok");
  auto nested = client.get(url).then([this, url](Response) {
    try {
      client.get(url).get();
      return std::string("no throw");
    } catch (const tether::Error& e) {
      return std::string(tether::to_string(e.code()));
    }
  });
  EXPECT_EQ(nested.get(), "ERR_BAD_OPTION_VALUE");
}

TEST_F(ClientTest, ProcessWideDefaultClient) {
  auto r = tether::get(server.url("/ok")).result();
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value().data.text(), "ok");
}

TEST_F(ClientTest, ReusedHandlesCarryNothingOver) {
  // One request at a time, so each reuses the easy handle the previous one had.
  auto plain = [&] {
    auto echo = ok(client.get(server.url("/echo"))).data.json();
    EXPECT_EQ(echo["method"], "GET");
    EXPECT_EQ(echo["body"], "");
    EXPECT_FALSE(echo["headers"].contains("authorization"));
    EXPECT_FALSE(echo["headers"].contains("x-once"));
    EXPECT_FALSE(echo["headers"].contains("content-type"));
  };
  plain();
  RequestConfig busy{
      .method = "PUT", .url = server.url("/echo"), .headers = {{"X-Once", "1"}}, .data = "body"};
  busy.auth = tether::Auth{"user", "pass"};
  EXPECT_EQ(ok(client.request(busy)).data.json()["method"], "PUT");
  plain();
  EXPECT_EQ(ok(client.head(server.url("/echo"))).status, 200);
  plain();
  tether::Form form{{"f", "v"}};
  ok(client.post(server.url("/echo"), form));
  plain();
  EXPECT_EQ(ok(client.get(server.url("/echo"), {.headers = {{"X-Once", "1"}}}))
                .data.json()["headers"]["x-once"],
            "1");
  plain();
}
