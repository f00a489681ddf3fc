/// \file
/// Combinators over futures of one type, as Promise.all / allSettled / any.
///
/// They consume the futures and do not cancel the ones still running when the
/// result is known: share one AbortController's signal between the requests
/// and abort it when you are done (docs/async.md shows how). The inputs may
/// settle on different threads; the result's continuations run on the executor
/// the first input future has when the combinator is called (the default
/// executor for an empty vector). A coroutine's future changes executor with
/// each co_await, so for one in front this is the executor it waits on at the
/// call, not necessarily the one it finishes on.
/// A future in the vector that has no state (moved from, consumed) fails the
/// result with ERR_BAD_OPTION_VALUE and consumes none of the others.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tether/future.hpp"

namespace tether {

namespace detail {

struct FutureAccess {
  template <class T>
  static std::shared_ptr<FutureState<T>> take_state(Future<T>& f) {
    return f.take_state();
  }
};

template <class T>
using AllValues = std::conditional_t<std::is_void_v<T>, void, std::vector<T>>;

// The error for a vector holding a future without state, if it does.
template <class T>
std::optional<Error> invalid_futures(const std::vector<Future<T>>& fs, const char* who) {
  for (const auto& f : fs) {
    if (!f.valid()) {
      return Error(ErrorCode::BadOptionValue,
                   std::string("tether::") + who + ": a future in the vector has no state");
    }
  }
  return std::nullopt;
}

// Read once, at the call (see the header comment).
template <class T>
std::shared_ptr<Executor> first_executor(const std::vector<Future<T>>& fs) {
  return fs.empty() ? default_executor() : fs.front().executor();
}

// Calls on_outcome(i, Result<T>&&) once for each future i, on its executor.
template <class T, class F>
void on_each_outcome(std::vector<Future<T>>& fs, F on_outcome) {
  for (std::size_t i = 0; i < fs.size(); ++i) {
    auto state = FutureAccess::take_state(fs[i]);
    state->on_settled([state, i, on_outcome]() mutable { on_outcome(i, state->take()); });
  }
}

}  // namespace detail

/// Every value in the order of `fs` (Future<void> for futures of void), or the
/// first error to arrive. An empty vector gives an empty vector.
template <class T>
Future<detail::AllValues<T>> when_all(std::vector<Future<T>> fs) {
  using V = detail::AllValues<T>;
  if (auto error = detail::invalid_futures(fs, "when_all")) return make_error_future<V>(*error);
  struct Shared {
    Shared(std::size_t n, std::shared_ptr<Executor> ex) : left(n), values(n), promise(ex) {}
    std::mutex mu;
    std::size_t left;
    std::vector<std::optional<detail::Stored<T>>> values;
    Promise<V> promise;
  };
  auto shared = std::make_shared<Shared>(fs.size(), detail::first_executor(fs));
  Future<V> out = shared->promise.get_future();
  auto finish = [](Shared& s) {
    if constexpr (std::is_void_v<T>) {
      s.promise.set_value();
    } else {
      V values;
      values.reserve(s.values.size());
      for (auto& v : s.values) values.push_back(std::move(*v));
      s.promise.set_value(std::move(values));
    }
  };
  if (fs.empty()) {
    finish(*shared);
    return out;
  }
  detail::on_each_outcome(fs, [shared, finish](std::size_t i, Result<T>&& r) {
    if (!r) {
      shared->promise.set_error(r.error());
      return;
    }
    {
      std::lock_guard lock(shared->mu);
      if constexpr (!std::is_void_v<T>) shared->values[i].emplace(std::move(r).value());
      if (--shared->left != 0) return;
    }
    finish(*shared);  // the last one: no other callback touches `shared` now
  });
  return out;
}

/// Every outcome in the order of `fs`; never fails (but for a future without
/// state in the vector). An empty vector gives an empty vector.
template <class T>
Future<std::vector<Result<T>>> all_settled(std::vector<Future<T>> fs) {
  using V = std::vector<Result<T>>;
  if (auto error = detail::invalid_futures(fs, "all_settled")) return make_error_future<V>(*error);
  struct Shared {
    Shared(std::size_t n, std::shared_ptr<Executor> ex) : left(n), outcomes(n), promise(ex) {}
    std::mutex mu;
    std::size_t left;
    std::vector<std::optional<Result<T>>> outcomes;
    Promise<V> promise;
  };
  auto shared = std::make_shared<Shared>(fs.size(), detail::first_executor(fs));
  Future<V> out = shared->promise.get_future();
  if (fs.empty()) {
    shared->promise.set_value(V{});
    return out;
  }
  detail::on_each_outcome(fs, [shared](std::size_t i, Result<T>&& r) {
    {
      std::lock_guard lock(shared->mu);
      shared->outcomes[i].emplace(std::move(r));
      if (--shared->left != 0) return;
    }
    V outcomes;
    outcomes.reserve(shared->outcomes.size());
    for (auto& o : shared->outcomes) outcomes.push_back(std::move(*o));
    shared->promise.set_value(std::move(outcomes));
  });
  return out;
}

/// The first value to arrive. Fails only when every future failed, then with
/// the error of the first future in `fs`; an empty vector fails at once
/// (ERR_BAD_OPTION_VALUE), as there is no value to wait for.
template <class T>
Future<T> when_any(std::vector<Future<T>> fs) {
  if (fs.empty()) {
    return make_error_future<T>(
        Error(ErrorCode::BadOptionValue, "tether::when_any: no futures to wait for"));
  }
  if (auto error = detail::invalid_futures(fs, "when_any")) return make_error_future<T>(*error);
  struct Shared {
    Shared(std::size_t n, std::shared_ptr<Executor> ex) : errors(n), promise(ex) {}
    std::mutex mu;
    std::size_t failed = 0;
    std::vector<std::optional<Error>> errors;
    Promise<T> promise;
  };
  auto shared = std::make_shared<Shared>(fs.size(), detail::first_executor(fs));
  Future<T> out = shared->promise.get_future();
  detail::on_each_outcome(fs, [shared](std::size_t i, Result<T>&& r) {
    if (r) {
      shared->promise.settle(std::move(r));
      return;
    }
    {
      std::lock_guard lock(shared->mu);
      shared->errors[i].emplace(r.error());
      if (++shared->failed != shared->errors.size()) return;
    }
    shared->promise.set_error(*shared->errors.front());
  });
  return out;
}

}  // namespace tether
