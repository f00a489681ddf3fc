// An Executor the test drives by hand: tasks wait in a queue until run_all(),
// so "not run inline" is checked without any timing.
#pragma once

#include <deque>
#include <functional>
#include <mutex>

#include "tether/executor.hpp"

namespace tether::test {

class ManualExecutor final : public Executor {
 public:
  void post(std::function<void()> task) override {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(task));
  }
  bool running_in_this_thread() const noexcept override { return running_ == this; }

  std::size_t queued() const {
    std::lock_guard lock(mu_);
    return tasks_.size();
  }
  // Runs queued tasks (and any they post) until none is left; returns how many.
  std::size_t run_all() {
    std::size_t n = 0;
    for (;;) {
      std::function<void()> task;
      {
        std::lock_guard lock(mu_);
        if (tasks_.empty()) return n;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      const ManualExecutor* outer = std::exchange(running_, this);
      task();
      running_ = outer;
      ++n;
    }
  }

 private:
  static inline thread_local const ManualExecutor* running_ = nullptr;
  mutable std::mutex mu_;
  std::deque<std::function<void()>> tasks_;
};

}  // namespace tether::test
