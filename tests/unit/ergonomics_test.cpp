// What an axios user writes: bodies from literals and structs, data read into
// structs, configs built by name, interceptors with nullptr or move-only
// callables. (This file builds with -Wall -Wextra and no
// -Wno-missing-field-initializers: the designated initializers below are the
// warning-free check.)
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tether/config.hpp"
#include "tether/interceptors.hpp"

namespace app {
struct User {
  std::string name;
  int n = 0;
};
void to_json(nlohmann::json& j, const User& u) {
  j = nlohmann::json{{"name", u.name}, {"n", u.n}};
}
void from_json(const nlohmann::json& j, User& u) {
  j.at("name").get_to(u.name);
  j.at("n").get_to(u.n);
}
}  // namespace app

namespace tether {
namespace {

using namespace std::chrono_literals;

// Stands in for post(url, Body, RequestConfig): the literal must reach Body.
Body as_posted(Body body, RequestConfig = {}) {
  return body;
}

TEST(BodyLiteral, ObjectLiteralIsJsonObject) {
  Body body = as_posted({{"name", "x"}, {"n", 1}});
  ASSERT_EQ(body.kind(), Body::Kind::Json);
  EXPECT_EQ(*body.json(), nlohmann::json::parse(R"({"name":"x","n":1})"));
  EXPECT_EQ(body.serialize(), R"({"n":1,"name":"x"})");
  EXPECT_EQ(body.default_content_type(), "application/json");
}

TEST(BodyLiteral, NestedAndArrayLiterals) {
  Body nested = as_posted({{"user", {{"id", 7}}}, {"tags", {"a", "b"}}});
  ASSERT_EQ(nested.kind(), Body::Kind::Json);
  EXPECT_EQ((*nested.json())["user"]["id"], 7);
  EXPECT_EQ((*nested.json())["tags"], nlohmann::json::array({"a", "b"}));
  Body array = as_posted({1, 2, 3});
  ASSERT_EQ(array.kind(), Body::Kind::Json);
  EXPECT_TRUE(array.json()->is_array());
}

TEST(BodyLiteral, OneStringInBracesStaysText) {
  Body body = as_posted({"plain"});
  ASSERT_EQ(body.kind(), Body::Kind::Text);
  EXPECT_EQ(*body.text(), "plain");
}

TEST(BodyLiteral, StructWithToJsonIsSentAsJson) {
  Body body = as_posted(app::User{"ada", 3});
  ASSERT_EQ(body.kind(), Body::Kind::Json);
  EXPECT_EQ((*body.json())["name"], "ada");
  EXPECT_EQ((*body.json())["n"], 3);
}

TEST(BodyLiteral, ValuesNlohmannConvertsAreJson) {
  EXPECT_EQ(as_posted(std::map<std::string, int>{{"a", 1}}).kind(), Body::Kind::Json);
  EXPECT_EQ(as_posted(std::vector<int>{1, 2}).kind(), Body::Kind::Json);
  EXPECT_EQ(as_posted(42).serialize(), "42");
}

TEST(BodyLiteral, TextBytesAndFormsKeepTheirKinds) {
  EXPECT_EQ(as_posted(std::string("s")).kind(), Body::Kind::Text);
  EXPECT_EQ(as_posted("s").kind(), Body::Kind::Text);
  EXPECT_EQ(as_posted(std::string_view("s")).kind(), Body::Kind::Text);
  EXPECT_EQ(as_posted(Bytes{std::byte{1}}).kind(), Body::Kind::Bytes);
  EXPECT_EQ(as_posted(Form{{"a", "b"}}).kind(), Body::Kind::Form);
  EXPECT_EQ(as_posted(UrlEncoded{{"a", "b"}}).kind(), Body::Kind::UrlEncoded);
  EXPECT_EQ(as_posted({}).kind(), Body::Kind::None);
}

TEST(DataAs, ReadsJsonIntoAStruct) {
  Data data = Data::from_json(nlohmann::json{{"name", "ada"}, {"n", 3}});
  auto user = data.as<app::User>();
  EXPECT_EQ(user.name, "ada");
  EXPECT_EQ(user.n, 3);
  EXPECT_EQ(Data::from_json({1, 2}).as<std::vector<int>>(), (std::vector<int>{1, 2}));
}

TEST(DataAs, ParsesJsonThatCameAsText) {
  EXPECT_EQ(Data::from_text(R"({"name":"b","n":2})").as<app::User>().n, 2);
}

TEST(DataAs, NotJsonIsAClearError) {
  try {
    (void)Data::from_text("<html>").as<app::User>();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadResponse);
    EXPECT_NE(std::string(e.what()).find("not JSON"), std::string::npos) << e.what();
  }
}

TEST(DataAs, JsonOfTheWrongShapeIsAClearError) {
  try {
    (void)Data::from_json(nlohmann::json{{"name", 5}}).as<app::User>();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadResponse);
    EXPECT_NE(std::string(e.what()).find("does not fit"), std::string::npos) << e.what();
  }
}

TEST(ResponseOk, TwoHundredsOnly) {
  EXPECT_TRUE(Response{.status = 200}.ok());
  EXPECT_TRUE(Response{.status = 299}.ok());
  EXPECT_FALSE(Response{.status = 199}.ok());
  EXPECT_FALSE(Response{.status = 304}.ok());
  EXPECT_FALSE(Response{.status = 404}.ok());
}

TEST(DesignatedInit, PartialConfigsBuild) {
  AbortController controller;
  RequestConfig a{.timeout = 5s};
  RequestConfig b{.headers = {{"A", "b"}}, .timeout = 5s, .signal = controller.signal()};
  RetryPolicy retry{.retries = 2};
  Proxy proxy{.url = "http://127.0.0.1:1"};
  TlsOptions tls{.verify = false};
  EXPECT_EQ(a.timeout, 5s);
  EXPECT_EQ(b.headers.get("a"), "b");
  EXPECT_EQ(retry.retries, 2);
  EXPECT_EQ(proxy.url, "http://127.0.0.1:1");
  EXPECT_EQ(tls.verify, false);
}

TEST(ConfigBuilder, SetsFieldsInAnyOrder) {
  AbortController controller;
  RequestConfig config = tether::config()
                             .signal(controller.signal())
                             .header("X-Key", "v")
                             .timeout(5s)
                             .param("page", 2)
                             .max_redirects(0)
                             .allow_absolute_urls()
                             .retries(3)
                             .method_header("post", "X-Post", "1")
                             .auth("u", "p");
  EXPECT_EQ(config.timeout, 5s);
  EXPECT_EQ(config.headers.get("x-key"), "v");
  EXPECT_EQ(config.signal, controller.signal());
  EXPECT_FALSE(config.params.empty());
  EXPECT_EQ(config.max_redirects, 0);
  EXPECT_EQ(config.allow_absolute_urls, true);
  ASSERT_TRUE(config.retry);
  EXPECT_EQ(config.retry->retries, 3);
  EXPECT_EQ(config.method_headers.at("post").get("X-Post"), "1");
  ASSERT_TRUE(config.auth);
  EXPECT_EQ(config.auth->username, "u");
}

TEST(ConfigBuilder, StartsFromABaseAndPassesAsAConfig) {
  RequestConfig base{.base_url = "http://127.0.0.1:1/"};
  auto builder = ConfigBuilder(base).timeout(1s);
  auto take = [](RequestConfig c) { return c; };
  RequestConfig built = take(builder);
  EXPECT_EQ(built.base_url, "http://127.0.0.1:1/");
  EXPECT_EQ(built.timeout, 1s);
  EXPECT_EQ(builder.get().timeout, 1s);  // the builder is left as it was
}

TEST(Interceptors, ValueHandlerWithNullErrorHandler) {
  ResponseInterceptors list;
  list.use([](Response r) { return r; }, nullptr);
  list.use(nullptr, [](const Error&) -> Response { return Response{.status = 200}; });
  auto entries = list.snapshot();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_TRUE(entries[0]->on_value);
  EXPECT_FALSE(entries[0]->on_error);
  EXPECT_FALSE(entries[1]->on_value);
  EXPECT_TRUE(entries[1]->on_error);
}

TEST(Interceptors, MoveOnlyCallablesAreAccepted) {
  RequestInterceptors requests;
  auto header = std::make_unique<std::string>("moved");
  requests.use([h = std::move(header)](RequestConfig c) {
    c.headers.set("X-Moved", *h);
    return c;
  });
  ResponseInterceptors responses;
  auto status = std::make_unique<int>(201);
  responses.use([s = std::move(status)](Response r) {
    r.status = *s;
    return r;
  });
  auto config = std::get<RequestConfig>(requests.snapshot()[0]->on_value(RequestConfig{}));
  EXPECT_EQ(config.headers.get("X-Moved"), "moved");
  auto response = std::get<Response>(responses.snapshot()[0]->on_value(Response{}));
  EXPECT_EQ(response.status, 201);
}

}  // namespace
}  // namespace tether
