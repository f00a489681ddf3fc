// A response's header fields as the engine hands them over: every field line
// of the final response, in order, duplicates kept, more of them than the
// engine makes room for up front (8), and none from a 1xx or a redirect the
// loop followed; the same fields reach on_response before the body.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "support/outcomes.hpp"
#include "support/test_server.hpp"
#include "tether/client.hpp"

using namespace tether;
using tether::test::ok;

namespace {

// Answers one connection's first request with `reply` (raw bytes), then
// closes it.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::string reply) : reply_(std::move(reply)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 4);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedServer() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

 private:
  void serve() {
    int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) break;
      request.append(buf, static_cast<size_t>(n));
    }
    [[maybe_unused]] auto w = ::write(c, reply_.data(), reply_.size());
    ::shutdown(c, SHUT_WR);
    while (::read(c, buf, sizeof buf) > 0) {
    }
    ::close(c);
  }
  std::string reply_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

std::vector<std::pair<std::string, std::string>> entries(const Headers& h) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : h) out.emplace_back(e.name, e.value);
  return out;
}

}  // namespace

TEST(ResponseHeaders, ManyFieldsInOrderWithDuplicates) {
  std::string reply = "HTTP/1.1 200 OK\r\n";
  std::vector<std::pair<std::string, std::string>> expected;
  for (int i = 0; i < 12; ++i) {
    std::string name = i % 3 == 0 ? "Set-Cookie" : "X-Field-" + std::to_string(i);
    std::string value = "value " + std::to_string(i) + " with some length to it";
    reply += name + ":  " + value + "  \r\n";  // blanks around the value are not part of it
    expected.emplace_back(name, value);
  }
  reply += "Content-Length: 2\r\nConnection: close\r\n\r\nhi";
  expected.emplace_back("Content-Length", "2");
  expected.emplace_back("Connection", "close");
  ScriptedServer server(reply);
  Client client;
  auto r = ok(client.get(server.url()));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(entries(r.headers), expected);
  EXPECT_EQ(r.headers.get_all("set-cookie").size(), 4u);
}

TEST(ResponseHeaders, AnInformationalResponsesFieldsAreNotTheFinalOnes) {
  ScriptedServer server(
      "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Final: yes\r\nConnection: close\r\n\r\nhi");
  Client client;
  auto r = ok(client.get(server.url()));
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.headers.has("Link"));
  EXPECT_EQ(r.headers.get("X-Final").value_or(""), "yes");
  EXPECT_EQ(r.headers.size(), 3u);
}

TEST(ResponseHeaders, AFollowedRedirectLeavesOnlyTheFinalResponsesFields) {
  tether::test::TestServer server;
  Client client;
  auto r = ok(client.get(server.url("/redirect/2")));
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.headers.has("Location"));
  EXPECT_EQ(r.headers.get_all("Content-Length").size(), 1u);
}

TEST(ResponseHeaders, OnResponseSeesTheFieldsTheResponseKeeps) {
  ScriptedServer server(
      "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nA: 3\r\nContent-Length: 5\r\nConnection: close\r\n\r\n"
      "hello");
  Client client;
  Headers seen;
  std::string body;
  auto r = ok(client.get(server.url(),
                         {.response_type = ResponseType::Stream,
                          .on_response = [&](const ResponseHead& head) { seen = head.headers; },
                          .on_data = [&](std::string_view chunk) { body.append(chunk); }}));
  EXPECT_EQ(body, "hello");
  EXPECT_EQ(entries(seen), entries(r.headers));
  EXPECT_EQ(seen.get("a").value_or(""), "1, 3");
}
