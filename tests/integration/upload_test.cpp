// Streaming uploads: Body::file and Body::stream read as curl asks for them
// (never whole in memory), with progress, abort, retries and 307 redirects
// that know whether the body can be sent again.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "support/outcomes.hpp"
#include "support/test_server.hpp"
#include "tether/client.hpp"

namespace tether {
namespace {

using namespace std::chrono_literals;
using test::fails;
using test::ok;
using test::TestServer;

constexpr auto kLimit = 60s;

std::string pattern(std::size_t n, std::size_t from = 0) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = TestServer::pattern_byte(from + i);
  return s;
}

// A file in a fresh directory, removed with it.
class TempFile {
 public:
  explicit TempFile(const std::string& content = {}) {
    char dir[] = "/tmp/tether-upload-XXXXXX";
    dir_ = ::mkdtemp(dir);
    path_ = dir_ + "/body.bin";
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::filesystem::remove_all(dir_); }
  const std::string& path() const { return path_; }

 private:
  std::string dir_;
  std::string path_;
};

// A producer of `total` pattern bytes in pieces of at most `piece`; restart()
// starts it over. Counts what it gave.
struct Producer {
  std::size_t total = 0;
  std::size_t piece = 7000;
  std::atomic<std::size_t> offset{0};
  std::atomic<int> restarts{0};

  Body body(bool restartable, bool sized = false) {
    auto read = [this](std::span<char> buffer) {
      std::size_t n = std::min({buffer.size(), piece, total - offset.load()});
      for (std::size_t i = 0; i < n; ++i) buffer[i] = TestServer::pattern_byte(offset + i);
      offset += n;
      return n;
    };
    std::function<bool()> restart;
    if (restartable) {
      restart = [this] {
        ++restarts;
        offset = 0;
        return true;
      };
    }
    return Body::stream(read, sized ? std::optional<std::uint64_t>(total) : std::nullopt, restart);
  }
};

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

class UploadTest : public ::testing::Test {
 protected:
  nlohmann::json echo(Future<Response> f) {
    auto r = ok(std::move(f));
    return r.data.is_json() ? r.data.json() : nlohmann::json::object();
  }
  TestServer server;
  Client client;
};

TEST_F(UploadTest, AFileIsSentWithItsLengthAndType) {
  TempFile file(pattern(100'000));
  auto e = echo(client.post(server.url("/echo"), Body::file(file.path())));
  EXPECT_EQ(e["body"], pattern(100'000));
  EXPECT_EQ(e["headers"]["content-length"], "100000");
  EXPECT_EQ(e["headers"]["content-type"], "application/octet-stream");
}

TEST_F(UploadTest, AProducerOfUnknownSizeIsSentChunked) {
  Producer producer{.total = 300'000};
  auto e = echo(client.put(server.url("/echo"), producer.body(false)));
  EXPECT_EQ(e["method"], "PUT");
  EXPECT_EQ(e["body"], pattern(300'000));
  EXPECT_EQ(e["headers"]["transfer-encoding"], "chunked");
  EXPECT_FALSE(e["headers"].contains("content-length"));
}

TEST_F(UploadTest, AProducerOfKnownSizeSendsContentLength) {
  Producer producer{.total = 50'000};
  auto e = echo(client.post(server.url("/echo"), producer.body(false, /*sized=*/true)));
  EXPECT_EQ(e["body"], pattern(50'000));
  EXPECT_EQ(e["headers"]["content-length"], "50000");
}

TEST_F(UploadTest, ALargeFileNeverSitsInMemory) {
  // A sparse file: 512 MiB on the wire, no disk, and (the point) no memory.
  constexpr std::size_t kSize = std::size_t{512} << 20;
  TempFile file;
  ASSERT_EQ(::truncate(file.path().c_str(), kSize), 0);
  std::size_t before = resident_bytes();
  std::atomic<std::size_t> peak{before};
  std::atomic<std::uint64_t> loaded{0};
  auto r = ok(client.put(server.url("/ok?t=large"), Body::file(file.path()),
                         {.on_upload_progress = [&](const ProgressEvent& e) {
                           loaded = e.loaded;
                           std::size_t now = resident_bytes();
                           if (now > peak) peak = now;
                         }}));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(loaded.load(), kSize);
  auto conns = server.connections();
  ASSERT_EQ(conns.size(), 1u);
  EXPECT_EQ(conns[0].body_bytes_received, kSize);
  // Held at once: curl's upload buffer, not the file (a generous bound).
  // (A sanitizer's shadow memory multiplies what each byte costs.)
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  EXPECT_LT(peak.load() - before, std::size_t{256} << 20);
#else
  EXPECT_LT(peak.load() - before, std::size_t{64} << 20);
#endif
}

TEST_F(UploadTest, UploadProgressCountsTheFile) {
  TempFile file(pattern(200'000));
  std::mutex mu;
  std::vector<ProgressEvent> events;
  ok(client.post(server.url("/ok"), Body::file(file.path()),
                 {.on_upload_progress = [&](const ProgressEvent& e) {
                   std::lock_guard lock(mu);
                   events.push_back(e);
                 }}));
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().loaded, 200'000u);
  ASSERT_TRUE(events.back().total);
  EXPECT_EQ(*events.back().total, 200'000u);
}

TEST_F(UploadTest, AMissingFileFailsNamingItAndSendsNothing) {
  auto e = fails(client.post(server.url("/echo"), Body::file("/nonexistent/dir/body.bin")));
  EXPECT_EQ(e.code(), ErrorCode::BadOptionValue);
  EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/body.bin"), std::string::npos) << e.what();
  EXPECT_EQ(server.accepted_count(), 0u);
}

TEST_F(UploadTest, WhatTheProducerThrowsIsTheError) {
  int calls = 0;
  auto body = Body::stream([&](std::span<char> buffer) -> std::size_t {
    if (++calls > 3) throw std::runtime_error("disk went away");
    std::fill(buffer.begin(), buffer.begin() + 100, 'x');
    return 100;
  });
  auto e = fails(client.post(server.url("/ok"), body));
  EXPECT_STREQ(e.what(), "disk went away");
  EXPECT_TRUE(e.cause());
}

TEST_F(UploadTest, AProducerShortOfItsSizeFails) {
  bool done = false;
  auto body = Body::stream(
      [&](std::span<char> buffer) -> std::size_t {
        if (std::exchange(done, true)) return 0;
        std::fill(buffer.begin(), buffer.begin() + 10, 'x');
        return 10;
      },
      1000);
  auto e = fails(client.post(server.url("/ok"), body));
  EXPECT_NE(std::string(e.what()).find("ended after 10 of the 1000 bytes"), std::string::npos)
      << e.what();
}

TEST_F(UploadTest, AbortMidUploadClosesTheSocket) {
  std::mutex mu;
  std::condition_variable cv;
  std::size_t produced = 0;
  auto body = Body::stream([&](std::span<char> buffer) {
    std::fill(buffer.begin(), buffer.end(), 'z');
    std::lock_guard lock(mu);
    produced += buffer.size();
    cv.notify_all();
    return buffer.size();  // endless
  });
  AbortController controller;
  auto future = client.put(server.url("/ok?t=up-abort"), body, {.signal = controller.signal()});
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, kLimit, [&] { return produced >= (4u << 20); }));
  }
  controller.abort();
  auto e = fails(std::move(future));
  EXPECT_TRUE(e.is_cancel());
  EXPECT_TRUE(server.wait_for_client_close("t=up-abort", kLimit));
}

RetryPolicy quick_retry() {
  RetryPolicy retry;
  retry.retries = 2;
  retry.delay = 1ms;
  retry.jitter = false;
  return retry;
}

TEST_F(UploadTest, AStreamWithoutRestartIsNotRetriedAndTheErrorSaysWhy) {
  Producer producer{.total = 20'000};
  auto e = fails(client.put(server.url("/flaky?key=norestart&fail=1"), producer.body(false),
                            {.retry = quick_retry()}));
  EXPECT_EQ(e.code(), ErrorCode::BadResponse);
  EXPECT_NE(std::string(e.what()).find("not retried: the request body is a stream without a "
                                       "restart function"),
            std::string::npos)
      << e.what();
  ASSERT_TRUE(e.response());
  EXPECT_EQ(e.response()->status, 503);
}

TEST_F(UploadTest, AStreamWithRestartIsRetried) {
  Producer producer{.total = 20'000};
  auto r = ok(client.put(server.url("/flaky?key=restart&fail=1"), producer.body(true),
                         {.retry = quick_retry()}));
  EXPECT_EQ(r.data.json()["tries"], 2);
  EXPECT_EQ(producer.restarts.load(), 1);
  auto conns = server.connections();
  std::size_t received = 0;
  for (const auto& c : conns) received += c.body_bytes_received;
  EXPECT_EQ(received, 40'000u);  // the whole body, twice
}

TEST_F(UploadTest, AFileIsRetried) {
  TempFile file(pattern(30'000));
  auto r = ok(client.put(server.url("/flaky?key=file&fail=1"), Body::file(file.path()),
                         {.retry = quick_retry()}));
  EXPECT_EQ(r.data.json()["tries"], 2);
}

TEST_F(UploadTest, A307NeedsABodyThatCanRestart) {
  std::string to = "/redirect-to?status=307&url=" + server.url("/echo");
  Producer once{.total = 5000};
  auto e = fails(client.post(server.url(to), once.body(false)));
  EXPECT_NE(std::string(e.what()).find("307 redirect needs the request body again"),
            std::string::npos)
      << e.what();

  Producer again{.total = 5000};
  auto echoed = echo(client.post(server.url(to), again.body(true)));
  EXPECT_EQ(echoed["method"], "POST");
  EXPECT_EQ(echoed["body"], pattern(5000));

  TempFile file(pattern(6000));
  auto from_file = echo(client.post(server.url(to), Body::file(file.path())));
  EXPECT_EQ(from_file["body"], pattern(6000));
}

}  // namespace
}  // namespace tether
