#include "core/thread_pool.hpp"

#include <thread>

namespace tether::detail {

namespace {
thread_local const ThreadPool* current_pool = nullptr;
}  // namespace

ThreadPool::ThreadPool(unsigned threads) {
  for (unsigned i = 0; i < threads; ++i) std::thread([this] { run(); }).detach();
}

void ThreadPool::post(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
}

bool ThreadPool::running_in_this_thread() const noexcept {
  return current_pool == this;
}

void ThreadPool::run() {
  current_pool = this;
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return !tasks_.empty(); });
    auto task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    try {
      task();
    } catch (...) {
      // Tasks contain their own errors (continuations settle their futures);
      // a stray one must not end the thread.
    }
    task = nullptr;
    lock.lock();
  }
}

}  // namespace tether::detail
