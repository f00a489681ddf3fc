/// \file
/// Interceptors: axios' interceptors.request / interceptors.response.
///
/// Request interceptors run last-added-first, response interceptors
/// first-added-first (axios' order). Each may return its value or a Future of
/// it, or throw to reject. They run on the client's engine thread, never inside
/// request(). use() returns an id for eject(); use, eject and clear may be
/// called from any thread and affect requests started afterwards.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "tether/future.hpp"
#include "tether/request.hpp"
#include "tether/response.hpp"

namespace tether {

namespace detail {
// What an interceptor gives back: a value now, or later.
template <class T>
using Step = std::variant<T, Future<T>>;

template <class F>
inline constexpr bool is_null_v = std::is_same_v<std::decay_t<F>, std::nullptr_t>;

// std::function needs a copyable target: the interceptor is held behind a
// shared_ptr, so a move-only one is accepted (as Future::then accepts them).
template <class T, class F, class... A>
std::function<Step<T>(A...)> erase_step(F&& f) {
  if constexpr (is_null_v<F>) {
    return {};  // nullptr: pass through
  } else {
    auto held = std::make_shared<std::decay_t<F>>(std::forward<F>(f));
    return [held](A... args) -> Step<T> {
      using R = std::invoke_result_t<std::decay_t<F>&, A...>;
      if constexpr (std::is_same_v<R, Future<T>>) {
        return Step<T>(std::in_place_index<1>, (*held)(std::forward<A>(args)...));
      } else {
        return Step<T>(std::in_place_index<0>, (*held)(std::forward<A>(args)...));
      }
    };
  }
}
}  // namespace detail

/// A client's list of request or response interceptors. Every member may be
/// called from any thread; changes affect requests started afterwards.
template <class Entry>
class InterceptorList {
 public:
  using Id = std::size_t;  ///< what use() returns, for eject()

  /// axios' eject: the interceptor no longer runs for requests started later.
  bool eject(Id id) {
    std::lock_guard lock(mu_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first == id) {
        entries_.erase(it);
        return true;
      }
    }
    return false;
  }
  /// Ejects every interceptor.
  void clear() {
    std::lock_guard lock(mu_);
    entries_.clear();
  }
  /// How many interceptors are in the list.
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return entries_.size();
  }
  /// The interceptors now, in registration order (what a request runs).
  std::vector<std::shared_ptr<const Entry>> snapshot() const {
    std::lock_guard lock(mu_);
    std::vector<std::shared_ptr<const Entry>> out;
    out.reserve(entries_.size());
    for (const auto& [id, entry] : entries_) out.push_back(entry);
    return out;
  }

 protected:
  /// Appends an interceptor; returns its id.
  Id add(Entry entry) {
    std::lock_guard lock(mu_);
    Id id = next_id_++;
    entries_.emplace_back(id, std::make_shared<const Entry>(std::move(entry)));
    return id;
  }

 private:
  mutable std::mutex mu_{};
  std::vector<std::pair<Id, std::shared_ptr<const Entry>>> entries_{};
  Id next_id_ = 0;
};

/// One request interceptor, as RequestInterceptors::use stores it.
struct RequestInterceptor {
  /// Returns the config to send (or a Future of it); empty: pass through.
  std::function<detail::Step<RequestConfig>(RequestConfig)> on_value{};
  std::function<bool(const RequestConfig&)> run_when{};  ///< empty: always
};

/// One response interceptor, as ResponseInterceptors::use stores it.
struct ResponseInterceptor {
  std::function<detail::Step<Response>(Response)> on_value{};      ///< empty: pass through
  std::function<detail::Step<Response>(const Error&)> on_error{};  ///< empty: pass through
};

/// axios' interceptors.request: run last-added-first on the engine thread,
/// never inside request(); each may return its value, a Future of it, or throw.
class RequestInterceptors : public InterceptorList<RequestInterceptor> {
 public:
  /// fn(RequestConfig) returns a RequestConfig or a Future<RequestConfig>.
  /// run_when(config) false skips it for that request.
  template <class F>
  Id use(F&& fn, std::function<bool(const RequestConfig&)> run_when = {}) {
    return add(
        RequestInterceptor{detail::erase_step<RequestConfig, F, RequestConfig>(std::forward<F>(fn)),
                           std::move(run_when)});
  }
};

/// axios' interceptors.response: run first-added-first on the engine thread;
/// each may return a Response, a Future of one, or throw to reject.
class ResponseInterceptors : public InterceptorList<ResponseInterceptor> {
 public:
  /// on_value(Response) and on_error(const Error&) each return a Response or a
  /// Future<Response> (on_error recovers), or throw to reject.
  template <class F>
  Id use(F&& on_value) {
    return use(std::forward<F>(on_value), nullptr);
  }
  /// Either may be nullptr (axios' use(null, onRejected)).
  template <class F, class G>
  Id use(F&& on_value, G&& on_error) {
    ResponseInterceptor entry;
    entry.on_value = detail::erase_step<Response, F, Response>(std::forward<F>(on_value));
    entry.on_error = detail::erase_step<Response, G, const Error&>(std::forward<G>(on_error));
    return add(std::move(entry));
  }
};

/// A client's interceptors (axios' instance.interceptors).
struct Interceptors {
  RequestInterceptors request{};    ///< run before a request is sent
  ResponseInterceptors response{};  ///< run on its response or error
};

}  // namespace tether
