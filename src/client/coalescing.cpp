#include "client/coalescing.hpp"

#include <optional>
#include <vector>

#include "client/client_core.hpp"
#include "observe/request_events.hpp"

namespace tether::detail {

// One caller: its promise (taken by whoever settles it: the transfer's end or
// its own abort) and its registration on its own signal.
struct CoalesceTable::Caller {
  explicit Caller(std::shared_ptr<Executor> executor, std::shared_ptr<const RequestConfig> own)
      : promise(std::move(executor)), config(std::move(own)) {}
  std::mutex mu;
  std::optional<Promise<Response>> promise;
  AbortRegistration registration;
  std::shared_ptr<const RequestConfig> config;
  // A follower's link to the event hook: its own Started and Finished (the
  // leader's are the shared transfer's). Null: none.
  std::shared_ptr<const RequestObserver> observer;
  std::shared_ptr<Executor> executor;  // where its events are posted (the engine)

  // The promise, once: empty for the second taker.
  std::optional<Promise<Response>> take() {
    std::lock_guard lock(mu);
    return std::exchange(promise, std::nullopt);
  }
};

// One shared transfer and its callers (guarded by the table's lock).
struct CoalesceTable::Flight {
  explicit Flight(std::string k) : key(std::move(k)) {}
  const std::string key;
  AbortController controller;
  std::vector<std::shared_ptr<Caller>> callers;
  std::size_t attached = 0;  // callers not yet detached by their abort
  bool open = true;          // new callers may join
};

namespace {

void append_field(std::string& key, std::string_view value) {
  // Length-prefixed, so no value can forge a field boundary.
  key += std::to_string(value.size());
  key += ':';
  key += value;
}

Error canceled_for(const AbortReason& reason, const std::shared_ptr<const RequestConfig>& config) {
  return Error::canceled(reason).with_request(config, RequestPhase::Queued, false);
}

}  // namespace

bool coalescable(const RequestConfig& config) {
  bool safe = config.method.empty() || iequals(config.method, "GET") ||
              iequals(config.method, "HEAD") || iequals(config.method, "OPTIONS");
  bool per_caller = config.on_response || config.on_data || config.flow ||
                    config.on_upload_progress || config.on_download_progress ||
                    config.response_type == ResponseType::Stream;
  // A deadline is the caller's own: a shared transfer could not keep it.
  bool own_deadline = config.deadline || config.scope_deadline;
  return safe && config.data.empty() && !per_caller && !own_deadline;
}

bool has_own_callbacks(const RequestConfig& config) {
  return config.validate_status || config.params_serializer || !config.transform_request.empty() ||
         !config.transform_response.empty();
}

std::string coalesce_key(const RequestConfig& config, const CoalescePolicy& policy) {
  std::string key;
  append_field(key, config.method.empty() ? "GET" : config.method);
  append_field(key, config.base_url);
  append_field(key, config.url);
  for (const auto& [name, value] : config.params) {
    append_field(key, name);
    append_field(key, value.dump());
  }
  append_field(key,
               std::to_string(static_cast<int>(config.response_type.value_or(ResponseType::Auto))));
  append_field(key, config.timeout ? std::to_string(config.timeout->count()) : "-");
  if (config.auth) {
    append_field(key, config.auth->username);
    append_field(key, config.auth->password);
  }
  for (const auto& name : policy.headers) {
    append_field(key, config.headers.get(name).value_or("-"));
  }
  return key;
}

Future<Response> CoalesceTable::join(PreparedConfig&& prepared, const CoalescePolicy& policy,
                                     const std::shared_ptr<Executor>& executor,
                                     const LaunchCopy& launch,
                                     const std::shared_ptr<const EventHook>& hook) {
  // A caller's own callbacks (scope-guarded, or its own code) are its
  // business: a transfer shared with others would run them for everyone, after
  // that caller has aborted or its scope has closed too.
  if (prepared.own_callbacks || !coalescable(prepared.config)) return launch(std::move(prepared));
  std::string key;
  try {
    key = policy.key ? policy.key(prepared.config) : coalesce_key(prepared.config, policy);
  } catch (...) {
    return make_error_future<Response>(
        Error::from_exception(std::current_exception())
            .with_request(prepared.config, RequestPhase::Queued, false),
        executor);
  }
  if (key.empty()) return launch(std::move(prepared));

  AbortSignal signal = request_signal(prepared.config);
  auto own = std::make_shared<const RequestConfig>(prepared.config);
  if (auto reason = signal.reason()) {
    return make_error_future<Response>(canceled_for(*reason, own), executor);
  }
  auto caller = std::make_shared<Caller>(executor, own);
  Future<Response> future = caller->promise->get_future();
  std::shared_ptr<Flight> flight;
  bool leader = false;
  {
    std::lock_guard lock(mu_);
    auto& slot = flights_[key];
    if (!slot) {
      slot = std::make_shared<Flight>(key);
      leader = true;
    }
    flight = slot;
    flight->callers.push_back(caller);
    ++flight->attached;
    if (!leader && hook) {
      // Posted under the lock: the transfer's end, which posts its Finished,
      // takes the lock first or after (posting runs no user code).
      caller->observer = make_observer(hook, *own);
      caller->executor = executor;
      post_started(*executor, caller->observer);
    }
  }
  if (leader) start(flight, std::move(prepared), launch);

  // Runs at once when the signal aborted meanwhile: no lock is held here.
  std::weak_ptr<Caller> weak_caller = caller;
  std::weak_ptr<CoalesceTable> weak_table = weak_from_this();
  AbortRegistration registration =
      signal.on_abort([weak_caller, weak_table, flight](const AbortReason& reason) {
        auto c = weak_caller.lock();
        auto table = weak_table.lock();
        if (c && table) table->detach(flight, c, reason);
      });
  {
    std::lock_guard lock(caller->mu);
    if (caller->promise) caller->registration = std::move(registration);
  }
  return future;  // (an unused registration is released here, outside every lock)
}

void CoalesceTable::start(const std::shared_ptr<Flight>& flight, PreparedConfig prepared,
                          const LaunchCopy& launch) {
  // The transfer answers to the flight's controller only: each caller's own
  // signal and token detach that caller.
  prepared.config.signal = flight->controller.signal();
  prepared.config.cancel_token.reset();
  auto self = shared_from_this();
  launch(std::move(prepared))
      .then([self, flight](Response r) { self->complete(flight, Result<Response>(std::move(r))); },
            [self, flight](const Error& e) { self->complete(flight, Result<Response>(e)); });
}

// Engine thread: every caller still attached gets its own copy.
void CoalesceTable::complete(const std::shared_ptr<Flight>& flight, Result<Response>&& outcome) {
  std::vector<std::shared_ptr<Caller>> callers;
  {
    std::lock_guard lock(mu_);
    if (flight->open) {
      flight->open = false;
      flights_.erase(flight->key);
    }
    callers.swap(flight->callers);
  }
  for (auto& caller : callers) {
    auto promise = caller->take();
    if (!promise) continue;  // aborted first
    if (caller->observer) post_ending(*caller->executor, caller->observer, ending_of(outcome), 0);
    if (outcome) {
      Response copy = outcome.value();
      copy.config = *caller->config;
      promise->set_value(std::move(copy));
    } else {
      promise->settle(outcome);
    }
    AbortRegistration done;
    {
      std::lock_guard lock(caller->mu);
      done = std::move(caller->registration);
    }
  }
}

// The aborting thread, O(1) but for the last caller's abort of the transfer.
void CoalesceTable::detach(const std::shared_ptr<Flight>& flight,
                           const std::shared_ptr<Caller>& caller, const AbortReason& reason) {
  auto promise = caller->take();
  if (!promise) return;  // already settled by the transfer
  bool last = false;
  {
    std::lock_guard lock(mu_);
    last = --flight->attached == 0 && flight->open;
    if (last) {
      flight->open = false;
      flights_.erase(flight->key);
    }
  }
  Error error = canceled_for(reason, caller->config);
  if (caller->observer)
    post_ending(*caller->executor, caller->observer, ending_of(error, &reason), 0);
  promise->set_error(std::move(error));
  if (last) {
    try {
      flight->controller.abort({"AbortError", "every caller of the coalesced request aborted"});
    } catch (...) {
      // Only the transfer's own callbacks hang on this signal.
    }
  }
}

std::size_t CoalesceTable::in_flight() const {
  std::lock_guard lock(mu_);
  return flights_.size();
}

}  // namespace tether::detail
