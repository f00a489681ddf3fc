// ClientOptions: what a Client fixes when it is built, beside its request
// defaults — settings of the client's engine and of the work it queues and
// observes, which no single request can change. The clients create() makes
// share them with their parent.
#pragma once

#include "tether/coalescing.hpp"
#include "tether/hedging.hpp"

namespace tether {

struct ClientOptions {
  // Each capability adds its group of fields here, every one with a default
  // member initializer (a designated initializer may leave any out).

  // Hedging and coalescing (issue 14): the cap on hedges' extra load, and
  // whether identical requests in flight share one transfer.
  HedgeBudget hedge_budget{};
  CoalescePolicy coalesce{};
};

}  // namespace tether
