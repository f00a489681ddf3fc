// Cookies (ClientOptions::cookies): curl's cookie engine through a jar per
// client, against the project's test server (/set-cookie sets a=1 and
// b=2 HttpOnly; /echo shows the Cookie header it got).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/outcomes.hpp"
#include "support/test_server.hpp"
#include "tether/client.hpp"

using tether::Client;
using tether::ClientOptions;
using tether::test::ok;
using tether::test::TestServer;

namespace {

// A Cookie header's pairs in name order (curl orders them by its own rules).
std::string sorted(const std::string& header) {
  std::vector<std::string> pairs;
  std::size_t start = 0;
  while (start < header.size()) {
    auto end = header.find("; ", start);
    pairs.push_back(header.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 2;
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& p : pairs) out += (out.empty() ? "" : "; ") + p;
  return out;
}

// The Cookie header /echo received, sorted ("" for none).
std::string cookie_sent(Client& client, const std::string& url) {
  auto r = ok(client.get(url));
  const auto& headers = r.data.json().at("headers");
  return headers.contains("cookie") ? sorted(headers["cookie"].get<std::string>()) : "";
}

std::string on_localhost(const std::string& url) {
  std::string out = url;
  out.replace(out.find("127.0.0.1"), 9, "localhost");
  return out;
}

// A fresh file name in the temp dir, removed at the end of the test.
struct TempFile {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("tether-cookies-" + std::to_string(::getpid()) + "-" +
                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
  ~TempFile() { std::filesystem::remove(path); }
};

// Answers one request on 127.0.0.2 (curl counts 127.0.0.1 and localhost as
// secure contexts, where Secure cookies go over http too) and keeps its head.
class OtherLoopbackServer {
 public:
  OtherLoopbackServer() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    ::inet_pton(AF_INET, "127.0.0.2", &addr.sin_addr);
    socklen_t len = sizeof addr;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len);
    ::listen(fd_, 1);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      const int c = ::accept(fd_, nullptr, nullptr);
      std::string request;
      char buf[1024];
      while (c >= 0 && request.find("\r\n\r\n") == std::string::npos) {
        const auto n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        request.append(buf, static_cast<std::size_t>(n));
      }
      const std::string response =
          "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      if (c >= 0) {
        (void)::send(c, response.data(), response.size(), MSG_NOSIGNAL);
        ::close(c);
      }
      head_.set_value(request);
    });
  }
  ~OtherLoopbackServer() {
    ::shutdown(fd_, SHUT_RDWR);  // wakes accept() if nobody came
    thread_.join();
    ::close(fd_);
  }
  OtherLoopbackServer(const OtherLoopbackServer&) = delete;
  OtherLoopbackServer& operator=(const OtherLoopbackServer&) = delete;
  std::string url() const { return "http://127.0.0.2:" + std::to_string(port_) + "/"; }
  std::future<std::string> head() { return head_.get_future(); }

 private:
  int fd_;
  std::uint16_t port_ = 0;
  std::promise<std::string> head_;
  std::thread thread_;
};

struct CookieTest : ::testing::Test {
  TestServer server;
};

}  // namespace

TEST_F(CookieTest, ASetCookieIsSentBackAndListed) {
  Client client({}, ClientOptions{.cookies = true});
  ok(client.get(server.url("/set-cookie")));
  EXPECT_EQ(cookie_sent(client, server.url("/echo")), "a=1; b=2");
  auto jar = client.cookies();
  std::sort(jar.begin(), jar.end(), [](const auto& x, const auto& y) { return x.name < y.name; });
  ASSERT_EQ(jar.size(), 2u);
  EXPECT_EQ(jar[0].domain, "127.0.0.1");
  EXPECT_EQ(jar[0].name, "a");
  EXPECT_EQ(jar[0].value, "1");
  EXPECT_FALSE(jar[0].http_only);
  EXPECT_EQ(jar[1].name, "b");
  EXPECT_TRUE(jar[1].http_only);
}

TEST_F(CookieTest, OffUnlessAskedFor) {
  Client client;
  ok(client.get(server.url("/set-cookie")));
  EXPECT_EQ(cookie_sent(client, server.url("/echo")), "");
  EXPECT_TRUE(client.cookies().empty());
}

TEST_F(CookieTest, NotSentToAnotherHost) {
  Client client({}, ClientOptions{.cookies = true});
  ok(client.get(server.url("/set-cookie")));
  EXPECT_EQ(cookie_sent(client, on_localhost(server.url("/echo"))), "");
  EXPECT_EQ(cookie_sent(client, server.url("/echo")), "a=1; b=2");
}

TEST_F(CookieTest, ARedirectCarriesTheCookieToItsHostOnly) {
  Client client({}, ClientOptions{.cookies = true});
  ok(client.get(server.url("/set-cookie")));
  auto same = ok(client.get(server.url("/redirect-to?url=" + server.url("/echo"))));
  EXPECT_EQ(same.redirects, 1);
  EXPECT_EQ(sorted(same.data.json()["headers"].value("cookie", "")), "a=1; b=2");
  auto other = ok(client.get(server.url("/redirect-to?url=" + on_localhost(server.url("/echo")))));
  EXPECT_EQ(other.redirects, 1);
  EXPECT_FALSE(other.data.json()["headers"].contains("cookie"));
}

TEST_F(CookieTest, ASecureCookieIsNotSentOverHttp) {
  OtherLoopbackServer other;
  auto head = other.head();
  TempFile file;
  {
    std::ofstream out(file.path);
    out << "# Netscape HTTP Cookie File\n"
        << "127.0.0.2\tFALSE\t/\tTRUE\t0\tsecret\ts1\n"
        << "127.0.0.2\tFALSE\t/\tFALSE\t0\tplain\tp1\n";
  }
  Client client({}, ClientOptions{.cookie_file = file.path.string()});
  EXPECT_EQ(client.cookies().size(), 2u);
  EXPECT_EQ(ok(client.get(other.url())).status, 200);
  ASSERT_EQ(head.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  std::string sent = head.get();
  EXPECT_NE(sent.find("Cookie: plain=p1\r\n"), std::string::npos) << sent;
  EXPECT_EQ(sent.find("secret"), std::string::npos) << sent;
}

TEST_F(CookieTest, AFileRoundTripsThroughSaveAndDestruction) {
  TempFile saved, on_exit;
  {
    Client client({}, ClientOptions{.cookie_file = saved.path.string()});
    ok(client.get(server.url("/set-cookie")));
    client.save_cookies();
    std::ifstream in(saved.path);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_NE(text.str().find("# Netscape HTTP Cookie File"), std::string::npos);
    EXPECT_NE(text.str().find("\ta\t1"), std::string::npos) << text.str();
    namespace fs = std::filesystem;
    EXPECT_EQ(fs::status(saved.path).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
  }
  {
    Client client({}, ClientOptions{.cookie_file = on_exit.path.string()});
    ok(client.get(server.url("/set-cookie")));
  }  // saved as the client goes
  for (const auto& file : {saved.path, on_exit.path}) {
    Client reader({}, ClientOptions{.cookie_file = file.string()});
    EXPECT_EQ(reader.cookies().size(), 2u) << file;
    EXPECT_EQ(cookie_sent(reader, server.url("/echo")), "a=1; b=2") << file;
  }
}

TEST_F(CookieTest, TwoClientsAreIsolatedAndACreatedChildShares) {
  Client first({}, ClientOptions{.cookies = true});
  Client second({}, ClientOptions{.cookies = true});
  ok(first.get(server.url("/set-cookie")));
  EXPECT_EQ(cookie_sent(second, server.url("/echo")), "");
  EXPECT_TRUE(second.cookies().empty());
  Client child = first.create({});
  EXPECT_EQ(cookie_sent(child, server.url("/echo")), "a=1; b=2");
}

TEST_F(CookieTest, ClearEmptiesTheJar) {
  Client client({}, ClientOptions{.cookies = true});
  ok(client.get(server.url("/set-cookie")));
  ASSERT_EQ(client.cookies().size(), 2u);
  client.clear_cookies();
  EXPECT_TRUE(client.cookies().empty());
  EXPECT_EQ(cookie_sent(client, server.url("/echo")), "");
}

TEST_F(CookieTest, SavingWithoutAFileOrToABadPathIsAClearError) {
  Client memory_only({}, ClientOptions{.cookies = true});
  try {
    memory_only.save_cookies();
    ADD_FAILURE() << "save_cookies without a file succeeded";
  } catch (const tether::Error& e) {
    EXPECT_EQ(e.code(), tether::ErrorCode::BadOptionValue);
    EXPECT_NE(std::string(e.what()).find("cookie_file"), std::string::npos);
  }
  Client bad({}, ClientOptions{.cookie_file = "/nonexistent-dir-for-tether/cookies.txt"});
  try {
    bad.save_cookies();
    ADD_FAILURE() << "save_cookies to a missing directory succeeded";
  } catch (const tether::Error& e) {
    EXPECT_EQ(e.code(), tether::ErrorCode::BadOptionValue);
    EXPECT_NE(std::string(e.what()).find("cannot write"), std::string::npos);
  }
}

TEST_F(CookieTest, ReadFromAContinuationOnTheEngineThread) {
  Client client({}, ClientOptions{.cookies = true});
  auto count =
      client.get(server.url("/set-cookie")).then([client](const tether::Response&) mutable {
        return client.cookies().size();
      });
  EXPECT_EQ(count.get(), 2u);
}

namespace {

// The names in `dir` (the test's own directory), sorted.
std::vector<std::string> names_in(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    out.push_back(entry.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A fresh directory in the temp dir, removed with what it holds at the end.
struct TempDir {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("tether-cookie-dir-" + std::to_string(::getpid()) + "-" +
                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_F(CookieTest, SavingUsesAUniqueTemporaryAndLeavesNothingBehind) {
  TempDir dir;
  auto jar = dir.path / "jar.txt";
  // What a fixed "<file>.tmp" would collide with (another client's temporary,
  // here a directory so that the collision shows).
  std::filesystem::create_directory(dir.path / "jar.txt.tmp");
  Client client({}, ClientOptions{.cookie_file = jar.string()});
  ok(client.get(server.url("/set-cookie")));
  client.save_cookies();
  client.save_cookies();
  EXPECT_EQ(names_in(dir.path), (std::vector<std::string>{"jar.txt", "jar.txt.tmp"}));
  Client reader({}, ClientOptions{.cookie_file = jar.string()});
  EXPECT_EQ(reader.cookies().size(), 2u);
}

TEST_F(CookieTest, AFailedSaveRemovesItsTemporary) {
  TempDir dir;
  auto jar = dir.path / "jar.txt";
  std::filesystem::create_directory(jar);  // the rename over it fails
  Client client({}, ClientOptions{.cookie_file = jar.string()});
  ok(client.get(server.url("/set-cookie")));
  try {
    client.save_cookies();
    ADD_FAILURE() << "save_cookies over a directory succeeded";
  } catch (const tether::Error& e) {
    EXPECT_EQ(e.code(), tether::ErrorCode::BadOptionValue);
    EXPECT_NE(std::string(e.what()).find("cannot write"), std::string::npos) << e.what();
  }
  EXPECT_EQ(names_in(dir.path), (std::vector<std::string>{"jar.txt"}));
}

TEST_F(CookieTest, ClientsSavingToOneFileConcurrentlyLeaveAWholeJar) {
  TempDir dir;
  auto jar = dir.path / "jar.txt";
  std::vector<std::thread> savers;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i) {
    savers.emplace_back([&] {
      Client client({}, ClientOptions{.cookie_file = jar.string()});
      if (!client.get(server.url("/set-cookie")).result()) ++failures;
      for (int n = 0; n < 20; ++n) {
        try {
          client.save_cookies();
        } catch (const tether::Error&) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : savers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(names_in(dir.path), (std::vector<std::string>{"jar.txt"}));
  Client reader({}, ClientOptions{.cookie_file = jar.string()});
  EXPECT_EQ(reader.cookies().size(), 2u);
}
