// Client::request's path through the request patterns of the client layer:
// coalescing, then hedging, then the request itself (run_request).
#include "client/client_core.hpp"
#include "client/coalescing.hpp"
#include "client/hedging.hpp"

namespace tether::detail {

namespace {

// Hedges and retries share the client's retry budget (issue 14: a failing
// upstream is not hit with multiplied load), and hedges also keep within
// their own extra-load cap: a copy goes only when both allow it.
class SharedHedgeBudget final : public ExtraLoadBudget {
 public:
  SharedHedgeBudget(const HedgeBudget& own, std::shared_ptr<RetryBudget> shared)
      : own_(own), shared_(std::move(shared)) {}
  void on_request() noexcept override { own_.on_request(); }
  bool try_spend() noexcept override { return own_.try_spend() && shared_->try_spend(); }
  // A hedged request's success refills the shared bucket as a retried one's does.
  void on_success() noexcept override { shared_->on_success(); }

 private:
  TokenBucketBudget own_;
  std::shared_ptr<RetryBudget> shared_;
};

}  // namespace

std::shared_ptr<HedgeState> make_hedge_state(const ClientOptions& options,
                                             std::shared_ptr<RetryBudget> retry_budget) {
  std::shared_ptr<ExtraLoadBudget> budget;
  if (retry_budget) {
    budget = std::make_shared<SharedHedgeBudget>(options.hedge_budget, std::move(retry_budget));
  } else {
    budget = std::make_shared<TokenBucketBudget>(options.hedge_budget);
  }
  return std::make_shared<HedgeState>(std::move(budget));
}

std::shared_ptr<CoalesceTable> make_coalesce_table() {
  return std::make_shared<CoalesceTable>();
}

namespace {

// A request of this client started later (a hedge's copy, after its delay):
// the client may be gone by then, and then the copy is not sent.
LaunchCopy launcher(const ClientCore& core) {
  std::weak_ptr<EngineOwner> weak_owner = core.owner;
  std::weak_ptr<Interceptors> weak_interceptors = core.interceptors;
  std::shared_ptr<Executor> engine = core.owner->engine;
  return [weak_owner, weak_interceptors, engine](PreparedConfig&& prepared) {
    auto owner = weak_owner.lock();
    auto interceptors = weak_interceptors.lock();
    if (!owner || !interceptors) {
      return make_error_future<Response>(
          Error::canceled({"AbortError", "client destroyed"})
              .with_request(std::move(prepared.config), RequestPhase::Queued, false),
          engine);
    }
    return run_request(*owner, std::move(prepared), *interceptors);
  };
}

LaunchCopy hedging_launcher(const ClientCore& core) {
  return [run = launcher(core), state = core.owner->hedging,
          engine = core.owner->engine](PreparedConfig&& prepared) {
    if (!hedgeable(prepared.config)) return run(std::move(prepared));
    return run_hedged(engine, state, std::move(prepared), run);
  };
}

}  // namespace

Future<Response> send_request(const ClientCore& core, PreparedConfig&& prepared) {
  const EngineOwner& owner = *core.owner;
  if (owner.options.coalesce.enabled) {
    return owner.coalescing->join(std::move(prepared), owner.options.coalesce, owner.engine,
                                  hedging_launcher(core), owner.event_hook);
  }
  if (hedgeable(prepared.config)) {
    return run_hedged(owner.engine, owner.hedging, std::move(prepared), launcher(core));
  }
  return run_request(owner, std::move(prepared), *core.interceptors);  // the common path
}

}  // namespace tether::detail
