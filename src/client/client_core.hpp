// The client layer's internals: the state a Client handle shares, and the
// steps of a request (merge, validate, dispatch, interceptors and retries).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "client/request_queue.hpp"
#include "client/retry_budget.hpp"
#include "tether/client.hpp"
#include "tether/testing.hpp"
#include "transport/egress.hpp"
#include "transport/egress_resolve.hpp"
#include "transport/engine.hpp"

namespace tether::detail {

struct HedgeState;
class CoalesceTable;
std::shared_ptr<HedgeState> make_hedge_state(const ClientOptions& options,
                                             std::shared_ptr<RetryBudget> retry_budget);
std::shared_ptr<CoalesceTable> make_coalesce_table();

// Shuts the engine down when the last client using it goes away (the engine
// object itself may live on as the executor of futures still held).
struct EngineOwner {
  explicit EngineOwner(ClientOptions client_options = {}) : options(std::move(client_options)) {}
  EngineOwner(const EngineOwner&) = delete;
  EngineOwner& operator=(const EngineOwner&) = delete;

  const ClientOptions options;
  std::shared_ptr<Engine> engine = Engine::start({
      .handler = options.transport ? options.transport->attach() : nullptr,
      .cookie_file = cookie_file(),
      .egress = EgressRules::make(options.egress),
      .resolve = NameOverrides::make(options.resolve),
  });
  // Aborted when the last client goes: settles every request of the engine
  // whatever its stage (in an interceptor, in back-off, in flight).
  AbortController closing;
  // Fair queues and the retry budget (issue 14): null when not configured.
  std::shared_ptr<RetryBudget> retry_budget =
      options.retry_budget ? std::make_shared<RetryBudget>(*options.retry_budget) : nullptr;
  std::shared_ptr<RequestQueue> queue =
      options.max_requests || options.max_requests_per_origin
          ? std::make_shared<RequestQueue>(options.max_requests, options.max_requests_per_origin)
          : nullptr;
  // Cookies: the jar's file for Engine::start (nullopt: no jar).
  std::optional<std::string> cookie_file() const {
    if (!options.cookies && options.cookie_file.empty()) return std::nullopt;
    return options.cookie_file;
  }
  // --- observability: shared by the requests (which may outlive the client) ---
  std::shared_ptr<const EventHook> event_hook =
      options.on_event ? std::make_shared<const EventHook>(options.on_event) : nullptr;
  // Hedging and coalescing (issue 14): the hedge budget and latency window,
  // and the requests in flight that identical ones may join.
  std::shared_ptr<HedgeState> hedging = make_hedge_state(options, retry_budget);
  std::shared_ptr<CoalesceTable> coalescing = make_coalesce_table();
  ~EngineOwner() {
    // Nothing queued starts while the requests below are being aborted.
    if (queue) queue->close();
    try {
      closing.abort({"AbortError", "client destroyed"});
    } catch (...) {
      // abort() rethrows what a callback threw (only bad_alloc can, here);
      // every callback has run, and a destructor must not throw.
    }
    engine->shutdown();
  }
};

// What a Client handle shares with its copies. The defaults are an immutable
// snapshot swapped whole under a small lock (no user code runs under it): a
// request takes the snapshot at its start, so changing the defaults while
// other threads send is no data race.
struct ClientCore {
  ClientCore(std::shared_ptr<EngineOwner> engine_owner, RequestConfig initial)
      : owner(std::move(engine_owner)),
        defaults_(std::make_shared<const RequestConfig>(std::move(initial))) {}

  std::shared_ptr<const RequestConfig> defaults() const {
    std::lock_guard lock(mu_);
    return defaults_;
  }
  // Replaces the snapshot if it is still `expected`; false if another
  // thread replaced it first.
  bool swap_defaults(const std::shared_ptr<const RequestConfig>& expected,
                     std::shared_ptr<const RequestConfig> next) {
    std::lock_guard lock(mu_);
    if (defaults_ != expected) return false;
    defaults_ = std::move(next);
    return true;
  }

  std::shared_ptr<EngineOwner> owner;
  std::shared_ptr<Interceptors> interceptors = std::make_shared<Interceptors>();

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const RequestConfig> defaults_;
};

// For tests: the engine behind a client.
struct ClientAccess {
  static Engine& engine(const Client& client) { return *client.core_->owner->engine; }
  // Fair queues: the client's queue (null without limits) and retry budget.
  static RequestQueue* queue(const Client& client) { return client.core_->owner->queue.get(); }
  static RetryBudget* retry_budget(const Client& client) {
    return client.core_->owner->retry_budget.get();
  }
};

// --- config.cpp ---

// axios' mergeConfig: `config` over `defaults`, field by field; headers and
// params merged name by name.
RequestConfig merge_config(const RequestConfig& defaults, RequestConfig&& config);

// A request's config with the defaults merged in and its headers flattened
// (defaults' headers, then their method_headers for this method, then the
// request's own), plus the names that came from the defaults only: those stay
// with base_url's origin.
struct PreparedConfig {
  RequestConfig config;
  std::vector<std::string> default_header_names;
  int hedge_copy = 0;  // a hedged request's extra copy (1, 2, …): its events say so
  // Hedging and coalescing fixes (issue 14): told when the first try leaves
  // for the engine (a hedge's delay runs from then), and whether the request
  // brought callbacks of its own (then it never shares a coalesced transfer).
  std::function<void()> on_dispatched{};
  bool own_callbacks = false;
};
PreparedConfig prepare_config(const RequestConfig& defaults, RequestConfig&& config);

// Validates a config and turns it into a transfer; an Error says what is wrong.
std::variant<TransferSpec, Error> make_spec(const RequestConfig& config,
                                            const std::vector<std::string>& default_header_names);

// The request's signal and cancel token as one signal.
AbortSignal request_signal(const RequestConfig& config);

// --- pipeline.cpp ---

// The whole request: request interceptors, tries (with retries and the
// whole-request timeout), response interceptors.
Future<Response> run_request(const EngineOwner& owner, PreparedConfig&& prepared,
                             const Interceptors& interceptors);

// --- send.cpp ---

// Client::request's path: coalescing (when the client asks for it), then
// hedging (when the request does), then run_request.
Future<Response> send_request(const ClientCore& core, PreparedConfig&& prepared);

}  // namespace tether::detail
