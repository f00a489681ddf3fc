/// \file
/// Executor: where Future continuations and coroutine resumptions run.
#pragma once

#include <functional>
#include <memory>

namespace tether {

/// A serial task queue. Each Client's engine thread is one; futures made with a
/// bare Promise use default_executor().
class Executor {
 public:
  virtual ~Executor() = default;
  /// Queues `task`; never runs it inside this call. Callable from any thread.
  virtual void post(std::function<void()> task) = 0;
  /// True on the thread that runs this executor's tasks.
  virtual bool running_in_this_thread() const noexcept = 0;
};

/// A process-wide executor with one thread of its own, started on first use.
std::shared_ptr<Executor> default_executor();

}  // namespace tether
