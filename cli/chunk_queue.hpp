// Body chunks handed from the engine thread (on_data) to the main thread,
// which writes them: the engine thread only moves bytes and never blocks on a
// slow terminal, pipe or disk.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace tether::cli {

class ChunkQueue {
 public:
  void push(std::string_view chunk) {
    {
      std::lock_guard lock(mutex_);
      chunks_.emplace_back(chunk);
    }
    ready_.notify_one();
  }

  // Everything queued, waiting up to `wait` for something to arrive.
  std::deque<std::string> take(std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    ready_.wait_for(lock, wait, [&] { return !chunks_.empty(); });
    return std::exchange(chunks_, {});
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::string> chunks_;
};

}  // namespace tether::cli
