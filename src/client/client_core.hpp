// The state a Client handle shares: its engine and its defaults.
#pragma once

#include <memory>

#include "tether/client.hpp"
#include "transport/engine.hpp"

namespace tether::detail {

// Shuts the engine down when the last client using it goes away (the engine
// object itself may live on as the executor of futures still held).
struct EngineOwner {
  std::shared_ptr<Engine> engine = Engine::start();
  ~EngineOwner() { engine->shutdown(); }
};

struct ClientCore {
  std::shared_ptr<EngineOwner> owner;
  RequestConfig defaults;
};

// For tests: the engine behind a client.
struct ClientAccess {
  static Engine& engine(const Client& client) { return *client.core_->owner->engine; }
};

// axios' mergeConfig: `config` over `defaults`, field by field; headers and
// params merged name by name.
RequestConfig merge_config(const RequestConfig& defaults, RequestConfig config);

}  // namespace tether::detail
