// What the engine thread hands the main thread while a body streams: each
// response head (on_response) and each body chunk (on_data), in order. The
// engine thread only moves bytes and never blocks on a slow terminal, pipe or
// disk; instead, once kHighMark bytes wait here, the transfer is paused
// (FlowControl) until the main thread has taken them, so memory stays bounded
// however slow the writer is.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <tether/flow.hpp>
#include <tether/request.hpp>

namespace tether::cli {

// A response head (a retry's new response starts over) or a body chunk.
struct Piece {
  std::optional<ResponseHead> head{};
  std::string bytes{};
};

class ChunkQueue {
 public:
  static constexpr std::size_t kHighMark = std::size_t{4} << 20;

  // `flow`: the request's FlowControl, paused above `high_mark` queued bytes.
  explicit ChunkQueue(std::optional<FlowControl> flow = {}, std::size_t high_mark = kHighMark)
      : flow_(std::move(flow)), high_mark_(high_mark) {}

  void push_head(const ResponseHead& head) { add(Piece{.head = head}); }

  void push(std::string_view chunk) {
    bool pause = false;
    {
      std::lock_guard lock(mutex_);
      pieces_.push_back(Piece{.bytes = std::string(chunk)});
      queued_ += chunk.size();
      peak_ = std::max(peak_, queued_);
      pause = flow_ && !paused_ && queued_ >= high_mark_;
      if (pause) paused_ = true;
    }
    if (pause) flow_->pause();
    ready_.notify_one();
  }

  // Everything queued, waiting up to `wait` for something to arrive. Taking
  // empties the queue, so a paused transfer resumes (the low mark is zero):
  // at most about twice the high mark is in memory, queued and being written.
  std::deque<Piece> take(std::chrono::milliseconds wait) {
    std::deque<Piece> out;
    bool resume = false;
    {
      std::unique_lock lock(mutex_);
      ready_.wait_for(lock, wait, [&] { return !pieces_.empty(); });
      out = std::exchange(pieces_, {});
      queued_ = 0;
      resume = std::exchange(paused_, false);
    }
    if (resume) flow_->resume();
    return out;
  }

  // The most body bytes that ever waited here at once (for tests).
  std::size_t peak() const {
    std::lock_guard lock(mutex_);
    return peak_;
  }

 private:
  void add(Piece piece) {
    {
      std::lock_guard lock(mutex_);
      pieces_.push_back(std::move(piece));
    }
    ready_.notify_one();
  }

  std::optional<FlowControl> flow_;
  const std::size_t high_mark_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Piece> pieces_;
  std::size_t queued_ = 0;
  std::size_t peak_ = 0;
  bool paused_ = false;
};

}  // namespace tether::cli
