// Coroutines returning tether::Future<T>: co_await requests inside, co_return
// a value, and the caller gets a Future like any request's.
//
//   tether::Future<int> status_of(tether::Client& c, std::string url) {
//     auto r = co_await c.get(std::move(url));
//     co_return r.status;
//   }
//
// The body starts at once on the caller's thread and runs up to its first
// co_await; each co_await resumes it on the executor of the awaited Future
// (the engine thread of the client that made the request). Its Future follows
// it: continuations run on the executor where the body finished (the default
// executor if it awaited nothing), and blocking on the Future from the thread
// the body waits to resume on throws ERR_BAD_OPTION_VALUE instead of
// deadlocking. An exception leaving the body
// fails the Future: a tether::Error as it is (a canceled request stays
// ERR_CANCELED), anything else as ERR_UNKNOWN with the exception as cause().
//
// Dropping the Future neither stops nor leaks the coroutine: it runs to its
// end and frees its frame (stop it with an AbortSignal passed to its requests).
#pragma once

#include <coroutine>
#include <exception>
#include <memory>
#include <type_traits>
#include <utility>

#include "tether/future.hpp"

namespace tether::detail {

template <class T>
class FuturePromiseBase : public ResumeExecutor {
 public:
  FuturePromiseBase() : state_(std::make_shared<FutureState<T>>(default_executor())) {}
  FuturePromiseBase(const FuturePromiseBase&) = delete;
  FuturePromiseBase& operator=(const FuturePromiseBase&) = delete;
  // The frame is only destroyed after the body settled the Future (the final
  // suspend point does not suspend); this covers a frame destroyed otherwise.
  ~FuturePromiseBase() {
    if (!state_->ready()) {
      state_->settle(Error(ErrorCode::Unknown, "coroutine destroyed before it finished"));
    }
  }

  Future<T> get_return_object() { return Future<T>(state_); }
  // Eager, as an async function: the body runs until its first co_await.
  std::suspend_never initial_suspend() noexcept { return {}; }
  // The frame frees itself once the body is done; the Future owns only the
  // shared state, so destroying it never touches the frame.
  std::suspend_never final_suspend() noexcept { return {}; }

  void unhandled_exception() noexcept { settle(Error::from_exception(std::current_exception())); }

  void resumes_on(std::shared_ptr<Executor> executor) final { state_->rebind(std::move(executor)); }

 protected:
  template <class... A>
  void settle(A&&... args) {
    state_->settle(std::forward<A>(args)...);
  }

 private:
  std::shared_ptr<FutureState<T>> state_;
};

template <class T>
class FuturePromise : public FuturePromiseBase<T> {
 public:
  template <class U = T>
  void return_value(U&& value) {
    this->settle(std::in_place, std::forward<U>(value));
  }
};

template <>
class FuturePromise<void> : public FuturePromiseBase<void> {
 public:
  void return_void() { this->settle(); }
};

}  // namespace tether::detail
