// A few threads draining one FIFO of tasks: the default executor (one thread)
// and the decode workers (two) are each one.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

#include "tether/executor.hpp"

namespace tether::detail {

class ThreadPool final : public Executor {
 public:
  // Starts `threads` detached threads; a pool is meant to live for the whole
  // process (its owners leak it on purpose: work may finish during exit).
  explicit ThreadPool(unsigned threads);

  void post(std::function<void()> task) override;
  bool running_in_this_thread() const noexcept override;

 private:
  void run();

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
};

}  // namespace tether::detail
