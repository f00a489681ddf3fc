// MockTransport with streamed bodies (Body::file, Body::stream) and as the
// observers see it: the event hook's phases and redirects, and TransferInfo
// on Response and Error, as for a request over the network. No sockets.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/outcomes.hpp"
#include "tether/client.hpp"
#include "tether/testing.hpp"

using namespace std::chrono_literals;
using tether::Body;
using tether::Client;
using tether::ErrorCode;
using tether::EventKind;
using tether::RequestPhase;
using tether::test::fails;
using tether::test::ok;
using tether::testing::MockTransport;
using tether::testing::Reply;

namespace {

// A producer that gives `text` a few bytes at a time (restartable if asked).
Body pieces(std::string text, bool restartable, std::atomic<int>* restarts = nullptr) {
  auto at = std::make_shared<std::size_t>(0);
  auto read = [text, at](std::span<char> buffer) {
    std::size_t n = std::min<std::size_t>({buffer.size(), 3, text.size() - *at});
    std::copy_n(text.data() + *at, n, buffer.data());
    *at += n;
    return n;
  };
  std::function<bool()> restart;
  if (restartable) {
    restart = [at, restarts] {
      *at = 0;
      if (restarts) restarts->fetch_add(1);
      return true;
    };
  }
  return Body::stream(read, std::nullopt, restart);
}

struct TempFile {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("tether-mock-upload-" + std::to_string(::getpid()) + "-" +
                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
  explicit TempFile(const std::string& text) { std::ofstream(path, std::ios::binary) << text; }
  ~TempFile() { std::filesystem::remove(path); }
};

struct Seen {
  EventKind kind{};
  RequestPhase phase{};
  int status = 0;
  std::string url{};
  bool transfer_available = false;
};

struct Events {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Seen> seen;
  int finished = 0;
  tether::EventHook hook() {
    return [this](const tether::RequestEvent& e) {
      std::lock_guard lock(mu);
      seen.push_back({e.kind, e.phase, e.status, std::string(e.url),
                      e.transfer != nullptr && e.transfer->available});
      if (e.kind == EventKind::Finished) ++finished;
      cv.notify_all();
    };
  }
  // Everything seen once `n` requests have finished (the Finished event may
  // come just after the future settles).
  std::vector<Seen> after_finished(int n) {
    std::unique_lock lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, 30s, [&] { return finished >= n; }));
    return seen;
  }
};

std::vector<RequestPhase> phases(const std::vector<Seen>& seen) {
  std::vector<RequestPhase> out;
  for (const auto& s : seen) {
    if (s.kind == EventKind::PhaseChanged) out.push_back(s.phase);
  }
  return out;
}

struct MockUploadTest : ::testing::Test {
  std::shared_ptr<MockTransport> mock = MockTransport::create();
  Client client{{}, {.transport = mock}};
};

}  // namespace

TEST_F(MockUploadTest, AStreamedBodyIsReadMatchedAndRecorded) {
  mock->on({.method = "POST", .body = "hello streamed world"}, Reply::text(201, "got it"));
  auto r = ok(client.post("http://h.test/up", pieces("hello streamed world", false)));
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.transfer.body_bytes_sent, 20);
  auto sent = mock->requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].body, "hello streamed world");
}

TEST_F(MockUploadTest, AFileBodyIsReadMatchedAndRecorded) {
  TempFile file("file bytes\nline two\n");
  mock->on({.method = "PUT", .body = "file bytes\nline two\n"}, Reply::text(200, "stored"));
  auto r = ok(client.put("http://h.test/file", Body::file(file.path.string())));
  EXPECT_EQ(r.data.text(), "stored");
  auto sent = mock->requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].body, "file bytes\nline two\n");
}

TEST_F(MockUploadTest, WhatAProducerThrowsIsTheRequestsError) {
  mock->on({}, Reply::text(200, "never"));
  auto body = Body::stream(
      [](std::span<char>) -> std::size_t { throw std::runtime_error("the producer broke"); });
  auto e = fails(client.post("http://h.test/up", body));
  EXPECT_NE(std::string(e.what()).find("the producer broke"), std::string::npos) << e.what();
  EXPECT_EQ(e.phase(), RequestPhase::Send);
  EXPECT_TRUE(mock->requests().empty());  // it never went out whole
}

TEST_F(MockUploadTest, AFileThatIsGoneIsAClearError) {
  auto e = fails(client.post("http://h.test/up", Body::file("/nonexistent-for-tether/body.bin")));
  EXPECT_EQ(e.code(), ErrorCode::BadOptionValue);
  EXPECT_NE(std::string(e.what()).find("body.bin"), std::string::npos) << e.what();
  EXPECT_TRUE(mock->requests().empty());
}

TEST_F(MockUploadTest, A307ResendsARestartableStreamAndRefusesAnotherAsTheEngineDoes) {
  mock->on({.url = "http://h.test/old"}, Reply{.status = 307, .headers = {{"Location", "/new"}}});
  mock->on({.url = "http://h.test/new", .body = "again"}, Reply::text(200, "moved"));
  std::atomic<int> restarts{0};
  auto r = ok(client.post("http://h.test/old", pieces("again", true, &restarts)));
  EXPECT_EQ(r.data.text(), "moved");
  EXPECT_EQ(restarts.load(), 1);
  auto sent = mock->requests();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].body, "again");
  auto e = fails(client.post("http://h.test/old", pieces("again", false)));
  EXPECT_EQ(e.code(), ErrorCode::BadOptionValue);
  EXPECT_NE(std::string(e.what()).find("cannot restart"), std::string::npos) << e.what();
  EXPECT_EQ(e.phase(), RequestPhase::Redirect);
}

TEST(MockEvents, PhasesRedirectsAndTimingsLookLikeTheEngines) {
  auto mock = MockTransport::create();
  mock->on({.url = "http://h.test/old"}, Reply{.status = 302, .headers = {{"Location", "/new"}}});
  mock->on({.url = "http://h.test/new"}, Reply::text(200, "moved"));
  Events events;
  Client client({}, {.transport = mock, .on_event = events.hook()});
  auto r = ok(client.post("http://h.test/old", "payload"));
  auto seen = events.after_finished(1);
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen.front().kind, EventKind::Started);
  EXPECT_EQ(seen.back().kind, EventKind::Finished);
  EXPECT_TRUE(seen.back().transfer_available);
  EXPECT_EQ(phases(seen), (std::vector<RequestPhase>{
                              RequestPhase::Connect, RequestPhase::Send, RequestPhase::AwaitHeaders,
                              RequestPhase::Redirect, RequestPhase::Connect, RequestPhase::Send,
                              RequestPhase::AwaitHeaders, RequestPhase::Body}));
  auto redirected = std::find_if(seen.begin(), seen.end(),
                                 [](const Seen& s) { return s.kind == EventKind::Redirected; });
  ASSERT_NE(redirected, seen.end());
  EXPECT_EQ(redirected->status, 302);
  EXPECT_EQ(redirected->url, "http://h.test/new");
  // The response's TransferInfo, as curl's would read.
  const auto& t = r.transfer;
  EXPECT_TRUE(t.available);
  EXPECT_GE(t.total, t.first_byte);
  EXPECT_GE(t.first_byte, t.pretransfer);
  EXPECT_GT(t.header_bytes_sent, 0);
  EXPECT_EQ(t.body_bytes_sent, 0);  // the 302 made it a GET without a body
  EXPECT_GT(t.header_bytes_received, 0);
  EXPECT_EQ(t.body_bytes_received, 5);
  EXPECT_FALSE(t.reused);
}

TEST(MockEvents, AnErrorCarriesTimingsAndAnAbortNone) {
  auto mock = MockTransport::create();
  mock->on({.url = "http://h.test/broken"},
           Reply::network_error(tether::TransportError::Receive, "reset by the mock"));
  mock->on({.url = "http://h.test/hang"}, Reply::hang());
  Events events;
  Client client({}, {.transport = mock, .on_event = events.hook()});
  auto e = fails(client.get("http://h.test/broken"));
  EXPECT_EQ(e.code(), ErrorCode::Network);
  EXPECT_TRUE(e.transfer().available);
  EXPECT_GE(e.transfer().total, e.transfer().first_byte);
  EXPECT_EQ(e.transfer().body_bytes_received, 0);
  auto seen = events.after_finished(1);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().kind, EventKind::Finished);
  EXPECT_TRUE(seen.back().transfer_available);
  EXPECT_EQ(phases(seen).front(), RequestPhase::Connect);
  tether::AbortController controller;
  auto hanging = client.get("http://h.test/hang", {.signal = controller.signal()});
  ASSERT_TRUE(mock->wait_for_requests(2, 30s));
  controller.abort();
  auto aborted = fails(std::move(hanging));
  EXPECT_TRUE(aborted.is_cancel());
  EXPECT_FALSE(
      aborted.transfer().available);  // as over the network: the aborting thread reads none
}
