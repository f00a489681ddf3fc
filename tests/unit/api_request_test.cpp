// What make_request() sends for an ApiRequest: headers, method, url and body
// chosen as the reference article's makeRequest().
#include <gtest/gtest.h>

#include <string>

#include "api/request_builder.hpp"
#include "tether/api_client.hpp"

using tether::ApiRequest;
using tether::Body;
using tether::detail::to_request_config;

namespace {

std::string body_text(const Body& body) {
  return body.serialize();
}

}  // namespace

TEST(ApiRequestBuilder, NoBodyIsAGet) {
  auto config = to_request_config({.url = "/items"});
  EXPECT_EQ(config.method, "GET");
  EXPECT_EQ(config.url, "/items");
  EXPECT_TRUE(config.data.empty());
  EXPECT_FALSE(config.headers.has("content-type"));
}

TEST(ApiRequestBuilder, MethodIsKeptAndUpperCased) {
  EXPECT_EQ(to_request_config({.method = "delete", .url = "/x"}).method, "DELETE");
  EXPECT_EQ(to_request_config({.method = "PUT", .url = "/x", .json = 1}).method, "PUT");
}

TEST(ApiRequestBuilder, HeaderNamesAreLowerCased) {
  auto config = to_request_config({.headers = {{"X-Request-ID", "7"},
                                               {"Accept", "text/html"},
                                               {"X-Multi", "a"},
                                               {"x-multi", "b"}},
                                   .url = "/x"});
  std::vector<std::string> names;
  for (const auto& entry : config.headers) names.push_back(entry.name);
  EXPECT_EQ(names, (std::vector<std::string>{"x-request-id", "accept", "x-multi", "x-multi"}));
  EXPECT_EQ(config.headers.get("x-multi"), "a, b");
}

TEST(ApiRequestBuilder, UnsetHeaderNamesStayUnsetLowerCased) {
  tether::Headers headers;
  headers.unset("X-Default");
  auto config = to_request_config({.headers = headers, .url = "/x"});
  EXPECT_TRUE(config.headers.is_unset("x-default"));
}

TEST(ApiRequestBuilder, ParamsAreMergedIntoTheUrl) {
  auto config = to_request_config({.url = "/search?q=old&page=1#top", .params = {{"q", "new"}}});
  EXPECT_EQ(config.url, "/search?q=new&page=1#top");
  // Only nulls for the request's names: they drop a Client default of that name.
  ASSERT_TRUE(config.params.has("q"));
  for (const auto& [name, value] : config.params) EXPECT_TRUE(value.is_null()) << name;
}

TEST(ApiRequestBuilder, JsonDefaultsToPostAndApplicationJson) {
  auto config = to_request_config({.url = "/x", .json = nlohmann::json{{"a", 1}}});
  EXPECT_EQ(config.method, "POST");
  EXPECT_EQ(config.headers.get("content-type"), "application/json");
  EXPECT_EQ(body_text(config.data), R"({"a":1})");
}

TEST(ApiRequestBuilder, JsonTakesTheGivenContentTypeAndMethod) {
  auto config = to_request_config({.content_type = "application/x-json",
                                   .headers = {{"Content-Type", "text/plain"}},
                                   .method = "PATCH",
                                   .url = "/x",
                                   .json = nlohmann::json::array({1})});
  EXPECT_EQ(config.method, "PATCH");
  EXPECT_EQ(config.headers.get("content-type"), "application/x-json");
  EXPECT_EQ(config.headers.get_all("content-type").size(), 1u);
  EXPECT_EQ(body_text(config.data), "[1]");
}

// The article's `else if ( json )` skipped a falsy JSON value (0, "", false).
TEST(ApiRequestBuilder, AFalsyJsonValueIsStillSent) {
  auto config = to_request_config({.url = "/x", .json = false});
  EXPECT_EQ(config.method, "POST");
  EXPECT_EQ(body_text(config.data), "false");
}

TEST(ApiRequestBuilder, BodyDefaultsToPostAndOctetStream) {
  auto config = to_request_config({.url = "/x", .body = std::string("\x00\x01raw", 5)});
  EXPECT_EQ(config.method, "POST");
  EXPECT_EQ(config.headers.get("content-type"), "application/octet-stream");
  EXPECT_EQ(config.data.kind(), Body::Kind::Bytes);
  EXPECT_EQ(body_text(config.data), std::string("\x00\x01raw", 5));
}

TEST(ApiRequestBuilder, BodyTakesTheGivenContentType) {
  auto config = to_request_config({.content_type = "text/csv", .url = "/x", .body = "a,b"});
  EXPECT_EQ(config.headers.get("content-type"), "text/csv");
}

TEST(ApiRequestBuilder, FormForcesPostAndDropsTheCallersContentType) {
  auto config =
      to_request_config({.content_type = "application/json",
                         .headers = {{"Content-Type", "text/plain"}, {"X-A", "1"}},
                         .method = "PUT",
                         .url = "/x",
                         .form = tether::Form{{"event", "preview"}, {"content", "*hi*"}}});
  EXPECT_EQ(config.method, "POST");
  EXPECT_FALSE(config.headers.has("content-type"));
  // Unset, so a Client default content-type is dropped too; the transport
  // writes multipart/form-data with its boundary.
  EXPECT_TRUE(config.headers.is_unset("content-type"));
  EXPECT_EQ(config.headers.get("x-a"), "1");
  ASSERT_NE(config.data.form(), nullptr);
  EXPECT_EQ(config.data.form()->parts().size(), 2u);
}

TEST(ApiRequestBuilder, FormWinsOverJsonWhichWinsOverBody) {
  auto form =
      to_request_config({.url = "/x", .form = tether::Form{{"a", "1"}}, .json = 1, .body = "b"});
  EXPECT_EQ(form.data.kind(), Body::Kind::Form);
  auto json = to_request_config({.url = "/x", .json = 1, .body = "b"});
  EXPECT_EQ(json.data.kind(), Body::Kind::Json);
}

TEST(ApiRequestBuilder, SignalIsPassedThrough) {
  tether::AbortController controller;
  auto config = to_request_config({.url = "/x", .signal = controller.signal()});
  EXPECT_TRUE(config.signal == controller.signal());
}

TEST(ApiRequestBuilder, ResponsesAreUnwrappedByContentType) {
  EXPECT_EQ(to_request_config({.url = "/x"}).response_type, tether::ResponseType::Auto);
}
