#include "tether/executor.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "tether/future.hpp"

namespace tether {

namespace {

// One thread draining a FIFO of tasks. Used for futures that belong to no
// engine (a bare Promise, make_ready_future).
class ThreadExecutor final : public Executor {
 public:
  ThreadExecutor() : thread_([this] { run(); }) {
    thread_id_ = thread_.get_id();
    thread_.detach();
  }

  void post(std::function<void()> task) override {
    {
      std::lock_guard lock(mu_);
      tasks_.push_back(std::move(task));
    }
    wake_.notify_one();
  }

  bool running_in_this_thread() const noexcept override {
    return std::this_thread::get_id() == thread_id_;
  }

 private:
  void run() {
    std::unique_lock lock(mu_);
    for (;;) {
      wake_.wait(lock, [&] { return !tasks_.empty(); });
      auto task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      task = nullptr;
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  std::thread::id thread_id_;
  std::thread thread_;
};

}  // namespace

std::shared_ptr<Executor> default_executor() {
  // Leaked on purpose: futures may settle during static destruction.
  static auto* executor = new std::shared_ptr<Executor>(std::make_shared<ThreadExecutor>());
  return *executor;
}

namespace detail {
void throw_future_misuse(const char* what) {
  throw Error(ErrorCode::BadOptionValue, std::string("tether::Future: ") + what);
}
}  // namespace detail

}  // namespace tether
