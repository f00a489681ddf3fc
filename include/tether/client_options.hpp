// ClientOptions: what a Client fixes when it is built, beside its request
// defaults — settings of the client's engine and of the work it queues and
// observes, which no single request can change. The clients create() makes
// share them with their parent.
#pragma once

#include "tether/events.hpp"

namespace tether {

struct ClientOptions {
  // Each capability adds its group of fields here, every one with a default
  // member initializer (a designated initializer may leave any out).

  // --- observability: the event hook (docs/observability.md) ---
  // Hears every request of this client (and of the clients create() makes
  // from it); empty: no event is built, at the cost of one branch.
  EventHook on_event{};
};

}  // namespace tether
