// The tool's back-pressure: a reader that stops reading pauses the transfer
// once the chunk queue holds its high mark, so memory stays bounded however
// large the download.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <tether/client.hpp>

#include "chunk_queue.hpp"
#include "support/test_server.hpp"

namespace tether::cli {
namespace {

using namespace std::chrono_literals;

TEST(CliChunkQueue, AReaderThatStopsReadingKeepsTheQueueBounded) {
  test::TestServer server;
  constexpr std::size_t kBody = std::size_t{24} << 20;
  constexpr std::size_t kHigh = std::size_t{1} << 20;
  FlowControl flow;
  ChunkQueue queue(flow, kHigh);
  RequestConfig cfg;
  cfg.url = server.url("/bytes/" + std::to_string(kBody));
  cfg.response_type = ResponseType::Stream;
  cfg.flow = flow;
  cfg.on_data = [&queue](std::string_view chunk) { queue.push(chunk); };
  Client client;
  auto future = client.request(std::move(cfg));

  // The reader takes nothing until the transfer has paused, then everything.
  std::size_t received = 0;
  int pauses = 0;
  const auto deadline = std::chrono::steady_clock::now() + 180s;
  auto take_all = [&] {
    for (const auto& piece : queue.take(0ms)) received += piece.bytes.size();
  };
  while (!future.ready()) {
    if (flow.paused()) {
      ++pauses;
      take_all();
      continue;
    }
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << "never paused; " << queue.peak() << " bytes queued";
    std::this_thread::sleep_for(1ms);  // polling the paused state
  }
  take_all();
  auto result = future.result();
  ASSERT_TRUE(result) << result.error().what();
  EXPECT_EQ(received, kBody);
  EXPECT_GE(pauses, 2);
  // The high mark plus at most the chunk that crossed it (generous slack).
  EXPECT_LE(queue.peak(), kHigh + (std::size_t{1} << 20));
}

}  // namespace
}  // namespace tether::cli
