/// \file
/// Future<T>: one request's outcome, settled exactly once with a value or a
/// tether::Error. Usable blocking (get), with continuations (then / catch_error)
/// and with co_await; a function returning Future<T> may be a coroutine
/// (tether/coroutine.hpp), and when_all / all_settled / when_any combine
/// futures (tether/combinators.hpp). Both are included at the end of this file.
///
/// Where callbacks run: never inside the call that settles the future nor inside
/// then(); continuations and coroutine resumptions are posted to the future's
/// executor (the engine thread of the client that made the request), also when
/// attached after settlement. No internal lock is held while they run.
#pragma once

#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "tether/error.hpp"
#include "tether/executor.hpp"

namespace tether {

template <class T>
class Future;
template <class T>
class Promise;

namespace detail {
template <class T>
class FuturePromiseBase;  // a coroutine's promise_type (tether/coroutine.hpp)
template <class T>
class FuturePromise;
struct FutureAccess;  // for the combinators (tether/combinators.hpp)

// A Tether coroutine's promise: told by each awaited Future's awaiter where
// the coroutine resumes next (that Future's executor).
struct ResumeExecutor {
  virtual void resumes_on(std::shared_ptr<Executor> executor) = 0;

 protected:
  ~ResumeExecutor() = default;
};
[[noreturn]] void throw_future_misuse(const char* what);

template <class T>
using Stored = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

// A large value (a Response) is held on the heap inside its Result, so that a
// Result stays small: an Error settles a Future<Response> without room for a
// Response being allocated (an abort allocates only its Error), and moving a
// Result moves a pointer.
template <class T>
struct is_boxed : std::bool_constant<(sizeof(T) > 128)> {};
template <>
struct is_boxed<void> : std::false_type {};

template <class T>
class Boxed {
 public:
  template <class... A>
  explicit Boxed(std::in_place_t, A&&... args)
      : p_(std::make_unique<T>(std::forward<A>(args)...)) {}
  Boxed(const Boxed& other) requires std::is_copy_constructible_v<T>
      : p_(other.p_ ? std::make_unique<T>(*other.p_) : nullptr) {}
  Boxed(Boxed&&) noexcept = default;
  Boxed& operator=(const Boxed& other) requires std::is_copy_constructible_v<T> {
    if (this != &other) p_ = other.p_ ? std::make_unique<T>(*other.p_) : nullptr;
    return *this;
  }
  Boxed& operator=(Boxed&&) noexcept = default;
  T& get() const {
    if (!p_) throw_future_misuse("the Result's value was moved out");
    return *p_;
  }

 private:
  std::unique_ptr<T> p_;
};

template <class T>
using Held = std::conditional_t<is_boxed<T>::value, Boxed<T>, Stored<T>>;

template <class U>
struct is_future : std::false_type {};
template <class U>
struct is_future<Future<U>> : std::true_type {};

template <class U>
struct unwrap_future {
  using type = U;
};
template <class U>
struct unwrap_future<Future<U>> {
  using type = U;
};

// std::function needs a copyable target; continuations own move-only things
// (promises, user lambdas), so they are held behind a shared_ptr.
template <class F>
std::function<void()> make_task(F&& f) {
  auto held = std::make_shared<std::decay_t<F>>(std::forward<F>(f));
  return [held] { (*held)(); };
}

}  // namespace detail

/// The outcome of a Future: a value (nothing, for T = void) or an Error.
template <class T>
class Result {
 public:
  /// A failed outcome.
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}
  /// A value.
  Result(detail::Stored<T> value) requires(!std::is_void_v<T>) : v_(make_value(std::move(value))) {}
  /// The value built in place (saves a move of a large T).
  template <class... A>
  explicit Result(std::in_place_t, A&&... args) requires(!std::is_void_v<T>)
      : v_(make_value(std::forward<A>(args)...)) {}
  /// Success, for T = void.
  Result() requires std::is_void_v<T> : v_(std::in_place_index<0>) {}

  /// True for a value, false for an Error.
  ///@{
  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }
  ///@}

  /// The value; throws the error if there is none.
  ///@{
  decltype(auto) value() & { return get_value(*this); }
  decltype(auto) value() const& { return get_value(*this); }
  decltype(auto) value() && { return get_value(std::move(*this)); }
  ///@}

  /// The error; throws Error(BadOptionValue) if there is a value instead.
  const Error& error() const {
    if (has_value()) detail::throw_future_misuse("Result::error() called on a value");
    return std::get<1>(v_);
  }

 private:
  template <class Self>
  static decltype(auto) get_value(Self&& self) {
    if (!self.has_value()) detail::raise(std::get<1>(self.v_));
    if constexpr (std::is_void_v<T>) {
      return;
    } else if constexpr (detail::is_boxed<T>::value) {
      using Ref = std::conditional_t<
          std::is_lvalue_reference_v<Self>,
          std::conditional_t<std::is_const_v<std::remove_reference_t<Self>>, const T&, T&>, T&&>;
      return static_cast<Ref>(std::get<0>(self.v_).get());
    } else {
      return std::get<0>(std::forward<Self>(self).v_);
    }
  }

  using Variant = std::variant<detail::Held<T>, Error>;
  template <class... A>
  static Variant make_value(A&&... args) {
    if constexpr (detail::is_boxed<T>::value) {
      return Variant(std::in_place_index<0>, std::in_place, std::forward<A>(args)...);
    } else {
      return Variant(std::in_place_index<0>, std::forward<A>(args)...);
    }
  }

  Variant v_;
};

namespace detail {

// Tag: a Promise over a FutureState allocated by the library itself (a
// request's state, future state and config share one allocation).
struct AdoptState {};

template <class T>
class FutureState {
 public:
  explicit FutureState(std::shared_ptr<Executor> executor) : executor_(std::move(executor)) {}

  // The single choke point of settlement: true only for the call that settled.
  // The arguments build the Result in place.
  template <class... A>
  bool settle(A&&... args) {
    std::function<void()> continuation;
    {
      std::lock_guard lock(mu_);
      if (outcome_) return false;
      outcome_.emplace(std::forward<A>(args)...);
      continuation = std::move(continuation_);
    }
    cv_.notify_all();
    if (continuation) executor_->post(std::move(continuation));
    return true;
  }

  bool ready() const {
    std::lock_guard lock(mu_);
    return static_cast<bool>(outcome_);
  }

  template <class Rep, class Period>
  bool wait_for(const std::chrono::duration<Rep, Period>& d) const {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, d, [&] { return static_cast<bool>(outcome_); });
  }

  void wait() const {
    std::unique_lock lock(mu_);
    if (outcome_) return;
    if (executor_->running_in_this_thread()) {
      throw_future_misuse("blocking on a Future from its own executor's thread would deadlock");
    }
    cv_.wait(lock, [&] { return static_cast<bool>(outcome_); });
  }

  // Runs `fn` on the executor once settled (posted even if already settled).
  void on_settled(std::function<void()> fn) {
    {
      std::lock_guard lock(mu_);
      if (!outcome_) {
        continuation_ = std::move(fn);
        return;
      }
    }
    executor_->post(std::move(fn));
  }

  // Only after settlement, by the single consumer.
  Result<T>&& take() { return std::move(*outcome_); }
  Result<T>& outcome() { return *outcome_; }

  // A copy under the lock: rebind() may replace it from another thread.
  std::shared_ptr<Executor> executor() const {
    std::lock_guard lock(mu_);
    return executor_;
  }

  // A coroutine's future follows its coroutine: continuations run, and
  // blocking is refused, on the executor the coroutine resumes on next. Only
  // the coroutine calls this, before it settles.
  void rebind(std::shared_ptr<Executor> executor) {
    std::lock_guard lock(mu_);
    if (!outcome_) executor_ = std::move(executor);
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  // Small whatever T is: a large value is held on the heap (detail::Boxed).
  std::optional<Result<T>> outcome_;
  std::function<void()> continuation_;
  std::shared_ptr<Executor> executor_;
};

// Settles `promise` with what `fn(args...)` gives: its value, the outcome of the
// Future it returns, or the exception it throws.
template <class R, class Fn, class... A>
void settle_with(Promise<R>& promise, Fn& fn, A&&... args) {
  using U = std::invoke_result_t<Fn&, A...>;
  try {
    if constexpr (is_future<U>::value) {
      std::invoke(fn, std::forward<A>(args)...).forward_to(std::move(promise));
    } else if constexpr (std::is_void_v<U>) {
      std::invoke(fn, std::forward<A>(args)...);
      promise.set_value();
    } else {
      promise.set_value(std::invoke(fn, std::forward<A>(args)...));
    }
  } catch (...) {
    promise.set_error(Error::from_exception(std::current_exception()));
  }
}

struct PassError {};  // then(on_value) without on_error: the error flows on
struct PassValue {};  // catch_error(on_error): the value flows on

// What a chain's value callback F returns for a Future<T>.
template <class T, class F>
struct callback_result {
  using type = std::invoke_result_t<F&, T&&>;
};
template <class F>
struct callback_result<void, F> {
  using type = std::invoke_result_t<F&>;
};
template <class T>
struct callback_result<T, PassValue> {
  using type = T;
};
template <>
struct callback_result<void, PassValue> {
  using type = void;
};

}  // namespace detail

/// The producing side of a Future<T>: settles it once, from any thread.
template <class T>
class Promise {
 public:
  /// A promise whose future's continuations run on `executor`.
  explicit Promise(std::shared_ptr<Executor> executor = default_executor())
      : state_(std::make_shared<detail::FutureState<T>>(std::move(executor))) {}
  /// (Internal: a promise over `state`, allocated elsewhere.)
  Promise(detail::AdoptState, std::shared_ptr<detail::FutureState<T>> state) noexcept
      : state_(std::move(state)) {}
  /// Moves the promise; assigning over an unsettled one breaks its future first.
  ///@{
  Promise(Promise&&) noexcept = default;
  Promise& operator=(Promise&& other) noexcept {
    if (this != &other) {
      break_if_unsettled();
      state_ = std::move(other.state_);
      future_taken_ = other.future_taken_;
    }
    return *this;
  }
  ///@}
  Promise(const Promise&) = delete;
  Promise& operator=(const Promise&) = delete;
  /// A promise dropped unsettled settles its future with an Error, so no
  /// waiter hangs.
  ~Promise() { break_if_unsettled(); }

  /// The one Future of this promise; a second call throws Error(BadOptionValue).
  Future<T> get_future() {
    if (!state_ || future_taken_) detail::throw_future_misuse("Promise::get_future() called twice");
    future_taken_ = true;
    return Future<T>(state_);
  }

  /// Each settles the future with a value, an error or an outcome, and
  /// returns true only for the call that settled.
  ///@{
  template <class U = detail::Stored<T>>
  bool set_value(U&& value) requires(!std::is_void_v<T>) {
    return state_ && state_->settle(std::in_place, std::forward<U>(value));
  }
  bool set_value() requires std::is_void_v<T> { return state_ && state_->settle(); }
  bool set_error(Error error) { return state_ && state_->settle(std::move(error)); }
  bool settle(Result<T> outcome) { return state_ && state_->settle(std::move(outcome)); }
  ///@}
  /// True once the future has its outcome.
  bool settled() const { return state_ && state_->ready(); }

 private:
  void break_if_unsettled() {
    if (state_ && !state_->ready()) {
      state_->settle(Result<T>(Error(ErrorCode::Unknown, "promise destroyed without a result")));
    }
  }

  std::shared_ptr<detail::FutureState<T>> state_;
  bool future_taken_ = false;
};

/// One request's outcome, settled exactly once with a value or a tether::Error.
/// Use it blocking (get), with continuations (then / catch_error) or with
/// co_await. Continuations run on the future's executor, never inside the call
/// that settles it nor inside then(), and no internal lock is held while they run.
template <class T>
class Future {
 public:
  using value_type = T;  ///< the value's type
  /// A function returning Future<T> may be a coroutine (tether/coroutine.hpp).
  using promise_type = detail::FuturePromise<T>;

  Future() noexcept = default;  ///< no state: valid() is false
  /// Move-only: one consumer.
  ///@{
  Future(Future&&) noexcept = default;
  Future& operator=(Future&&) noexcept = default;
  ///@}
  Future(const Future&) = delete;
  Future& operator=(const Future&) = delete;

  /// False once consumed by get(), result(), then(), catch_error() or co_await.
  bool valid() const noexcept { return state_ != nullptr; }
  /// True once settled (never blocks).
  bool ready() const { return state_ && state_->ready(); }
  /// Blocks until settled or `d` has passed; true if settled.
  template <class Rep, class Period>
  bool wait_for(const std::chrono::duration<Rep, Period>& d) const {
    return require_state().wait_for(d);
  }
  /// Blocks until settled. On the executor's own thread, throws
  /// Error(BadOptionValue) instead of deadlocking.
  void wait() const { require_state().wait(); }

  /// Blocks, then returns the value or throws the Error. Consumes the future.
  T get() { return result().value(); }
  /// Blocks, then returns the outcome without throwing. Consumes the future.
  Result<T> result() {
    wait();
    return std::exchange(state_, nullptr)->take();
  }

  /// A Future of on_value(value) (on_value() for Future<void>); an error skips
  /// on_value and flows on. If on_value returns a Future, the result is that
  /// Future's outcome. An exception thrown by on_value becomes the error.
  template <class F>
  auto then(F&& on_value) {
    return chain(std::forward<F>(on_value), detail::PassError{});
  }
  /// As then(on_value), with on_error(const Error&) handling an error instead;
  /// both must return the same type.
  template <class F, class G>
  auto then(F&& on_value, G&& on_error) {
    return chain(std::forward<F>(on_value), std::forward<G>(on_error));
  }
  /// Recovers from an error: on_error(const Error&) returns a T (or Future<T>),
  /// or throws. A value flows on untouched.
  template <class G>
  Future<T> catch_error(G&& on_error) {
    return chain(detail::PassValue{}, std::forward<G>(on_error));
  }

  /// co_await from any coroutine: suspends until settled, then resumes on the
  /// executor's thread (also when already settled), giving the value or
  /// throwing the Error.
  ///@{
  auto operator co_await() && { return Awaiter{std::exchange(state_, nullptr)}; }
  auto operator co_await() & { return Awaiter{std::exchange(state_, nullptr)}; }
  ///@}

  /// Where this future's continuations run.
  std::shared_ptr<Executor> executor() const { return require_state().executor(); }

  /// Settles `promise` with this future's outcome once it has one.
  void forward_to(Promise<T>&& promise) {
    auto state = take_state();
    state->on_settled(
        detail::make_task([state, p = std::move(promise)]() mutable { p.settle(state->take()); }));
  }

 private:
  friend class Promise<T>;
  friend class detail::FuturePromiseBase<T>;
  friend struct detail::FutureAccess;
  explicit Future(std::shared_ptr<detail::FutureState<T>> state) : state_(std::move(state)) {}

  detail::FutureState<T>& require_state() const {
    if (!state_) detail::throw_future_misuse("Future has no state (moved from or consumed)");
    return *state_;
  }
  std::shared_ptr<detail::FutureState<T>> take_state() {
    require_state();
    return std::exchange(state_, nullptr);
  }

  template <class F, class G>
  auto chain(F&& on_value, G&& on_error) {
    using U = typename detail::callback_result<T, std::decay_t<F>>::type;
    using R = typename detail::unwrap_future<U>::type;
    if constexpr (std::is_same_v<std::decay_t<F>, detail::PassValue>) {
      static_assert(
          std::is_same_v<T, typename detail::unwrap_future<
                                std::invoke_result_t<std::decay_t<G>&, const Error&>>::type>,
          "catch_error(on_error): on_error must return T or Future<T>");
    } else if constexpr (!std::is_same_v<std::decay_t<G>, detail::PassError>) {
      static_assert(std::is_same_v<U, std::invoke_result_t<std::decay_t<G>&, const Error&>>,
                    "then(on_value, on_error): both callbacks must return the same type");
    }
    auto state = take_state();
    Promise<R> promise(state->executor());
    Future<R> out = promise.get_future();
    state->on_settled(
        detail::make_task([state, p = std::move(promise), f = std::forward<F>(on_value),
                           g = std::forward<G>(on_error)]() mutable {
          Result<T>& outcome = state->outcome();
          if (outcome.has_value()) {
            if constexpr (std::is_same_v<std::decay_t<F>, detail::PassValue>) {
              p.settle(std::move(outcome));
            } else if constexpr (std::is_void_v<T>) {
              detail::settle_with(p, f);
            } else {
              detail::settle_with(p, f, std::move(outcome).value());
            }
          } else if constexpr (std::is_same_v<std::decay_t<G>, detail::PassError>) {
            p.set_error(outcome.error());
          } else {
            detail::settle_with(p, g, outcome.error());
          }
        }));
    return out;
  }

  struct Awaiter {
    std::shared_ptr<detail::FutureState<T>> state;
    /// Always suspends, so the coroutine resumes on the executor even when the
    /// future is already settled: code after co_await runs on one known thread.
    bool await_ready() const noexcept { return false; }
    template <class P>
    void await_suspend(std::coroutine_handle<P> handle) {
      if (!state) detail::throw_future_misuse("co_await on a Future with no state");
      // A Tether coroutine remembers where it runs next, to settle there.
      if constexpr (std::is_base_of_v<detail::ResumeExecutor, P>) {
        handle.promise().resumes_on(state->executor());
      }
      std::coroutine_handle<> h = handle;
      state->on_settled([h] { h.resume(); });
    }
    T await_resume() { return state->take().value(); }
  };

  std::shared_ptr<detail::FutureState<T>> state_;
};

/// A Future that is already settled with `value` / `error`.
///@{
template <class T>
Future<std::decay_t<T>> make_ready_future(T&& value,
                                          std::shared_ptr<Executor> ex = default_executor()) {
  Promise<std::decay_t<T>> p(std::move(ex));
  p.set_value(std::forward<T>(value));
  return p.get_future();
}
inline Future<void> make_ready_future(std::shared_ptr<Executor> ex = default_executor()) {
  Promise<void> p(std::move(ex));
  p.set_value();
  return p.get_future();
}
template <class T>
Future<T> make_error_future(Error error, std::shared_ptr<Executor> ex = default_executor()) {
  Promise<T> p(std::move(ex));
  p.set_error(std::move(error));
  return p.get_future();
}
///@}

}  // namespace tether

#include "tether/combinators.hpp"  // IWYU pragma: export
#include "tether/coroutine.hpp"    // IWYU pragma: export
