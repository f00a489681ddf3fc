// The demo's embedded server: markdown, HTTP parsing, form fields, and that it
// sees a client close the connection mid-request.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "form_fields.hpp"
#include "http_message.hpp"
#include "markdown.hpp"
#include "preview_server.hpp"

using namespace std::chrono_literals;
using tether::demo::markdown_to_html;

TEST(DemoMarkdown, BlocksAndSpans) {
  EXPECT_EQ(markdown_to_html("# Title"), "<h1>Title</h1>\n");
  EXPECT_EQ(markdown_to_html("### Three"), "<h3>Three</h3>\n");
  EXPECT_EQ(markdown_to_html("a **b** *c* _d_ `e`"),
            "<p>a <strong>b</strong> <em>c</em> <em>d</em> <code>e</code></p>\n");
  EXPECT_EQ(markdown_to_html("[x](https://e.org/a)"), "<p><a href=\"https://e.org/a\">x</a></p>\n");
  EXPECT_EQ(markdown_to_html("- a\n- b\n\n1. c"),
            "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<ol>\n<li>c</li>\n</ol>\n");
  EXPECT_EQ(markdown_to_html("```\n<b>\n```"), "<pre><code>&lt;b&gt;\n</code></pre>\n");
  EXPECT_EQ(markdown_to_html("one\ntwo\n\nthree"), "<p>one\ntwo</p>\n<p>three</p>\n");
}

TEST(DemoMarkdown, HalfTypedAndHostileInputStaysText) {
  EXPECT_EQ(markdown_to_html("**bol"), "<p>**bol</p>\n");
  EXPECT_EQ(markdown_to_html("#"), "<p>#</p>\n");
  EXPECT_EQ(markdown_to_html("<script>x</script>"), "<p>&lt;script&gt;x&lt;/script&gt;</p>\n");
  EXPECT_EQ(markdown_to_html("[x](javascript:alert(1))"), "<p>[x](javascript:alert(1))</p>\n");
  EXPECT_EQ(markdown_to_html(""), "");
}

TEST(DemoHttp, ParsesLengthAndChunkedBodiesAndRejectsBadInput) {
  tether::demo::HttpRequest r;
  std::size_t used = 0;
  std::string both =
      "POST /p?a=1&b=x+y HTTP/1.1\r\nContent-Length: 2\r\n\r\nhiGET / HTTP/1.1\r\n\r\n";
  ASSERT_EQ(tether::demo::parse_request(both, r, used), tether::demo::ParseStatus::Complete);
  EXPECT_EQ(r.body, "hi");
  EXPECT_EQ(r.path(), "/p");
  EXPECT_EQ(r.query("b"), "x y");
  EXPECT_EQ(both.substr(used), "GET / HTTP/1.1\r\n\r\n");

  std::string chunked =
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
  ASSERT_EQ(tether::demo::parse_request(chunked, r, used), tether::demo::ParseStatus::Complete);
  EXPECT_EQ(r.body, "abcde");
  EXPECT_EQ(tether::demo::parse_request(chunked.substr(0, 60), r, used),
            tether::demo::ParseStatus::Incomplete);
  EXPECT_EQ(tether::demo::parse_request("GARBAGE\r\n\r\n", r, used),
            tether::demo::ParseStatus::Bad);
  EXPECT_EQ(tether::demo::parse_request("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n", r, used),
            tether::demo::ParseStatus::Bad);
  EXPECT_EQ(
      tether::demo::parse_request("GET / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", r, used),
      tether::demo::ParseStatus::BodyTooLarge);
  EXPECT_EQ(tether::demo::parse_request(std::string(70'000, 'a'), r, used),
            tether::demo::ParseStatus::HeadersTooLarge);
}

TEST(DemoHttp, FormFieldsFromEveryEncoding) {
  tether::demo::HttpRequest r;
  r.headers = {{"content-type", "multipart/form-data; boundary=\"XY\""}};
  r.body =
      "--XY\r\nContent-Disposition: form-data; name=\"event\"\r\n\r\npreview\r\n"
      "--XY\r\nContent-Disposition: form-data; name=\"content\"\r\n\r\n# a\r\nb\r\n--XY--\r\n";
  EXPECT_EQ(tether::demo::form_field(r, "content"), "# a\r\nb");
  EXPECT_EQ(tether::demo::form_field(r, "missing"), std::nullopt);
  r.headers = {{"content-type", "application/x-www-form-urlencoded"}};
  r.body = "content=a+b%26c&x=1";
  EXPECT_EQ(tether::demo::form_field(r, "content"), "a b&c");
  r.headers = {{"content-type", "application/json"}};
  r.body = R"({"content":"*x*"})";
  EXPECT_EQ(tether::demo::form_field(r, "content"), "*x*");
  r.body = "not json";
  EXPECT_EQ(tether::demo::form_field(r, "content"), std::nullopt);
}

namespace {

// A raw client: connects to the server and sends bytes.
int connect_to(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

std::string read_all(int fd) {
  std::string out;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) out.append(buffer, n);
  return out;
}

struct Recorder {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<tether::demo::ServerEvent> events;
  void add(const tether::demo::ServerEvent& e) {
    std::lock_guard lock(mu);
    events.push_back(e);
    cv.notify_all();
  }
  bool wait_for_kind(tether::demo::ServerEvent::Kind kind) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 30s, [&] {
      for (auto& e : events) {
        if (e.kind == kind) return true;
      }
      return false;
    });
  }
};

}  // namespace

TEST(DemoServer, SeesTheClientCloseMidRequest) {
  Recorder recorder;
  tether::demo::PreviewServer server({.on_event = [&](auto& e) { recorder.add(e); }});
  int fd = connect_to(server.port());
  std::string request =
      "GET /foo/bar?delay=10000 HTTP/1.1\r\nHost: x\r\nX-Demo-Request: 42\r\n\r\n";
  ASSERT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  ASSERT_TRUE(recorder.wait_for_kind(tether::demo::ServerEvent::Kind::Received));
  ::close(fd);
  ASSERT_TRUE(recorder.wait_for_kind(tether::demo::ServerEvent::Kind::ClientClosed));
  EXPECT_EQ(server.closes_seen(), 1u);
  std::lock_guard lock(recorder.mu);
  EXPECT_EQ(recorder.events.back().request_id, "42");
  EXPECT_EQ(recorder.events.back().latency, 10'000ms);
}

TEST(DemoServer, AnswersAfterItsLatencyAndRejectsBadRequests) {
  tether::demo::PreviewServer server;
  int fd = connect_to(server.port());
  std::string request =
      "POST /preview?delay=0 HTTP/1.1\r\nContent-Type: application/json\r\nConnection: close\r\n"
      "Content-Length: 17\r\n\r\n{\"content\":\"*a*\"}";
  ::send(fd, request.data(), request.size(), 0);
  auto reply = read_all(fd);
  ::close(fd);
  EXPECT_NE(reply.find("HTTP/1.1 200 OK"), std::string::npos) << reply;
  EXPECT_NE(reply.find(R"({"preview":"<p><em>a</em></p>\n"})"), std::string::npos) << reply;

  fd = connect_to(server.port());
  ::send(fd, "NONSENSE\r\n\r\n", 12, 0);
  reply = read_all(fd);
  ::close(fd);
  EXPECT_NE(reply.find("HTTP/1.1 400"), std::string::npos) << reply;
}

TEST(DemoServer, SameSeedSameLatenciesAndAThrowingObserverIsContained) {
  std::vector<std::chrono::milliseconds> latencies[2];
  for (auto& seen : latencies) {
    std::mutex mu;
    tether::demo::PreviewServer server({.min_latency = 0ms,
                                        .max_latency = 5ms,
                                        .seed = 11,
                                        .on_event = [&](const tether::demo::ServerEvent& e) {
                                          if (e.kind == tether::demo::ServerEvent::Kind::Received) {
                                            std::lock_guard lock(mu);
                                            seen.push_back(e.latency);
                                          }
                                          throw std::runtime_error("observer bug");
                                        }});
    for (int i = 0; i < 5; ++i) {
      int fd = connect_to(server.port());
      std::string request = "GET /foo/bar HTTP/1.1\r\nConnection: close\r\n\r\n";
      ::send(fd, request.data(), request.size(), 0);
      EXPECT_NE(read_all(fd).find("200 OK"), std::string::npos);
      ::close(fd);
    }
  }
  EXPECT_EQ(latencies[0].size(), 5u);
  EXPECT_EQ(latencies[0], latencies[1]);
}

TEST(DemoServer, StopsWithARequestInFlight) {
  auto server = std::make_unique<tether::demo::PreviewServer>();
  int fd = connect_to(server->port());
  std::string request = "GET /foo/bar?delay=10000 HTTP/1.1\r\n\r\n";
  ::send(fd, request.data(), request.size(), 0);
  for (int i = 0; i < 6000 && server->requests_received() == 0; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_EQ(server->requests_received(), 1u);
  server.reset();  // joins the connection's thread: must not wait out the delay
  EXPECT_EQ(read_all(fd), "");
  ::close(fd);
}
