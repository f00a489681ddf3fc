// axios habits against a live server: object literals and structs as bodies,
// data read into structs, configs built by name, interceptors given nullptr,
// and the message that says how to allow an absolute URL.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "support/outcomes.hpp"
#include "support/test_server.hpp"
#include "tether/client.hpp"
#include "tether/config.hpp"

namespace shop {
struct Item {
  std::string name;
  int n = 0;
};
void to_json(nlohmann::json& j, const Item& item) {
  j = nlohmann::json{{"name", item.name}, {"n", item.n}};
}
void from_json(const nlohmann::json& j, Item& item) {
  j.at("name").get_to(item.name);
  j.at("n").get_to(item.n);
}
// What /echo answers, read as a struct.
struct Echo {
  std::string method;
  std::string body;
};
void from_json(const nlohmann::json& j, Echo& e) {
  j.at("method").get_to(e.method);
  j.at("body").get_to(e.body);
}
}  // namespace shop

namespace tether {
namespace {

using namespace std::chrono_literals;
using test::fails;
using test::ok;

class ErgonomicsTest : public ::testing::Test {
 protected:
  test::TestServer server;
  Client client;
};

TEST_F(ErgonomicsTest, PostsAnObjectLiteralAsJson) {
  auto r = ok(client.post(server.url("/echo"), {{"name", "x"}, {"n", 1}}));
  EXPECT_TRUE(r.ok());
  auto echo = r.data.as<shop::Echo>();
  EXPECT_EQ(echo.method, "POST");
  EXPECT_EQ(nlohmann::json::parse(echo.body), nlohmann::json::parse(R"({"name":"x","n":1})"));
  EXPECT_EQ(r.data.json()["headers"]["content-type"], "application/json");
}

TEST_F(ErgonomicsTest, PostsAStructWithToJson) {
  auto r = ok(client.post(server.url("/echo"), shop::Item{"pen", 2}));
  auto sent = nlohmann::json::parse(r.data.as<shop::Echo>().body).get<shop::Item>();
  EXPECT_EQ(sent.name, "pen");
  EXPECT_EQ(sent.n, 2);
}

TEST_F(ErgonomicsTest, ReadsAResponseIntoAStruct) {
  auto r =
      ok(client.get(server.url("/status/200?body=%7B%22name%22%3A%22ink%22%2C%22n%22%3A4%7D"
                               "&ctype=application/json")));
  auto item = r.data.as<shop::Item>();
  EXPECT_EQ(item.name, "ink");
  EXPECT_EQ(item.n, 4);
}

TEST_F(ErgonomicsTest, ConfigBuilderDrivesARequest) {
  auto r = ok(client.get(server.url("/echo"),
                         tether::config().timeout(10s).header("X-Key", "v").param("page", 2)));
  EXPECT_EQ(r.data.json()["headers"]["x-key"], "v");
  EXPECT_EQ(r.data.json()["query"], "page=2");
}

TEST_F(ErgonomicsTest, ResponseInterceptorWithNullErrorHandlerRuns) {
  client.interceptors().response.use(
      [](Response r) {
        r.headers.set("X-Seen", "yes");
        return r;
      },
      nullptr);
  auto r = ok(client.get(server.url("/ok")));
  EXPECT_EQ(r.headers.get("X-Seen"), "yes");
  auto e = fails(client.get(server.url("/status/500")));  // passes through
  EXPECT_EQ(e.code(), ErrorCode::BadResponse);
}

TEST_F(ErgonomicsTest, AbsoluteUrlErrorSaysHowToAllowIt) {
  Client api({.base_url = server.url("/")});
  auto e = fails(api.get(server.url("/ok")));
  EXPECT_EQ(e.code(), ErrorCode::InvalidUrl);
  EXPECT_NE(std::string(e.what()).find(".allow_absolute_urls = true"), std::string::npos)
      << e.what();
  auto r = ok(api.get(server.url("/ok"), {.allow_absolute_urls = true}));
  EXPECT_EQ(r.status, 200);
}

}  // namespace
}  // namespace tether
