// Client::request's path through the request patterns of the client layer:
// coalescing, then hedging, then the request itself (run_request).
#include "client/client_core.hpp"
#include "client/coalescing.hpp"
#include "client/hedging.hpp"

namespace tether::detail {

std::shared_ptr<HedgeState> make_hedge_state(const ClientOptions& options) {
  return std::make_shared<HedgeState>(options);
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
                                  hedging_launcher(core));
  }
  if (hedgeable(prepared.config)) {
    return run_hedged(owner.engine, owner.hedging, std::move(prepared), launcher(core));
  }
  return run_request(owner, std::move(prepared), *core.interceptors);  // the common path
}

}  // namespace tether::detail
