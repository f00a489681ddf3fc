/// \file
/// Coroutines returning tether::Future<T>: co_await requests inside, co_return
/// a value, and the caller gets a Future like any request's.
///
///   tether::Future<int> status_of(tether::Client& c, std::string url) {
///     auto r = co_await c.get(std::move(url));
///     co_return r.status;
///   }
///
/// The body starts at once on the caller's thread and runs up to its first
/// co_await; each co_await resumes it on the executor of the awaited Future
/// (the engine thread of the client that made the request). Its Future follows
/// it: continuations run on the executor where the body finished (the default
/// executor if it awaited nothing), and blocking on the Future from the thread
/// the body waits to resume on throws ERR_BAD_OPTION_VALUE instead of
/// deadlocking. An exception leaving the body fails the Future: a
/// tether::Error as it is (a canceled request stays ERR_CANCELED), anything
/// else as ERR_UNKNOWN with the exception as cause().
///
/// The Future settles only after the coroutine is entirely gone: its locals
/// and its parameter copies are destroyed before get() returns or a
/// continuation runs, so a caller may free what they refer to (a reference
/// parameter, a lock on the caller's mutex) as soon as it has the result.
///
/// Dropping the Future neither stops nor leaks the coroutine: it runs to its
/// end and frees its frame (stop it with an AbortSignal passed to its requests).
#pragma once

#include <coroutine>
#include <exception>
#include <memory>
#include <optional>
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
  /// The final awaiter takes the state before it frees the frame; a frame
  /// destroyed any other way still settles, so no waiter hangs.
  ~FuturePromiseBase() {
    if (state_) state_->settle(Error(ErrorCode::Unknown, "coroutine destroyed before it finished"));
  }

  Future<T> get_return_object() { return Future<T>(state_); }
  /// Eager, as an async function: the body runs until its first co_await.
  std::suspend_never initial_suspend() noexcept { return {}; }

  /// Settles only once the frame is gone: the body's locals die at co_return
  /// and the parameter copies with the frame, and they may use what the caller
  /// frees as soon as get() returns or a continuation runs. The frame frees
  /// itself; the Future owns only the shared state, so dropping it never
  /// touches the frame.
  struct FinalAwaiter {
    bool await_ready() const noexcept { return false; }
    template <class P>
    void await_suspend(std::coroutine_handle<P> frame) noexcept {
      FuturePromiseBase& self = frame.promise();
      auto state = std::move(self.state_);
      // Always set: co_return, or flowing off a void body, or an exception.
      Result<T> outcome = std::move(*self.outcome_);
      frame.destroy();  // `this` and `self` are gone from here on
      state->settle(std::move(outcome));
    }
    void await_resume() const noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }

  void unhandled_exception() noexcept {
    outcome_.emplace(Error::from_exception(std::current_exception()));
  }

  void resumes_on(std::shared_ptr<Executor> executor) final { state_->rebind(std::move(executor)); }

 protected:
  template <class... A>
  void keep(A&&... args) {
    outcome_.emplace(std::forward<A>(args)...);
  }

 private:
  std::shared_ptr<FutureState<T>> state_;
  std::optional<Result<T>> outcome_;  ///< until the frame is gone
};

template <class T>
class FuturePromise : public FuturePromiseBase<T> {
 public:
  template <class U = T>
  void return_value(U&& value) {
    this->keep(std::in_place, std::forward<U>(value));
  }
};

template <>
class FuturePromise<void> : public FuturePromiseBase<void> {
 public:
  void return_void() { this->keep(); }
};

}  // namespace tether::detail
