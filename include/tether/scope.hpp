/// \file
/// tether::Scope: requests and continuations that cannot outlive their owner
/// (structured concurrency, as Trio's nurseries and C++26's counting_scope).
///
///   class Widget {
///     tether::Scope scope_;  // declared last: destroyed first
///     void refresh() {
///       scope_.then(scope_.get(client_, url_), [this](tether::Response r) { show(r); });
///     }
///   };
///
/// Destroying a Scope closes it: it aborts everything still running in it
/// (reason {"AbortError", "scope closed"}), then returns only once every request
/// started through it has settled and every callback attached through it has
/// returned. A callback that has not started by then never runs: one that
/// captured `this` never runs on a destroyed object.
///
/// What counts as "through the scope": the requests of request() / get() / …,
/// with their per-request callbacks (on_response, on_data, progress,
/// validate_status, transform_request / transform_response), and the callbacks
/// of then() / catch_error() / guard(). A continuation attached to a future
/// with the future's own then() is not the scope's.
///
/// Where the destructor may run (it never deadlocks):
/// - on any thread, the engine thread of a client included: it waits only for
///   the scope's callbacks running on *other* threads (the ones queued behind
///   it on its own thread will not run);
/// - inside one of the scope's own callbacks: it waits for all the others,
///   not for the one it runs in (which goes on after the destructor returns);
/// - a scope's callback must not wait for another thread that is itself
///   destroying the same scope (that is a cycle no library can break).
///
/// abort() aborts the scope's signal but keeps the scope open: the requests
/// fail (Canceled) and their continuations still run, so an on_error can clean
/// up. Only destruction closes it.
///
/// Nesting: a child scope (Scope child(parent)) aborts when the parent aborts,
/// and the parent's destruction waits for the child's callbacks too (and
/// refuses new ones). A child's destruction or abort leaves the parent alone.
/// A scope may also hang under any AbortSignal (Scope s(signal)).
///
/// Deadlines: a scope may carry a steady_clock deadline (a child's is the
/// earlier of its own and its parent's). Each request started through it gets
/// at most the time that remains (RequestConfig::scope_deadline); when that
/// runs out the request fails with "scope deadline exceeded" (see
/// docs/patterns.md, "Deadlines").
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tether/abort.hpp"
#include "tether/client.hpp"
#include "tether/future.hpp"

namespace tether {

class Scope;

namespace detail {

class ScopeState;

// One unit of work held in a scope and its ancestors while it lasts (a running
// callback, a request() call being made). Empty when the scope, or one of its
// ancestors, is closed.
class ScopeEntry {
 public:
  explicit ScopeEntry(const std::shared_ptr<ScopeState>& state) noexcept;
  ScopeEntry(const ScopeEntry&) = delete;
  ScopeEntry& operator=(const ScopeEntry&) = delete;
  ~ScopeEntry();
  explicit operator bool() const noexcept { return state_ != nullptr; }
  /// The entries this thread holds now, innermost first (scope_state.cpp).
  const ScopeEntry* outer() const noexcept { return outer_; }
  /// The scope this entry counts in (null: it was refused).
  const ScopeState* state() const noexcept { return state_; }

 private:
  ScopeState* state_ = nullptr;
  // Entries nest on a thread (RAII), so they link themselves into a list
  // headed by a thread_local pointer: no allocation, and nothing for thread
  // exit to destroy before a thread_local Scope that still asks.
  ScopeEntry* outer_ = nullptr;
};

// The Error of work refused by a closed scope (Canceled, with the scope's reason).
[[noreturn]] void throw_scope_closed(const ScopeState& state);
// Aborts the scope because `why` (when_all / when_any settled it).
void abort_scope(ScopeState& state, std::string why) noexcept;

}  // namespace detail

/// Requests and continuations that cannot outlive their owner (structured
/// concurrency). Destroying a Scope aborts what runs in it and returns once all
/// of it has settled and returned; abort() aborts without closing.
class Scope {
 public:
  using Clock = std::chrono::steady_clock;  ///< the clock of deadlines

  /// A root scope, with no deadline.
  Scope();
  /// A root scope with a deadline for every request started through it.
  explicit Scope(Clock::time_point deadline);
  /// Under a signal: aborting it aborts the scope (with its reason).
  explicit Scope(AbortSignal parent, std::optional<Clock::time_point> deadline = std::nullopt);
  /// A child scope (see the header comment).
  explicit Scope(Scope& parent, std::optional<Clock::time_point> deadline = std::nullopt);
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;
  /// Closes the scope, aborts what runs in it and waits (see the header comment).
  ~Scope();

  /// Aborted when the scope is aborted, closed, or its parent aborts.
  AbortSignal signal() const;
  /// Aborts the scope's signal (the first reason wins); true for the call that
  /// aborted. The scope stays open. Callbacks on the signal run on this thread.
  bool abort(AbortReason reason = {"AbortError", "scope aborted"});
  /// True once the scope's signal has aborted.
  bool aborted() const noexcept;
  /// The scope's deadline (the earlier of its own and its parent's), if any.
  std::optional<Clock::time_point> deadline() const noexcept;

  /// client.request(config) with the scope's signal added to config.signal,
  /// the scope's deadline as config.scope_deadline (the earlier one, when set)
  /// and the per-request callbacks counted in the scope. On a closed scope the
  /// future fails at once (Canceled, reason "scope closed"), opening nothing.
  Future<Response> request(Client& client, RequestConfig config);
  /// The verbs, as Client's (overloads, not default arguments: see Client::request).
  ///@{
  Future<Response> get(Client& client, std::string url);
  Future<Response> get(Client& client, std::string url, RequestConfig config);
  Future<Response> del(Client& client, std::string url);
  Future<Response> del(Client& client, std::string url, RequestConfig config);
  Future<Response> head(Client& client, std::string url);
  Future<Response> head(Client& client, std::string url, RequestConfig config);
  Future<Response> post(Client& client, std::string url, Body data);
  Future<Response> post(Client& client, std::string url, Body data, RequestConfig config);
  Future<Response> put(Client& client, std::string url, Body data);
  Future<Response> put(Client& client, std::string url, Body data, RequestConfig config);
  Future<Response> patch(Client& client, std::string url, Body data);
  Future<Response> patch(Client& client, std::string url, Body data, RequestConfig config);
  ///@}

  /// `fn` as a callable counted in the scope while it runs; once the scope is
  /// closed, calling it runs nothing and throws the scope's Canceled Error.
  template <class F>
  auto guard(F fn) const {
    return [state = state_, fn = std::move(fn)](auto&&... args) mutable -> decltype(auto) {
      detail::ScopeEntry entry(state);
      if (!entry) detail::throw_scope_closed(*state);
      return fn(std::forward<decltype(args)>(args)...);
    };
  }

  /// future.then(…) / catch_error(…) with the callbacks guarded: they never run
  /// after the scope is closed (the result then fails with Canceled).
  ///@{
  template <class T, class F>
  auto then(Future<T> future, F on_value) const {
    return std::move(future).then(guard(std::move(on_value)));
  }
  template <class T, class F, class G>
  auto then(Future<T> future, F on_value, G on_error) const {
    return std::move(future).then(guard(std::move(on_value)), guard(std::move(on_error)));
  }
  template <class T, class G>
  Future<T> catch_error(Future<T> future, G on_error) const {
    return std::move(future).catch_error(guard(std::move(on_error)));
  }
  ///@}

  /// tether::when_all, and on the first failure the scope is aborted (so the
  /// other requests started through it close their connections at once):
  /// Trio's and StructuredTaskScope's "fail together". Use a child scope per
  /// group when the scope must live on.
  template <class T>
  auto when_all(std::vector<Future<T>> fs) const {
    using V = detail::AllValues<T>;
    return tether::when_all(std::move(fs))
        .catch_error([state = state_](const Error& e) -> Future<V> {
          detail::abort_scope(*state,
                              std::string("another request in when_all failed: ") + e.what());
          return make_error_future<V>(e);
        });
  }
  /// tether::when_any, and once a value wins the scope is aborted (the losers'
  /// connections close at once). As when_all: a child scope per group.
  template <class T>
  Future<T> when_any(std::vector<Future<T>> fs) const {
    if constexpr (std::is_void_v<T>) {
      return tether::when_any(std::move(fs)).then([state = state_] {
        detail::abort_scope(*state, "another request in when_any won");
      });
    } else {
      return tether::when_any(std::move(fs)).then([state = state_](T value) {
        detail::abort_scope(*state, "another request in when_any won");
        return value;
      });
    }
  }

 private:
  std::shared_ptr<detail::ScopeState> state_;
};

}  // namespace tether
